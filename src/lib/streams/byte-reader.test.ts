import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ByteReader } from './byte-reader';
import { isDeviceError } from '../errors';

function streamOf(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
	return new ReadableStream({
		start(controller) {
			for (const chunk of chunks) controller.enqueue(chunk);
			controller.close();
		},
	});
}

describe('ByteReader', () => {
	it('reads exact lengths across any chunking', async () => {
		await fc.assert(
			fc.asyncProperty(
				fc.uint8Array({ minLength: 0, maxLength: 300 }),
				fc.array(fc.nat(40), { maxLength: 20 }),
				fc.array(fc.integer({ min: 1, max: 50 }), { maxLength: 30 }),
				async (data, cuts, reads) => {
					const chunks: Uint8Array[] = [];
					let at = 0;
					for (const cut of cuts) {
						chunks.push(data.slice(at, Math.min(data.length, at + cut)));
						at = Math.min(data.length, at + cut);
					}
					chunks.push(data.slice(at));
					const reader = new ByteReader(streamOf(chunks));
					const got: number[] = [];
					for (const n of reads) {
						if (got.length + n > data.length) break;
						got.push(...(await reader.readExactly(n)));
					}
					expect(Uint8Array.from(got)).toEqual(data.slice(0, got.length));
				},
			),
		);
	});

	it('reports a stream that ends mid-message as connection-closed', async () => {
		const reader = new ByteReader(streamOf([new Uint8Array([1, 2, 3])]));
		const error = await reader.readExactly(4).catch((e: unknown) => e);
		expect(isDeviceError(error, 'connection-closed')).toBe(true);
	});

	it('readSome returns what is there, skipping empty chunks, and undefined at the end', async () => {
		const reader = new ByteReader(streamOf([new Uint8Array(0), new Uint8Array([1, 2, 3, 4, 5]), new Uint8Array(0)]));
		expect(await reader.readSome(2)).toEqual(new Uint8Array([1, 2]));
		expect(await reader.readSome(10)).toEqual(new Uint8Array([3, 4, 5]));
		expect(await reader.readSome(10)).toBeUndefined();
	});
});
