import { DeviceError } from '../errors';

/*
 * AFC strings are UTF-8 and NUL-terminated; lists are such strings one after another, and dictionaries
 * (GetFileInfo, GetDeviceInfo) are lists read as key, value, key, value.
 */

const encoder = new TextEncoder();
// Not fatal: one odd name must not hide a whole folder. It shows with U+FFFD.
const decoder = new TextDecoder();

/** Each string followed by a NUL. */
export function encodeStringList(strings: readonly string[]): Uint8Array {
	return encoder.encode(strings.map((s) => `${s}\0`).join(''));
}

/** The strings of a NUL-separated list; a last string missing its NUL is kept. */
export function decodeStringList(bytes: Uint8Array): string[] {
	if (bytes.byteLength === 0) return [];
	const strings = decoder.decode(bytes).split('\0');
	if (bytes[bytes.byteLength - 1] === 0) strings.pop();
	return strings;
}

export function encodeKeyValues(pairs: readonly (readonly [string, string])[]): Uint8Array {
	return encodeStringList(pairs.flat());
}

export function decodeKeyValues(bytes: Uint8Array, what: string): Map<string, string> {
	const strings = decodeStringList(bytes);
	if (strings.length % 2 !== 0) {
		throw new DeviceError('protocol', `The iPhone sent ${what} with a name that has no value.`);
	}
	const map = new Map<string, string>();
	for (let i = 0; i < strings.length; i += 2) map.set(strings[i]!, strings[i + 1]!);
	return map;
}

/** The string up to the first NUL (or the end): a path in a request. */
export function decodeCString(bytes: Uint8Array): string {
	const end = bytes.indexOf(0);
	return decoder.decode(end < 0 ? bytes : bytes.subarray(0, end));
}

/** A path as a request carries it. `limit` bounds its encoded length. */
export function encodePath(path: string, limit: number): Uint8Array {
	if (path.includes('\0')) {
		throw new DeviceError('afc-failed', 'A file name with a NUL character cannot be sent to the iPhone.');
	}
	const bytes = encoder.encode(`${path}\0`);
	if (bytes.byteLength > limit) {
		throw new DeviceError('afc-failed', 'A file path is too long to send to the iPhone.');
	}
	return bytes;
}

/** A decimal as AFC writes it ("1494244521000000000"); `undefined` for anything else. */
export function parseDecimal(text: string | undefined): bigint | undefined {
	if (text === undefined || !/^-?[0-9]{1,20}$/.test(text)) return undefined;
	return BigInt(text);
}
