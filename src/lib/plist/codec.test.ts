import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import * as plist from 'plist';
import { describe, expect, it } from 'vitest';
import { ByteWriter } from '../bytes';
import { isDeviceError } from '../errors';
import { decodePlist, encodePlist } from './codec';
import type { PlistDict, PlistValue } from './value';

const fixture = (name: string) =>
	new Uint8Array(
		readFileSync(new URL(`../../../../shared/fixtures/bytes/appium-ios-device/${name}`, import.meta.url)),
	);
/** A lockdown fixture without its 4-byte length prefix. */
const body = (name: string) => fixture(name).subarray(4);

describe('real lockdownd replies (appium-ios-device fixtures)', () => {
	const replies: [string, PlistDict][] = [
		['lockdownquerytypemessage.bin', { Request: 'QueryType', Type: 'com.apple.mobile.lockdown' }],
		['lockdowngetvaluemessage.bin', { Key: 'ProductVersion', Request: 'GetValue', Value: '12.3.1' }],
		[
			'lockdowngettimemessage.bin',
			{ Key: 'TimeIntervalSince1970', Request: 'GetValue', Value: 1561317733.062099 },
		],
	];

	it.each(replies)('decodes %s', (name, expected) => {
		expect(decodePlist(body(name))).toEqual(expected);
	});

	it.each(replies)('encodes the same dictionary as %s, byte for byte', (name, dict) => {
		expect(encodePlist(dict)).toEqual(body(name));
	});
});

/** Text XML can carry: no control characters but tab and newline (\r is normalised by XML parsers), no lone surrogates. */
const xmlText = fc
	.string({ unit: 'binary', maxLength: 12 })
	.filter((s) => !/[\u0000-\u0008\u000b-\u001f\ud800-\udfff\ufffe\uffff]/.test(s) && s !== '__proto__');

const plistValue: fc.Arbitrary<PlistValue> = fc.letrec<{ value: PlistValue }>((tie) => ({
	value: fc.oneof(
		{ depthSize: 'small', withCrossShrink: true },
		xmlText,
		fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }).filter((n) => !Object.is(n, -0)),
		fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Number.isInteger(n)),
		fc.boolean(),
		fc
			.integer({ min: Date.UTC(1970, 0, 1) / 1000, max: Date.UTC(2100, 0, 1) / 1000 })
			.map((seconds) => new Date(seconds * 1000)),
		fc.uint8Array({ maxLength: 100 }),
		fc.array(tie('value'), { maxLength: 4 }),
		fc.dictionary(xmlText, tie('value'), { maxKeys: 4 }),
	),
})).value;

describe('XML plists, checked against the plist package', () => {
	it('what we write, plist.parse reads back unchanged', () => {
		fc.assert(
			fc.property(plistValue, (value) => {
				const text = new TextDecoder().decode(encodePlist(value));
				expect(normalise(plist.parse(text))).toEqual(normalise(value));
			}),
		);
	});

	it('what plist.build writes, we read back unchanged', () => {
		fc.assert(
			fc.property(plistValue, (value) => {
				const text = plist.build(value);
				expect(normalise(decodePlist(new TextEncoder().encode(text)))).toEqual(normalise(value));
			}),
		);
	});

	it('what plist.buildBinary writes, we read back unchanged', () => {
		fc.assert(
			fc.property(plistValue, (value) => {
				expect(normalise(decodePlist(plist.buildBinary(value)))).toEqual(normalise(value));
			}),
		);
	});
});

describe('bad input', () => {
	it('random bytes give a value or a DeviceError, nothing else', () => {
		fc.assert(
			fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
				expectOnlyDeviceError(() => decodePlist(bytes));
			}),
		);
	});

	it('mutated real messages give a value or a DeviceError', () => {
		const original = body('lockdowngetvaluemessage.bin');
		fc.assert(
			fc.property(
				fc.array(fc.tuple(fc.nat(original.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
				(edits) => {
					const bytes = original.slice();
					for (const [at, value] of edits) bytes[at] = value;
					expectOnlyDeviceError(() => decodePlist(bytes));
				},
			),
		);
	});

	it('mutated binary plists give a value or a DeviceError', () => {
		const original = plist.buildBinary({ a: [1, 'two', { three: new Uint8Array([3]) }], b: 2.5, c: true });
		fc.assert(
			fc.property(
				fc.array(fc.tuple(fc.nat(original.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
				(edits) => {
					const bytes = original.slice();
					for (const [at, value] of edits) bytes[at] = value;
					expectOnlyDeviceError(() => decodePlist(bytes));
				},
			),
		);
	});

	it.each([
		['not XML', 'hello'],
		['no plist element', '<?xml version="1.0"?><dict/>'],
		['unterminated', '<plist><dict><key>a</key><string>b</string>'],
		['key without value', '<plist><dict><key>a</key></dict></plist>'],
		['two values', '<plist><string>a</string><string>b</string></plist>'],
		['unknown element', '<plist><foo/></plist>'],
		['bad integer', '<plist><integer>12a</integer></plist>'],
		['bad real', '<plist><real>1..2</real></plist>'],
		['bad data', '<plist><data>@@@@</data></plist>'],
		['bad date', '<plist><date>yesterday</date></plist>'],
		['unknown entity', '<plist><string>&nbsp;</string></plist>'],
		['bare ampersand', '<plist><string>a & b</string></plist>'],
		['mismatched close', '<plist><string>a</key></plist>'],
		['text after the end', '<plist><true/></plist>junk'],
	])('rejects XML with %s as a protocol error', (_, text) => {
		expect(() => decodePlist(new TextEncoder().encode(text))).toThrow(
			expect.objectContaining({ name: 'DeviceError', code: 'protocol' }),
		);
	});

	it('rejects invalid UTF-8 as a protocol error', () => {
		const bytes = new TextEncoder().encode('<plist><string>xx</string></plist>');
		bytes[16] = 0xff;
		expect(() => decodePlist(bytes)).toThrow(expect.objectContaining({ code: 'protocol' }));
	});

	it('refuses XML nested deeper than any lockdown message', () => {
		const text = `<plist>${'<array>'.repeat(200)}${'</array>'.repeat(200)}</plist>`;
		expect(() => decodePlist(new TextEncoder().encode(text))).toThrow(expect.objectContaining({ code: 'protocol' }));
	});

	it('keeps a key named __proto__ as a plain key', () => {
		const value = decodePlist(
			new TextEncoder().encode('<plist><dict><key>__proto__</key><string>x</string></dict></plist>'),
		) as PlistDict;
		expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
		expect(Object.keys(value)).toEqual(['__proto__']);
	});

	it('reads entities, CDATA, comments, self-closing tags and hex integers', () => {
		const text =
			'<?xml version="1.0"?>\n<!-- c --><plist version="1.0"><dict>' +
			'<key>a&amp;b</key><string>&lt;&#x41;&#66;&quot;&apos;&gt;</string>' +
			'<key>c</key><string><![CDATA[<raw>]]></string>' +
			'<key>e</key><string/><key>f</key><array/><key>g</key><dict/>' +
			'<key>h</key><integer>0x1F</integer><key>i</key><data/>' +
			'</dict></plist>';
		expect(decodePlist(new TextEncoder().encode(text))).toEqual({
			'a&b': '<AB"\'>',
			c: '<raw>',
			e: '',
			f: [],
			g: {},
			h: 31,
			i: new Uint8Array(0),
		});
	});

	it('refuses a binary plist whose arrays point at each other to unfold exponentially', () => {
		expect(() => decodePlist(binaryPlistBomb(40))).toThrow(expect.objectContaining({ code: 'protocol' }));
	});

	it('refuses a binary plist that refers to one large object many times (bytes counted, not only values)', () => {
		// 100,000 references to one 64 KiB data object: 170 KB that would unfold into 6.5 GB.
		expect(() => decodePlist(aliasedDataBomb(100_000, 64 * 1024))).toThrow(expect.objectContaining({ code: 'protocol' }));
		// The same shape within bounds is read.
		expect((decodePlist(aliasedDataBomb(3, 64 * 1024)) as Uint8Array[]).map((data) => data.length)).toEqual([65_536, 65_536, 65_536]);
	});

	it('refuses a binary plist whose array contains itself', () => {
		expect(() => decodePlist(binaryPlistBomb(1, true))).toThrow(expect.objectContaining({ code: 'protocol' }));
	});
});

function expectOnlyDeviceError(decode: () => unknown): void {
	try {
		decode();
	} catch (error) {
		if (!isDeviceError(error)) throw error;
	}
}

/**
 * bplist00 with `levels` arrays, each holding two references to the next: 2^levels leaves from a few
 * hundred bytes. With `selfLoop`, one array holding itself.
 */
function binaryPlistBomb(levels: number, selfLoop = false): Uint8Array {
	const objects: number[][] = [];
	if (selfLoop) objects.push([0xa1, 0]);
	else {
		for (let i = 0; i < levels; i++) objects.push([0xa2, i + 1, i + 1]);
		objects.push([0x09]);
	}
	const bytes = [...new TextEncoder().encode('bplist00')];
	const offsets: number[] = [];
	for (const object of objects) {
		offsets.push(bytes.length);
		bytes.push(...object);
	}
	const table = bytes.length;
	for (const offset of offsets) bytes.push(offset >> 8, offset & 0xff);
	const trailer = new Uint8Array(32);
	const view = new DataView(trailer.buffer);
	trailer[6] = 2;
	trailer[7] = 1;
	view.setUint32(12, objects.length);
	view.setUint32(20, 0);
	view.setUint32(28, table);
	return new Uint8Array([...bytes, ...trailer]);
}

/** Buffers (from the plist package in Node) compared as plain bytes. */
function normalise(value: unknown): unknown {
	if (value instanceof Uint8Array) return Array.from(value);
	if (Array.isArray(value)) return value.map(normalise);
	if (value instanceof Date) return value.toISOString();
	if (typeof value === 'object' && value !== null) {
		return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, normalise(item)]));
	}
	return value;
}

/** bplist00: an array of `references` references (one byte each) to one data object of `size` bytes. */
function aliasedDataBomb(references: number, size: number): Uint8Array {
	const w = new ByteWriter();
	w.ascii('bplist00');
	const arrayAt = w.length;
	w.u8(0xaf).u8(0x12).u32(references);
	for (let i = 0; i < references; i++) w.u8(1);
	const dataAt = w.length;
	w.u8(0x4f).u8(0x12).u32(size).zeros(size);
	const tableAt = w.length;
	w.u32(arrayAt).u32(dataAt);
	w.zeros(6).u8(4).u8(1).u64(2).u64(0).u64(tableAt);
	return w.finish();
}
