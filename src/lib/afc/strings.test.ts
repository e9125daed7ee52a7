import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeCString, decodeStringList, encodePath, encodeStringList } from './strings';

/** What the wire carries for a string, and what a reader makes of bytes: the platform's UTF-8 coders. */
const utf8 = (text: string) => new TextEncoder().encode(text);
const text = (bytes: Uint8Array) => new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);

/** The list as one plain pass of the platform's coder would read it: split at each NUL, each piece decoded. */
function referenceList(bytes: Uint8Array): string[] {
	if (bytes.length === 0) return [];
	const pieces: string[] = [];
	let start = 0;
	for (let i = 0; i <= bytes.length; i++) {
		if (i === bytes.length || bytes[i] === 0) {
			if (i < bytes.length || start < bytes.length) pieces.push(text(bytes.subarray(start, i)));
			start = i + 1;
		}
	}
	return pieces;
}

const names = fc.array(
	fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }), fc.constant('\uFEFFIMG_0001.HEIC')).map((s) => s.replaceAll('\0', '')),
	{ maxLength: 12 },
);

describe('AFC strings', () => {
	it('encodes any list of names as the platform’s UTF-8 with a NUL after each', () => {
		fc.assert(
			fc.property(names, (list) => {
				expect(encodeStringList(list)).toEqual(utf8(list.map((name) => `${name}\0`).join('')));
			}),
			{ numRuns: 500 },
		);
	});

	it('reads back what it wrote, names with a byte-order mark or outside ASCII included', () => {
		fc.assert(
			fc.property(names, (list) => {
				expect(decodeStringList(encodeStringList(list))).toEqual(list.map((name) => text(utf8(name))));
			}),
			{ numRuns: 500 },
		);
		expect(decodeStringList(encodeStringList(['.', '..', '\uFEFFa', 'Été']))).toEqual(['.', '..', '\uFEFFa', 'Été']);
	});

	it('reads any bytes as the platform’s decoder reads each piece between NULs; a last piece without its NUL is kept', () => {
		fc.assert(
			fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ minLength: 4097, maxLength: 5000 }), (bytes, long) => {
				expect(decodeStringList(bytes)).toEqual(referenceList(bytes));
				const withLong = new Uint8Array([...bytes, 0, ...long.map((b) => (b === 0 ? 0x41 : b & 0x7f || 0x41))]);
				expect(decodeStringList(withLong)).toEqual(referenceList(withLong));
			}),
			{ numRuns: 300 },
		);
		expect(decodeStringList(new Uint8Array([0x61, 0, 0x62]))).toEqual(['a', 'b']);
		expect(decodeStringList(new Uint8Array([0x61, 0, 0]))).toEqual(['a', '']);
	});

	it('sends a path as UTF-8 with its NUL, and reads one up to its NUL', () => {
		fc.assert(
			fc.property(fc.string({ unit: 'grapheme' }).map((s) => s.replaceAll('\0', '')), (path) => {
				const bytes = encodePath(path, 10_000);
				expect(bytes).toEqual(utf8(`${path}\0`));
				expect(decodeCString(bytes)).toBe(path);
			}),
		);
	});
});
