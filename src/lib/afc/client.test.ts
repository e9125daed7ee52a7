import { createSHA256 } from 'hash-wasm';
import { describe, expect, it, vi } from 'vitest';
import { createChannelPair, type ByteChannel } from '../streams/byte-channel';
import { serveAfc, type AfcdOptions } from '../../sim/afcd/afcd';
import { createTestFileSystem, syntheticBytes, type TestFileSpec } from '../../sim/afcd/test-file-system';
import { equalBytes } from '../bytes';
import { AfcClient, type AfcClientOptions } from './client';
import { AfcOperation, AfcSeekFrom, AfcStatus } from './constants';
import type { AfcPacket } from './packet';
import { lyingChannel, type WriteLie } from '../../sim/hostile/lying-channel';
import { tapWrites } from '../../testing/afc/test-channels';
import { readAllBytes } from '../../testing/streams/read-all';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const small = new TextEncoder().encode('Small photo bytes, read exactly.');
const FIVE_GIB = 5 * GiB + 12345;
const BIG = 200 * MiB + 777;

const files: Record<string, TestFileSpec> = {
	'/Books': { directory: true },
	'/DCIM/100APPLE/IMG_0001.JPG': small,
	'/DCIM/100APPLE/IMG_0002.MOV': {
		size: FIVE_GIB,
		seed: 5,
		birthTimeNs: 1_700_000_000_123_456_789n,
		modifiedTimeNs: 1_700_000_001_000_000_000n,
	},
	'/DCIM/100APPLE/IMG_0003.MOV': { size: BIG, seed: 7 },
	'/DCIM/100APPLE/IMG_0004.HEIC': { size: 3_000_000, seed: 9, unreadable: true },
	'/DCIM/100APPLE/IMG_0005.AAE': new Uint8Array(0),
};

interface Setup {
	afcd?: AfcdOptions;
	client?: AfcClientOptions;
	wrap?: (channel: ByteChannel) => ByteChannel;
}

function connect(setup: Setup = {}) {
	const [host, device] = createChannelPair();
	const session = serveAfc(device, createTestFileSystem(files), setup.afcd);
	const client = new AfcClient(setup.wrap ? setup.wrap(host) : host, setup.client);
	return { client, session };
}



/** Counts the bytes the client asks for with FileRefRead, as its requests leave. */
function readRequests() {
	const counter = { requested: 0, reads: 0, closes: 0 };
	const wrap = (channel: ByteChannel) =>
		tapWrites(channel, (packet: AfcPacket) => {
			if (packet.header.operation === AfcOperation.FileRefRead) {
				counter.reads++;
				counter.requested += Number(new DataView(packet.body.buffer, packet.body.byteOffset).getBigUint64(8, true));
			}
			if (packet.header.operation === AfcOperation.FileRefClose) counter.closes++;
		});
	return { counter, wrap };
}

/** The operations of the requests in each write the client makes, in order. */
function writesOfRequests() {
	const writes: number[][] = [];
	const wrap = (channel: ByteChannel) => {
		let inWrite: number[] = [];
		const tapped = tapWrites(channel, (packet) => inWrite.push(packet.header.operation));
		const writer = tapped.writable.getWriter();
		return {
			...tapped,
			writable: new WritableStream<Uint8Array>({
				async write(chunk) {
					inWrite = [];
					writes.push(inWrite);
					await writer.write(chunk);
				},
			}),
		};
	};
	return { writes, wrap };
}

const settle = async () => {
	for (let i = 0; i < 20; i++) await new Promise((resolve) => setTimeout(resolve, 0));
};

describe('AfcClient with the simulated afcd', () => {
	it('lists folders without "." and ".."', async () => {
		const { client } = connect();
		expect(await client.list('/')).toEqual(['Books', 'DCIM']);
		expect(await client.list('/DCIM/100APPLE')).toEqual([
			'IMG_0001.JPG',
			'IMG_0002.MOV',
			'IMG_0003.MOV',
			'IMG_0004.HEIC',
			'IMG_0005.AAE',
		]);
		expect(await client.list('/Books')).toEqual([]);
	});

	it('stats files and folders, sizes beyond 4 GiB exactly, times in milliseconds', async () => {
		const { client } = connect();
		expect(await client.stat('/DCIM/100APPLE/IMG_0002.MOV')).toEqual({
			kind: 'file',
			size: FIVE_GIB,
			birthTime: 1_700_000_000_123,
			modifiedTime: 1_700_000_001_000,
		});
		expect(await client.stat('/DCIM')).toMatchObject({ kind: 'directory' });
		const info = await client.fileInfo('/DCIM/100APPLE/IMG_0002.MOV');
		expect(info.birthTimeNs).toBe(1_700_000_000_123_456_789n);
		expect(info.blocks).toBe(Math.ceil(FIVE_GIB / 4096) * 8);
	});

	it('sends the requests made in one task in one write, and gives each its own answer', async () => {
		const { writes, wrap } = writesOfRequests();
		const { client } = connect({ wrap });
		const paths = ['/DCIM/100APPLE/IMG_0001.JPG', '/DCIM/100APPLE/IMG_0003.MOV', '/DCIM', '/DCIM/100APPLE/IMG_0005.AAE'];
		const infos = await Promise.all([...paths, ...paths].map((path) => client.stat(path)));
		expect(writes.map((write) => write.length)).toEqual([8]);
		const answers = [{ kind: 'file', size: small.byteLength }, { kind: 'file', size: BIG }, { kind: 'directory' }, { kind: 'file', size: 0 }];
		expect(infos).toMatchObject([...answers, ...answers]);
		// The next question, asked once the answers came, leaves in a write of its own.
		expect(await client.stat('/DCIM/100APPLE/IMG_0003.MOV')).toMatchObject({ size: BIG });
		expect(writes.map((write) => write.length)).toEqual([8, 1]);
	});

	it('sends a range read’s seek, reads and close together once the file is open, and closes it', async () => {
		const { writes, wrap } = writesOfRequests();
		const { client, session } = connect({ wrap, client: { readChunkSize: 1024 * 1024 } });
		const bytes = await client.readRange('/DCIM/100APPLE/IMG_0003.MOV', 5000, 2 * MiB + 10);
		expect(bytes).toEqual(syntheticBytes(7, 5000, 2 * MiB + 10));
		const { FileRefOpen: open, FileRefSeek: seek, FileRefRead: read, FileRefClose: close } = AfcOperation;
		expect(writes).toEqual([[open], [seek, read, read, read, close]]);
		expect(session.openFiles).toBe(0);
	});

	it('reports the device info', async () => {
		const { client } = connect({ afcd: { model: 'iPhone15,3' } });
		expect(await client.deviceInfo()).toMatchObject({
			model: 'iPhone15,3',
			totalBytes: 127_989_493_760,
			freeBytes: 42_000_000_000,
			blockSize: 4096,
		});
	});

	it('reads a small file exactly, from an offset, and an empty file as no bytes', async () => {
		const { client, session } = connect();
		expect(await readAllBytes(client.read('/DCIM/100APPLE/IMG_0001.JPG'))).toEqual(small);
		expect(await readAllBytes(client.read('/DCIM/100APPLE/IMG_0001.JPG', 6))).toEqual(small.subarray(6));
		expect(await readAllBytes(client.read('/DCIM/100APPLE/IMG_0001.JPG', 999))).toEqual(new Uint8Array(0));
		expect(await readAllBytes(client.read('/DCIM/100APPLE/IMG_0005.AAE'))).toEqual(new Uint8Array(0));
		expect(session.openFiles).toBe(0);
	});

	it('reads the first and the last MiB of a 5 GiB file, asking only for what is taken', async () => {
		const { counter, wrap } = readRequests();
		const { client, session } = connect({ wrap, client: { readChunkSize: MiB, firstReadSize: MiB, readsInFlight: 3 } });
		const path = '/DCIM/100APPLE/IMG_0002.MOV';

		const head = client.read(path).getReader();
		const first = await head.read();
		expect(equalBytes(first.value!, syntheticBytes(5, 0, MiB))).toBe(true);
		await settle();
		// One chunk taken and the consumer idle: only the first pull's reads were ever asked for.
		expect(counter.requested).toBe(3 * MiB);
		await head.cancel();
		expect(session.openFiles).toBe(0);

		const size = (await client.stat(path)).size;
		const tail = await readAllBytes(client.read(path, size - MiB));
		expect(equalBytes(tail, syntheticBytes(5, size - MiB, MiB))).toBe(true);
		expect(counter.closes).toBe(2);
		expect(session.openFiles).toBe(0);
	});

	it('asks for a small first piece of each file, then whole chunks', async () => {
		const { counter, wrap } = readRequests();
		const { client } = connect({ wrap, client: { readChunkSize: MiB, firstReadSize: 64 * 1024, readsInFlight: 2 } });
		const reader = client.read('/DCIM/100APPLE/IMG_0002.MOV').getReader();
		const first = await reader.read();
		expect(equalBytes(first.value!, syntheticBytes(5, 0, 64 * 1024))).toBe(true);
		const second = await reader.read();
		expect(equalBytes(second.value!, syntheticBytes(5, 64 * 1024, MiB))).toBe(true);
		await settle();
		expect(counter.requested).toBe(64 * 1024 + 2 * MiB);
		await reader.cancel();
	});

	it('asks the phone for no more than a bounded read wants', async () => {
		const { counter, wrap } = readRequests();
		const { client, session } = connect({ wrap, client: { readChunkSize: MiB, readsInFlight: 3 } });
		const head = await readAllBytes(client.read('/DCIM/100APPLE/IMG_0002.MOV', 1000, 128 * 1024));
		expect(equalBytes(head, syntheticBytes(5, 1000, 128 * 1024))).toBe(true);
		expect(counter.requested).toBe(128 * 1024);
		expect(session.openFiles).toBe(0);

		const spanning = await readAllBytes(client.read('/DCIM/100APPLE/IMG_0002.MOV', 0, 2 * MiB + 7));
		expect(spanning.length).toBe(2 * MiB + 7);
		expect(counter.requested).toBe(128 * 1024 + 2 * MiB + 7);
	});

	it('reads a range in one piece with the same requests, closing the file, also past the end and across chunks', async () => {
		const { counter, wrap } = readRequests();
		const { client, session } = connect({ wrap, client: { readChunkSize: MiB } });
		const path = '/DCIM/100APPLE/IMG_0002.MOV';
		expect(equalBytes(await client.readRange(path, 1000, 16 * 1024), syntheticBytes(5, 1000, 16 * 1024))).toBe(true);
		expect(counter).toEqual({ requested: 16 * 1024, reads: 1, closes: 1 });
		expect(equalBytes(await client.readRange(path, 5, 2 * MiB + 7), syntheticBytes(5, 5, 2 * MiB + 7))).toBe(true);
		expect(counter.reads).toBe(4);
		expect(await client.readRange('/DCIM/100APPLE/IMG_0001.JPG', 6, 4096)).toEqual(small.subarray(6));
		expect(await client.readRange('/DCIM/100APPLE/IMG_0001.JPG', 999, 10)).toEqual(new Uint8Array(0));
		const refused = await client.readRange('/DCIM/100APPLE/IMG_0004.HEIC', 0, 16 * 1024).catch((e: unknown) => e);
		expect(refused).toMatchObject({ code: 'file-unreadable' });
		expect(session.openFiles).toBe(0);
	});

	it('reads 200 MiB to the end with the right SHA-256 and never more than the window outstanding', async () => {
		const chunkSize = MiB;
		const readsInFlight = 4;
		const { counter, wrap } = readRequests();
		const { client, session } = connect({ wrap, client: { readChunkSize: chunkSize, readsInFlight } });

		const expected = await createSHA256();
		for (let at = 0; at < BIG; at += 8 * MiB) expected.update(syntheticBytes(7, at, Math.min(8 * MiB, BIG - at)));

		const actual = await createSHA256();
		let consumed = 0;
		let mostOutstanding = 0;
		for await (const chunk of client.read('/DCIM/100APPLE/IMG_0003.MOV')) {
			expect(chunk.byteLength).toBeLessThanOrEqual(chunkSize);
			consumed += chunk.byteLength;
			const outstanding = counter.requested - consumed;
			mostOutstanding = Math.max(mostOutstanding, outstanding);
			expect(outstanding).toBeLessThanOrEqual(readsInFlight * chunkSize);
			actual.update(chunk);
		}
		expect(consumed).toBe(BIG);
		expect(actual.digest('hex')).toBe(expected.digest('hex'));
		// Pipelined: more than one read was out while the consumer worked.
		expect(mostOutstanding).toBeGreaterThan(chunkSize);
		expect(session.openFiles).toBe(0);
	});

	it('closes the file on the phone when the stream is cancelled mid-read', async () => {
		const { counter, wrap } = readRequests();
		const { client, session } = connect({ wrap });
		const reader = client.read('/DCIM/100APPLE/IMG_0003.MOV').getReader();
		await reader.read();
		await reader.read();
		expect(session.openFiles).toBe(1);
		await reader.cancel();
		expect(session.openFiles).toBe(0);
		expect(counter.closes).toBe(1);
		// The connection goes on.
		expect(await client.list('/Books')).toEqual([]);
	});

	it('fails an iCloud-only file with file-unreadable and leaves nothing open', async () => {
		const { client, session } = connect();
		const error = await readAllBytes(client.read('/DCIM/100APPLE/IMG_0004.HEIC')).catch((e: unknown) => e);
		expect(error).toMatchObject({ code: 'file-unreadable', status: AfcStatus.IoError });
		expect(session.openFiles).toBe(0);
	});

	it('maps missing paths to file-not-found, whatever status the operation uses', async () => {
		const { client } = connect();
		await expect(client.stat('/DCIM/none.JPG')).rejects.toMatchObject({ code: 'file-not-found', status: AfcStatus.ReadError });
		await expect(client.list('/none')).rejects.toMatchObject({ code: 'file-not-found', status: AfcStatus.ObjectNotFound });
		await expect(client.list('/DCIM/100APPLE/IMG_0001.JPG')).rejects.toMatchObject({ code: 'file-not-found' });
		await expect(readAllBytes(client.read('/none'))).rejects.toMatchObject({ code: 'file-not-found' });
	});

	it('maps the statuses a phone may send to the right errors', async () => {
		const byPath: Record<string, number> = {
			'/p': AfcStatus.PermDenied,
			'/b': AfcStatus.ObjectBusy,
			'/u': AfcStatus.OpNotSupported,
			'/t': AfcStatus.OpTimeout,
			'/x': 99,
		};
		const { client } = connect({ afcd: { faults: { status: (r) => (r.path ? byPath[r.path] : undefined) } } });
		await expect(client.stat('/p')).rejects.toMatchObject({ code: 'file-permission', status: 10 });
		await expect(client.stat('/b')).rejects.toMatchObject({ code: 'device-busy', status: 17 });
		await expect(client.list('/u')).rejects.toMatchObject({ code: 'afc-unsupported', status: 15 });
		await expect(client.stat('/t')).rejects.toMatchObject({ code: 'timeout', status: 12 });
		await expect(client.stat('/x')).rejects.toMatchObject({ code: 'afc-failed', status: 99 });
		expect(await client.list('/Books')).toEqual([]);
	});

	it('reports afcd out of handles as device-busy', async () => {
		const { client } = connect({ afcd: { maxOpenFiles: 1 } });
		const handle = await client.openFile('/DCIM/100APPLE/IMG_0001.JPG');
		await expect(client.openFile('/DCIM/100APPLE/IMG_0001.JPG')).rejects.toMatchObject({ code: 'device-busy', status: 3 });
		await client.closeFile(handle);
	});

	it('keeps no more than maxOpenFiles open, queueing the rest', async () => {
		let mostOpen = 0;
		let session: { openFiles: number } | undefined;
		const setup = connect({
			client: { maxOpenFiles: 2 },
			afcd: { beforeAnswer: () => void (mostOpen = Math.max(mostOpen, session?.openFiles ?? 0)) },
		});
		session = setup.session;
		const all = await Promise.all(Array.from({ length: 6 }, () => readAllBytes(setup.client.read('/DCIM/100APPLE/IMG_0001.JPG'))));
		expect(all.every((bytes) => equalBytes(bytes, small))).toBe(true);
		expect(mostOpen).toBe(2);
	});

	it('seeks, tells and reads through the low-level calls', async () => {
		const { client } = connect();
		const handle = await client.openFile('/DCIM/100APPLE/IMG_0002.MOV');
		await client.seekFile(handle, -10, AfcSeekFrom.End);
		expect(await client.tellFile(handle)).toBe(FIVE_GIB - 10);
		const [a, b, c] = await Promise.all([client.readFile(handle, 4), client.readFile(handle, 4), client.readFile(handle, 4)]);
		expect([...a!, ...b!, ...c!]).toEqual([...syntheticBytes(5, FIVE_GIB - 10, 10)]);
		expect(await client.readFile(handle, 4)).toEqual(new Uint8Array(0));
		await client.closeFile(handle);
		await expect(client.readFile(handle, 4)).rejects.toMatchObject({ code: 'afc-failed', status: AfcStatus.InvalidArg });
	});
});

describe('AfcClient against a misbehaving phone', () => {
	it('fails with protocol on a reply to a request it never sent, and stays failed', async () => {
		const { client } = connect({ afcd: { faults: { packetNumber: (r) => (r.path === '/Books' ? 1000 : undefined) } } });
		expect(await client.list('/')).toEqual(['Books', 'DCIM']);
		await expect(client.list('/Books')).rejects.toMatchObject({ code: 'protocol' });
		await expect(client.list('/')).rejects.toMatchObject({ code: 'protocol' });
	});

	it('fails everything waiting with connection-reset when the phone cuts the connection mid-reply', async () => {
		const { client } = connect({ afcd: { faults: { closeAfterBytes: 200 } } }); // the stat reply is 152 bytes
		const results = await Promise.allSettled([client.stat('/DCIM'), client.list('/'), client.stat('/Books')]);
		expect(results[0]).toMatchObject({ status: 'fulfilled' });
		expect(results.slice(1)).toMatchObject([
			{ status: 'rejected', reason: { code: 'connection-reset' } },
			{ status: 'rejected', reason: { code: 'connection-reset' } },
		]);
	});

	it('errors a read stream when the connection dies in the middle of a file', async () => {
		const { client } = connect({ afcd: { faults: { closeAfterBytes: 3 * MiB + 500 } } });
		await expect(readAllBytes(client.read('/DCIM/100APPLE/IMG_0003.MOV'))).rejects.toMatchObject({ code: 'connection-reset' });
	});

	it('gives up with timeout when the phone stops answering', async () => {
		const { client, session } = connect({
			client: { replyTimeoutMs: 30 },
			afcd: { faults: { stall: (r) => r.kind === 'read' } },
		});
		await expect(readAllBytes(client.read('/DCIM/100APPLE/IMG_0001.JPG'))).rejects.toMatchObject({ code: 'timeout' });
		await expect(client.list('/')).rejects.toMatchObject({ code: 'timeout' });
		expect(client.failure).toMatchObject({ code: 'timeout', message: 'The iPhone stopped answering file requests.' });
		// The watchdog hung up; afcd sees the connection end.
		await session.done;
		expect(session.openFiles).toBe(0);
	});

	/** A client whose phone passes what it writes through `lie`. */
	const lyingPhone = (lie: WriteLie, client: AfcClientOptions = {}) => {
		const [host, device] = createChannelPair();
		serveAfc(lyingChannel(device, lie), createTestFileSystem(files));
		return new AfcClient(host, client);
	};

	it('counts a reply that trickles in a byte at a time as silence, and gives up with timeout', async () => {
		// The listing's header goes out whole; its names then come one byte every 5 ms, for longer than the limit.
		let writes = 0;
		const client = lyingPhone(
			async (chunk, send) => {
				if (writes++ !== 0) return false;
				await send(chunk.subarray(0, 40));
				for (const byte of chunk.subarray(40)) {
					await new Promise((resolve) => setTimeout(resolve, 5));
					await send(Uint8Array.of(byte));
				}
				return true;
			},
			{ replyTimeoutMs: 30 },
		);
		await expect(client.list('/DCIM/100APPLE')).rejects.toMatchObject({ code: 'timeout' });
	});

	it('fails every request as protocol, not one file at a time, after a reply announcing gigabytes', async () => {
		let told = false;
		const client = lyingPhone(async (chunk, send) => {
			if (told) return false;
			told = true;
			const header = chunk.slice(0, 40);
			new DataView(header.buffer).setBigUint64(8, BigInt(3 * GiB), true);
			await send(header);
			return true;
		});
		const results = await Promise.allSettled([client.stat('/DCIM'), client.list('/')]);
		expect(results).toMatchObject([
			{ status: 'rejected', reason: { code: 'protocol', message: expect.stringContaining('3221225432-byte reply') } },
			{ status: 'rejected', reason: { code: 'protocol' } },
		]);
		await expect(client.list('/Books')).rejects.toMatchObject({ code: 'protocol' });
	});

	it('keeps a slow phone that goes on answering: the watchdog counts silence, not the time a read takes', async () => {
		vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
		try {
			let answered = 0;
			const { client } = connect({
				client: { replyTimeoutMs: 150, readChunkSize: 64 * 1024, readsInFlight: 3 },
				// Three reads in flight, answered 100 ms apart: never 150 ms of silence, over 3 s in all.
				afcd: { beforeAnswer: () => new Promise<void>((resolve) => setTimeout(() => (answered++, resolve()), 100)) },
			});
			let settled = false;
			const reading = readAllBytes(client.read('/DCIM/100APPLE/IMG_0003.MOV', 0, 2 * MiB)).finally(() => (settled = true));
			for (let step = 0; step < 100 && !settled; step++) await vi.advanceTimersByTimeAsync(100);
			expect((await reading).byteLength).toBe(2 * MiB);
			expect(answered).toBeGreaterThanOrEqual(33); // the open and 32 reads: 3.3 s against a 150 ms watchdog
			expect(client.failure).toBeUndefined();
		} finally {
			vi.useRealTimers();
		}
	});

	it('fails calls after close with connection-closed', async () => {
		const { client, session } = connect();
		expect(client.failure).toBeUndefined();
		await client.close();
		await expect(client.list('/')).rejects.toMatchObject({ code: 'connection-closed' });
		await session.done;
	});
});
