import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createSimUsbTransport, SimUsbmuxDevice } from '../../sim/usbmux';
import { ByteReader } from '../streams/byte-reader';
import { UsbmuxClient } from './usbmux-client';
import { concatBytes, equalBytes } from '../bytes';

/** Deterministic bytes from a seed: cheaper than asking fast-check for hundreds of KiB. */
function bytes(length: number, seed: number): Uint8Array {
	const out = new Uint8Array(length);
	let x = seed | 1;
	for (let i = 0; i < length; i++) {
		x ^= x << 13;
		x ^= x >>> 17;
		x ^= x << 5;
		out[i] = x;
	}
	return out;
}

function cycle(values: number[]): () => number {
	let i = 0;
	return () => values[i++ % values.length]!;
}

// Sizes around the multiples of 512 the host must avoid (36 + 476 = 512), and around the largest packet.
const chunkSize = fc.oneof(
	{ weight: 4, arbitrary: fc.integer({ min: 1, max: 4000 }) },
	{ weight: 2, arbitrary: fc.constantFrom(475, 476, 477, 988, 1500, 49_115, 49_116, 49_117) },
	{ weight: 1, arbitrary: fc.integer({ min: 4000, max: 80_000 }) },
);
const chunks = fc.tuple(fc.array(chunkSize, { maxLength: 4 }), fc.integer()).map(([sizes, seed]) =>
	sizes.map((size, i) => bytes(size, seed + i)),
);
const pieceSize = fc.oneof(
	{ weight: 1, arbitrary: fc.integer({ min: 1, max: 40 }) },
	{ weight: 4, arbitrary: fc.integer({ min: 500, max: 70_000 }) },
);
// At least one large piece in every cycle keeps the number of pieces (and the test's time) bounded.
const pieceSizes = fc
	.tuple(fc.array(pieceSize, { maxLength: 7 }), fc.integer({ min: 8_000, max: 70_000 }))
	.map(([sizes, large]) => [...sizes, large]);

describe('host ⇄ virtual iPhone, any USB pieces', () => {
	it('carries every byte of every connection in order, within both windows, one packet per OUT transfer, without ZLP lengths', async () => {
		await fc.assert(
			fc.asyncProperty(
				fc.record({
					version: fc.constantFrom<1 | 2>(1, 2),
					deviceWindow: fc.integer({ min: 1, max: 512 }).map((n) => n * 256),
					devicePieces: pieceSizes,
					coalesce: fc.boolean(),
					connections: fc.array(fc.record({ up: chunks, down: chunks }), { minLength: 1, maxLength: 4 }),
				}),
				async ({ version, deviceWindow, devicePieces, coalesce, connections }) => {
					const device = new SimUsbmuxDevice({ version, window: deviceWindow });
					const arrived: Promise<Uint8Array>[] = [];
					connections.forEach(({ up, down }, i) => {
						const upLength = up.reduce((n, c) => n + c.byteLength, 0);
						arrived[i] = new Promise((resolve, reject) => {
							device.listen(1000 + i, (channel) => {
								const writer = channel.writable.getWriter();
								void (async () => {
									for (const chunk of down) await writer.write(chunk);
								})().catch(reject);
								new ByteReader(channel.readable).readExactly(upLength).then(resolve, reject);
							});
						});
					});
					const transport = createSimUsbTransport(device, {
						devicePieceSize: cycle(devicePieces),
						coalesce,
					});
					const client = await UsbmuxClient.open(transport);
					const received = await Promise.all(
						connections.map(async ({ up, down }, i) => {
							const connection = await client.connect(1000 + i);
							const writer = connection.writable.getWriter();
							const downLength = down.reduce((n, c) => n + c.byteLength, 0);
							const [, got] = await Promise.all([
								(async () => {
									for (const chunk of up) await writer.write(chunk);
								})(),
								new ByteReader(connection.readable).readExactly(downLength),
							]);
							return got;
						}),
					);
					const serviceGot = await Promise.all(arrived);
					await client.close();
					connections.forEach(({ up, down }, i) => {
						expect(equalBytes(received[i]!, concatBytes(down))).toBe(true);
						expect(equalBytes(serviceGot[i]!, concatBytes(up))).toBe(true);
					});
					expect(device.violations).toEqual([]);
				},
			),
			{ numRuns: 25 },
		);
	});
});
