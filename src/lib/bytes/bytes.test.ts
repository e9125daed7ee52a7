import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteReader, ByteWriter, DER_INTEGER, DER_SEQUENCE, build, encodeDerElement, fromHex, readDerChildren, readDerElement, readDerWhole, readU16, readU32, toHex, writeU16, writeU32 } from '.';

const short = () => new Error('short');

describe('the byte vocabulary', () => {
	it('writes big-endian by default, little-endian when asked, and grows past its first buffer', () => {
		const big = new ByteWriter().u8(1).u16(0x0203).u24(0x040506).u32(0x0708090a).finish();
		expect(toHex(big)).toBe('0102030405060708090a');
		expect(toHex(new ByteWriter({ littleEndian: true }).u16(0x0102).u32(0x03040506).finish())).toBe('020106050403');
		const long = new ByteWriter().zeros(1000).ascii('end').finish();
		expect(long.length).toBe(1003);
		expect(new TextDecoder().decode(long.subarray(1000))).toBe('end');
	});

	it('writes length-prefixed vectors and refuses one too long for its prefix', () => {
		expect(toHex(build((w) => w.vector(2, Uint8Array.of(0xaa, 0xbb))))).toBe('0002aabb');
		expect(() => new ByteWriter().vector(1, new Uint8Array(256))).toThrow(RangeError);
	});

	it('reads what it wrote, and a read past the end is the caller’s error', () => {
		fc.assert(
			fc.property(fc.integer({ min: 0, max: 0xffffff }), fc.uint8Array({ maxLength: 300 }), (n, body) => {
				const bytes = build((w) => w.u24(n).vector(2, body));
				const reader = new ByteReader(bytes, short);
				expect(reader.u24()).toBe(n);
				expect(reader.vector(2)).toEqual(body);
				reader.end();
				expect(() => new ByteReader(bytes.subarray(0, bytes.length - 1), short).bytes(bytes.length)).toThrow('short');
			}),
		);
	});

	it('big-endian fields in place, hex both ways', () => {
		const bytes = new Uint8Array(6);
		writeU16(bytes, 0, 0xbeef);
		writeU32(bytes, 2, 0xdeadbeef);
		expect([readU16(bytes, 0), readU32(bytes, 2)]).toEqual([0xbeef, 0xdeadbeef]);
		expect(fromHex('de:ad be ef')).toEqual(Uint8Array.of(0xde, 0xad, 0xbe, 0xef));
		expect(toHex(fromHex('00ff10'))).toBe('00ff10');
	});

	it('reads DER strictly: nested elements, the whole element, and never a non-minimal or indefinite length', () => {
		const inner = encodeDerElement(DER_INTEGER, Uint8Array.of(5));
		const outer = encodeDerElement(DER_SEQUENCE, new Uint8Array([...inner, ...inner]));
		const sequence = readDerWhole(outer, DER_SEQUENCE)!;
		expect(readDerChildren(sequence.value)?.map((child) => child.whole)).toEqual([inner, inner]);
		expect(readDerWhole(new Uint8Array([...outer, 0]), DER_SEQUENCE)).toBeUndefined();
		expect(readDerElement(Uint8Array.of(0x02, 0x81, 0x01, 0x05))).toBeUndefined(); // length 1 written long
		expect(readDerElement(Uint8Array.of(0x30, 0x80, 0x00, 0x00))).toBeUndefined(); // BER indefinite
		const long = encodeDerElement(DER_INTEGER, new Uint8Array(300));
		expect(readDerElement(long)?.value.length).toBe(300);
		expect(readDerElement(long.subarray(0, 100))).toBeUndefined();
	});
});
