import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isDeviceError } from '../errors';
import { serveAfc } from '../../sim/afcd/afcd';
import { createTestFileSystem, type TestFileSpec } from '../../sim/afcd/test-file-system';
import { createChannelPair, type ByteChannel } from '../streams/byte-channel';
import { ByteReader } from '../streams/byte-reader';
import { AfcClient } from './client';
import { AFC_HEADER_LENGTH, AfcStatus } from './constants';
import { formatFileInfo } from './file-info';
import { decodeHeader, encodePacket, type AfcPacket } from './packet';
import { AfcPacketDecoder } from './packet-decoder';
import { encodeData, encodeOpenResult, encodeStatus } from './replies';
import { encodeStringList } from './strings';
import { recut } from '../../testing/afc/test-channels';

const files: Record<string, TestFileSpec> = {
	'/DCIM/100APPLE/IMG_0001.JPG': { size: 0, seed: 1 },
	'/DCIM/100APPLE/IMG_0002.JPG': { size: 1, seed: 2 },
	'/DCIM/100APPLE/IMG_0003.MOV': { size: 700, seed: 3 },
	'/DCIM/100APPLE/IMG_0004.HEIC': { size: 300, seed: 4, unreadable: true },
	'/DCIM/101APPLE/IMG_1000.PNG': { size: 257, seed: 5, birthTimeNs: 1_600_000_000_999_999_999n },
	'/PhotoData/Photos.sqlite': { size: 96, seed: 6 },
};
const paths = [...Object.keys(files), '/', '/DCIM', '/DCIM/100APPLE', '/PhotoData', '/missing', '/DCIM/missing.JPG'];
const fs = createTestFileSystem(files);

type Op =
	| { kind: 'list'; path: string }
	| { kind: 'stat'; path: string }
	| { kind: 'device-info' }
	| { kind: 'read'; path: string; offset: number };

const metadataOp: fc.Arbitrary<Op> = fc.oneof(
	fc.record({ kind: fc.constant('list' as const), path: fc.constantFrom(...paths) }),
	fc.record({ kind: fc.constant('stat' as const), path: fc.constantFrom(...paths) }),
	fc.constant({ kind: 'device-info' as const }),
);
const anyOp: fc.Arbitrary<Op> = fc.oneof(
	metadataOp,
	fc.record({ kind: fc.constant('read' as const), path: fc.constantFrom(...paths), offset: fc.nat(800) }),
);

async function readAll(stream: ReadableStream<Uint8Array>): Promise<number[]> {
	const bytes: number[] = [];
	for await (const chunk of stream) bytes.push(...chunk);
	return bytes;
}

/** What the answer must be, read from the file system directly: a value, or an error code. */
async function expected(op: Op): Promise<unknown> {
	if (op.kind === 'device-info') return { model: 'iPhone14,5', ...fs.capacity };
	const entry = fs.stat(op.path);
	if (entry === undefined) return { error: 'file-not-found' };
	if (op.kind === 'list') return entry.kind === 'directory' ? fs.list(op.path) : { error: 'file-not-found' };
	if (op.kind === 'stat') {
		if (entry.kind === 'directory') return { kind: 'directory' };
		return {
			kind: 'file',
			size: entry.size,
			birthTime: Number(entry.birthTimeNs / 1_000_000n),
			modifiedTime: Number(entry.modifiedTimeNs / 1_000_000n),
		};
	}
	if (entry.kind === 'directory') return { error: 'afc-failed' };
	try {
		return [...(await fs.read(op.path, op.offset, entry.size))];
	} catch {
		return { error: 'file-unreadable' };
	}
}

async function run(client: AfcClient, op: Op): Promise<unknown> {
	try {
		switch (op.kind) {
			case 'list':
				return await client.list(op.path);
			case 'stat': {
				const info = await client.stat(op.path);
				return info.kind === 'directory' ? { kind: info.kind } : info;
			}
			case 'device-info': {
				const { model, totalBytes, freeBytes, blockSize } = await client.deviceInfo();
				return { model, totalBytes, freeBytes, blockSize };
			}
			case 'read':
				return await readAll(client.read(op.path, op.offset));
		}
	} catch (error) {
		if (!isDeviceError(error)) throw error;
		return { error: error.code };
	}
}

/** The phone end's replies held until `count` have come, then let through in the order `rank` gives; later ones as they come. */
function reorderReplies(channel: ByteChannel, count: number, rank: (packetNumber: number) => number): ByteChannel {
	const decoder = new AfcPacketDecoder(() => Number.MAX_SAFE_INTEGER);
	const held: AfcPacket[] = [];
	let released = false;
	return {
		readable: channel.readable.pipeThrough(
			new TransformStream<Uint8Array, Uint8Array>({
				transform(chunk, controller) {
					held.push(...decoder.push(chunk));
					// Once the first `count` went out shuffled, later replies (to calls made again alone) pass as they come.
					if (held.length < count && !released) return;
					released = true;
					held.sort((a, b) => rank(a.header.packetNumber) - rank(b.header.packetNumber));
					for (const { header, body } of held.splice(0)) {
						const split = header.thisLength - AFC_HEADER_LENGTH;
						controller.enqueue(encodePacket(header.packetNumber, header.operation, body.subarray(0, split), body.subarray(split)));
					}
				},
			}),
		),
		writable: channel.writable,
		close: () => channel.close(),
	};
}

describe('AfcClient, property-based', () => {
	it('answers any mix of pipelined requests rightly, whatever pieces the replies arrive in', async () => {
		await fc.assert(
			fc.asyncProperty(
				fc.array(anyOp, { minLength: 1, maxLength: 12 }),
				fc.array(fc.integer({ min: 1, max: 300 }), { maxLength: 20 }),
				fc.integer({ min: 1, max: 300 }),
				fc.integer({ min: 1, max: 4 }),
				async (ops, cuts, readChunkSize, readsInFlight) => {
					const [host, device] = createChannelPair();
					const session = serveAfc(device, fs, { maxReadLength: 200 });
					const client = new AfcClient(recut(host, cuts), { readChunkSize, readsInFlight, pipelineDepth: 5 });
					const got = await Promise.all(ops.map((op) => run(client, op)));
					expect(got).toEqual(await Promise.all(ops.map(expected)));
					expect(session.openFiles).toBe(0);
					await client.close();
				},
			),
			{ numRuns: 60 },
		);
	});

	it('routes replies that come back in any order to the requests they answer', async () => {
		await fc.assert(
			fc.asyncProperty(fc.array(fc.tuple(metadataOp, fc.nat()), { minLength: 1, maxLength: 16 }), async (mix) => {
				const ops = mix.map(([op]) => op);
				const [host, device] = createChannelPair(32);
				serveAfc(device, fs);
				// A fresh client numbers its requests 0, 1, 2, … in the order they are made.
				const client = new AfcClient(reorderReplies(host, ops.length, (n) => mix[n]![1] * 100 + n));
				const got = await Promise.all(ops.map((op) => run(client, op)));
				expect(got).toEqual(await Promise.all(ops.map(expected)));
				await client.close();
			}),
			{ numRuns: 60 },
		);
	});

	it('meets random and mutated replies with a DeviceError, never a crash or a hang', async () => {
		const valid = [
			encodeStatus(0, AfcStatus.Success),
			encodeStatus(0, AfcStatus.ObjectNotFound),
			encodeData(0, encodeStringList(['.', '..', 'DCIM'])),
			encodeData(0, formatFileInfo({ kind: 'file', size: 9, blocks: 8, links: 1, modifiedTimeNs: 1n, birthTimeNs: 2n })),
			encodeOpenResult(0, 1n),
		];
		const reply = fc.oneof(
			fc.uint8Array({ maxLength: 200 }),
			fc
				.tuple(fc.constantFrom(...valid), fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 4 }))
				.map(([packet, flips]) => {
					const copy = packet.slice();
					for (const [at, value] of flips) copy[at % copy.byteLength] = value;
					return copy;
				}),
		);
		const call = fc.constantFrom<(client: AfcClient) => Promise<unknown>>(
			(c) => c.stat('/x'),
			(c) => c.list('/x'),
			(c) => c.deviceInfo(),
			(c) => readAll(c.read('/x')),
		);
		await fc.assert(
			fc.asyncProperty(reply, call, fc.boolean(), async (bytes, request, hangUp) => {
				const [host, device] = createChannelPair();
				const client = new AfcClient(host, { replyTimeoutMs: 20 });
				const phone = (async () => {
					const reader = new ByteReader(device.readable);
					const header = decodeHeader(await reader.readExactly(AFC_HEADER_LENGTH));
					await reader.readExactly(header.entireLength - AFC_HEADER_LENGTH);
					const writer = device.writable.getWriter();
					await writer.write(bytes);
					// Either hang up, or go silent and leave the client's watchdog to end it.
					if (hangUp) await device.close();
				})().catch(() => undefined);
				const outcome = await request(client).then(
					(value) => ({ value }),
					(error: unknown) => ({ error }),
				);
				await phone;
				await client.close();
				if ('error' in outcome) {
					expect(isDeviceError(outcome.error), String(outcome.error)).toBe(true);
				} else {
					// Only a reply that happens to be well-formed may succeed.
					expect(bytes.byteLength).toBeGreaterThanOrEqual(AFC_HEADER_LENGTH);
				}
			}),
			{ numRuns: 150 },
		);
	});
});
