import { createHash } from 'node:crypto';
import * as Comlink from 'comlink';
import fc from 'fast-check';
import { xxhash128 } from 'hash-wasm';
import { afterEach, describe, expect, it } from 'vitest';
import { HashService, inProcessHashers, remoteHashers, type HasherFactory } from '.';
import { HasherPool, HashSet } from './algorithms';

function sha256(bytes: Uint8Array): string {
	return createHash('sha256').update(bytes).digest('hex');
}

function patterned(length: number, seed = 7): Uint8Array {
	const bytes = new Uint8Array(length);
	let x = seed;
	for (let i = 0; i < length; i++) {
		x = (x * 1103515245 + 12345) >>> 0;
		bytes[i] = x >>> 24;
	}
	return bytes;
}

/** Splits `bytes` at the given cut points into fresh, whole-buffer chunks. */
function cut(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
	const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
	const chunks: Uint8Array[] = [];
	let start = 0;
	for (const point of [...points, bytes.length]) {
		chunks.push(bytes.slice(start, point));
		start = point;
	}
	return chunks;
}

const ports: MessagePort[] = [];
afterEach(() => {
	for (const port of ports.splice(0)) port.close();
});

/** The worker's service behind a real MessageChannel, as Comlink carries it between threads. */
function overChannel(options?: { maxBytesInFlight?: number }) {
	const service = new HashService();
	const channel = new MessageChannel();
	ports.push(channel.port1, channel.port2);
	Comlink.expose(service, channel.port1);
	const remote = Comlink.wrap<HashService>(channel.port2);
	const hashers = remoteHashers(remote, options);
	/** A round trip: every message sent before it has been handled when it resolves. */
	const barrier = async () => remote.openStreams;
	return { service, hashers, barrier };
}

const families: [string, () => HasherFactory][] = [
	['in process', () => inProcessHashers],
	['in a worker over a MessageChannel', () => overChannel().hashers],
];

describe.each(families)('hashers %s', (_name, make) => {
	it('give the SHA-256 and XXH3-128 of the whole stream, however it is cut', async () => {
		const hashers = make();
		const bytes = patterned(300_001);
		const expected = { sha256: sha256(bytes), 'xxh3-128': await xxhash128(bytes) };
		await fc.assert(
			fc.asyncProperty(fc.array(fc.nat(), { maxLength: 12 }), async (cuts) => {
				const hasher = await hashers(['sha256', 'xxh3-128']);
				for (const chunk of cut(bytes, cuts)) await hasher.update(chunk);
				expect(await hasher.digest()).toEqual(expected);
			}),
			{ numRuns: 25 },
		);
	});

	it('hash several streams at once without mixing them, and only what was asked for', async () => {
		const hashers = make();
		const a = patterned(70_000, 1);
		const b = patterned(50_000, 2);
		const [ha, hb] = await Promise.all([hashers(['sha256']), hashers(['xxh3-128'])]);
		for (let i = 0; i < 10; i++) {
			await ha.update(a.slice(i * 7_000, (i + 1) * 7_000));
			await hb.update(b.slice(i * 5_000, (i + 1) * 5_000));
		}
		expect(await ha.digest()).toEqual({ sha256: sha256(a) });
		expect(await hb.digest()).toEqual({ 'xxh3-128': await xxhash128(b) });
	});

	it('hash an empty stream, and refuse to be used after digest', async () => {
		const hasher = await make()(['sha256']);
		expect(await hasher.digest()).toEqual({ sha256: sha256(new Uint8Array(0)) });
		await expect(hasher.update(new Uint8Array(1))).rejects.toThrow(/finished/);
		hasher.discard();
	});
});

describe('SHA-256 of short and long streams', () => {
	const pool = new HasherPool();

	it('agree with OpenSSL whether the stream stays under the one-shot limit, ends on it or passes it anywhere, held or copied', async () => {
		const limit = 1000;
		await fc.assert(
			fc.asyncProperty(fc.integer({ min: 0, max: 3 * limit }), fc.array(fc.nat(), { maxLength: 8 }), fc.boolean(), async (length, cuts, owned) => {
				const bytes = patterned(length, length);
				const set = await HashSet.open(pool, ['sha256', 'xxh3-128'], limit);
				for (const chunk of cut(bytes, cuts)) set.update(chunk, owned);
				expect(await set.digest()).toEqual({ sha256: sha256(bytes), 'xxh3-128': await xxhash128(bytes) });
			}),
			{ numRuns: 200 },
		);
	});

	it('keep their own copy of what they hold, so a caller reusing its buffer changes nothing', async () => {
		const set = await HashSet.open(pool, ['sha256']);
		const buffer = patterned(4096, 9);
		const expected = sha256(new Uint8Array([...buffer, ...buffer]));
		set.update(buffer);
		set.update(buffer);
		buffer.fill(0);
		expect(await set.digest()).toEqual({ sha256: expected });
	});
});

describe('remote hashers', () => {
	it('move whole buffers to the worker and copy views into larger ones', async () => {
		const { hashers, service } = overChannel();
		const hasher = await hashers(['sha256']);
		const whole = patterned(1000, 3);
		const backing = patterned(4000, 4);
		const view = backing.subarray(1000, 3000);
		const expected = sha256(new Uint8Array([...whole, ...view]));
		await hasher.update(whole);
		await hasher.update(view);
		expect(whole.byteLength).toBe(0); // detached: it went to the other side
		expect(backing.byteLength).toBe(4000); // untouched: only a copy of the view went
		expect(await hasher.digest()).toEqual({ sha256: expected });
		expect(hashers.stats).toMatchObject({ chunksMoved: 1, chunksCopied: 1 });
		expect(service.openStreams).toBe(0);
	});

	it('keep the bytes in flight under the limit, so memory does not grow with the stream', async () => {
		const limit = 256 * 1024;
		const { hashers } = overChannel({ maxBytesInFlight: limit });
		const chunkSize = 64 * 1024;
		const total = 16 * 1024 * 1024; // 64 times the limit
		const reference = createHash('sha256');
		const hasher = await hashers(['sha256']);
		for (let offset = 0; offset < total; offset += chunkSize) {
			const chunk = patterned(chunkSize, offset);
			reference.update(chunk);
			await hasher.update(chunk);
		}
		expect(await hasher.digest()).toEqual({ sha256: reference.digest('hex') });
		expect(hashers.stats.maxBytesInFlight).toBeGreaterThan(chunkSize); // it did pipeline
		expect(hashers.stats.maxBytesInFlight).toBeLessThanOrEqual(limit + chunkSize);
	});

	it('release discarded streams in the worker', async () => {
		const { hashers, service, barrier } = overChannel();
		const hasher = await hashers(['sha256', 'xxh3-128']);
		await hasher.update(patterned(10));
		hasher.discard();
		hasher.discard();
		await expect(hasher.digest()).rejects.toThrow(/finished/);
		await barrier();
		expect(service.openStreams).toBe(0);
	});

	it('report a failure in the worker on the next call', async () => {
		const { hashers, service, barrier } = overChannel();
		const hasher = await hashers(['sha256']);
		await hasher.update(patterned(10));
		expect(await barrier()).toBe(1);
		service.discard(1); // the worker lost the stream
		const next = hasher.update(patterned(10)).then(() => hasher.update(patterned(10)));
		await expect(next.then(() => hasher.digest())).rejects.toThrow(/not open/);
	});
});
