import { DeviceError } from '../errors';

/*
 * AFC strings are UTF-8 and NUL-terminated; lists are such strings one after another, and dictionaries
 * (GetFileInfo, GetDeviceInfo) are lists read as key, value, key, value.
 */

const encoder = new TextEncoder();
// Not fatal: one odd name must not hide a whole folder. It shows with U+FFFD. A name that starts with a
// byte-order mark keeps it: it is part of the name.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/*
 * Nearly every string on the wire is a short ASCII path, name or number, and a scan moves hundreds of
 * thousands of them: those are copied a character at a time, without a call into the engine's UTF-8
 * coder each (which cost a scan more than all of its AFC framing). Anything else goes through the coder.
 */

/** Longest piece decoded by `String.fromCharCode` (its arguments are limited in number). */
const ASCII_DECODE_MAX = 4096;

/** Each string followed by a NUL. */
export function encodeStringList(strings: readonly string[]): Uint8Array {
	let length = 0;
	for (const string of strings) {
		if (!isAscii(string)) return encoder.encode(strings.map((s) => `${s}\0`).join(''));
		length += string.length + 1;
	}
	const bytes = new Uint8Array(length);
	let at = 0;
	for (const string of strings) {
		for (let i = 0; i < string.length; i++) bytes[at++] = string.charCodeAt(i);
		at++; // the NUL
	}
	return bytes;
}

/** The strings of a NUL-separated list; a last string missing its NUL is kept. */
export function decodeStringList(
	bytes: Uint8Array,
	options: { limit?: number; skip?: (text: string) => boolean } = {},
): string[] {
	if (bytes.byteLength === 0) return [];
	const limit = options.limit ?? Number.POSITIVE_INFINITY;
	const strings: string[] = [];
	let start = 0;
	for (;;) {
		let end = bytes.indexOf(0, start);
		const last = end < 0;
		if (last) end = bytes.byteLength;
		// An empty name is skipped before it is decoded: a listing of millions of NULs costs a scan, no strings.
		if (end > start || options.skip?.('') !== true) {
			const text = decodeText(bytes.subarray(start, end));
			if (options.skip?.(text) !== true) strings.push(text);
			if (strings.length >= limit) return strings;
		}
		if (last || end + 1 === bytes.byteLength) return strings;
		start = end + 1;
	}
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
	return decodeText(end < 0 ? bytes : bytes.subarray(0, end));
}

/** A path as a request carries it. `limit` bounds its encoded length. */
export function encodePath(path: string, limit: number): Uint8Array {
	if (path.includes('\0')) {
		throw new DeviceError('afc-failed', 'A file name with a NUL character cannot be sent to the iPhone.');
	}
	const bytes = encodeStringList([path]);
	if (bytes.byteLength > limit) {
		throw new DeviceError('afc-failed', 'A file path is too long to send to the iPhone.');
	}
	return bytes;
}

function isAscii(string: string): boolean {
	for (let i = 0; i < string.length; i++) if (string.charCodeAt(i) > 0x7f) return false;
	return true;
}

function decodeText(bytes: Uint8Array): string {
	if (bytes.byteLength > ASCII_DECODE_MAX) return decoder.decode(bytes);
	for (let i = 0; i < bytes.byteLength; i++) if (bytes[i]! > 0x7f) return decoder.decode(bytes);
	return String.fromCharCode.apply(null, bytes as unknown as number[]);
}

/** A decimal as AFC writes it ("1494244521000000000"); `undefined` for anything else. */
export function parseDecimal(text: string | undefined): bigint | undefined {
	if (text === undefined || !/^-?[0-9]{1,20}$/.test(text)) return undefined;
	return BigInt(text);
}
