import type { PendingFile } from '../destination/types';
import type { Digests, HasherFactory } from '../hash';
import { hashStream, type BufferGauge } from './hash-stream';

export interface PumpOptions {
	hashers: HasherFactory;
	/** Also compute the cheap check hash on the way, for the read-back. */
	verify: boolean;
	/** Waits while paused; throws once cancelled. Called before every chunk. */
	proceed: () => Promise<void>;
	signal: AbortSignal;
	gauge: BufferGauge;
	onBytes: (bytes: number) => void;
	/** Hands over a copy of the file's first `bytes` bytes (fewer for a shorter file), for a preview. */
	head?: { bytes: number; take: (head: Uint8Array) => void };
	/** Called once the phone has given `expectedSize` bytes, before they are written and hashed. */
	onAllRead?: () => void;
}

export interface Pumped {
	/** Bytes the phone gave; more than expected stops the read early. */
	bytes: number;
	digests: Digests;
}

/**
 * Streams a file from the phone into a pending file and through a hasher (`hashStream`): each chunk is
 * written (the write resolves once the folder is done with it) before it is hashed, and only then is
 * the next one read. Reading stops as soon as the file turns out longer than `expectedSize`.
 */
export async function pumpFile(
	source: ReadableStream<Uint8Array>,
	expectedSize: number,
	pending: PendingFile,
	options: PumpOptions,
): Promise<Pumped> {
	const writer = pending.writable.getWriter();
	const head = options.head;
	// Copied before the hasher may move the chunk to its worker.
	let headBytes = head !== undefined && head.bytes > 0 ? new Uint8Array(head.bytes) : undefined;
	const takeHead = (length: number) => {
		if (headBytes === undefined || length === 0) return;
		head!.take(length === headBytes.length ? headBytes : headBytes.subarray(0, length));
		headBytes = undefined;
	};
	let finished = false;
	try {
		const pumped = await hashStream(source, {
			hashers: options.hashers,
			algorithms: options.verify ? ['sha256', 'xxh3-128'] : ['sha256'],
			proceed: options.proceed,
			signal: options.signal,
			gauge: options.gauge,
			maxBytes: expectedSize,
			onBytes: options.onBytes,
			each: async (chunk, offset) => {
				if (headBytes !== undefined && offset < headBytes.length) {
					const copied = Math.min(chunk.byteLength, headBytes.length - offset);
					headBytes.set(chunk.subarray(0, copied), offset);
					if (offset + copied === headBytes.length) takeHead(headBytes.length);
				}
				if (offset + chunk.byteLength === expectedSize) options.onAllRead?.();
				await writer.write(chunk);
			},
		});
		takeHead(pumped.bytes);
		await writer.close();
		finished = true;
		return pumped;
	} finally {
		// Awaited: the caller removes the temporary file next, which the browser refuses while it is open.
		if (!finished) await writer.abort().catch(() => undefined);
	}
}

/**
 * Reads the pending file back from the folder and compares its length and check hash with what was
 * received. The check hash runs here, not in the hash worker: XXH3 is cheaper than sending the bytes
 * there, and the read-back chunks may share memory with the folder's own buffers, which must not move.
 */
export async function readBackMatches(
	pending: PendingFile,
	expected: { bytes: number; check: string },
	options: { hashers: HasherFactory; proceed: () => Promise<void>; gauge: BufferGauge },
): Promise<boolean> {
	const read = await hashStream(await pending.readBack(), {
		hashers: options.hashers,
		algorithms: ['xxh3-128'],
		proceed: options.proceed,
		gauge: options.gauge,
		maxBytes: expected.bytes,
	});
	return read.bytes === expected.bytes && read.digests['xxh3-128'] === expected.check;
}
