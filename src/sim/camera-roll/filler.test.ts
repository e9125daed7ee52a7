import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fillerByteReference, fillerBytes } from './filler';

describe('synthetic filler', () => {
	it('matches the byte-at-a-time definition at any offset, also past 4 GiB', () => {
		fc.assert(
			fc.property(
				fc.integer({ min: 0, max: 0xffffffff }),
				fc.oneof(fc.integer({ min: 0, max: 300_000 }), fc.integer({ min: 0, max: 2 ** 36 })),
				fc.integer({ min: 0, max: 600 }),
				(key, offset, length) => {
					const bytes = fillerBytes(key, offset, length);
					expect(bytes.length).toBe(length);
					for (let i = 0; i < length; i++) {
						if (bytes[i] !== fillerByteReference(key, offset + i)) {
							throw new Error(`byte ${offset + i} of key ${key} differs`);
						}
					}
				},
			),
			{ numRuns: 300 },
		);
	});

	it('gives the same bytes however a range is cut into reads', () => {
		fc.assert(
			fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.array(fc.integer({ min: 1, max: 70_000 }), { minLength: 1, maxLength: 6 }), (key, cuts) => {
				const total = cuts.reduce((a, b) => a + b, 0);
				const whole = fillerBytes(key, 3, total);
				let at = 0;
				for (const cut of cuts) {
					expect(Buffer.compare(fillerBytes(key, 3 + at, cut), whole.subarray(at, at + cut))).toBe(0);
					at += cut;
				}
			}),
			{ numRuns: 50 },
		);
	});

	it('differs between files and does not repeat from one 64 KiB block to the next', () => {
		const a = fillerBytes(1, 0, 65536 * 2);
		const b = fillerBytes(2, 0, 65536 * 2);
		let same = 0;
		for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
		expect(same / a.length).toBeLessThan(0.01);
		expect(Buffer.compare(a.subarray(0, 65536), a.subarray(65536))).not.toBe(0);
	});
});
