import type { PendingFile } from '../destination/types';
import type { Digests, HasherFactory } from '../hash';

/** Bytes in the engine's hands: read from the phone, not yet both written and handed to the hasher. */
export class BufferGauge {
	held = 0;
	maxHeld = 0;

	take(bytes: number): void {
		this.held += bytes;
		if (this.held > this.maxHeld) this.maxHeld = this.held;
	}

	release(bytes: number): void {
		this.held -= bytes;
	}
}

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
 * Streams a file from the phone into a pending file and through a hasher, one chunk at a time: a chunk
 * is written (the write resolves once the folder is done with it), then handed to the hasher (which
 * may move it to its worker), and only then is the next one read. So the engine holds one chunk, the
 * hasher's queue is bounded by the hasher, the phone's read-ahead by the file service: memory does
 * not grow with the file. Reading stops as soon as the file turns out longer than `expectedSize`.
 */
export async function pumpFile(
	source: ReadableStream<Uint8Array>,
	expectedSize: number,
	pending: PendingFile,
	options: PumpOptions,
): Promise<Pumped> {
	const hasher = await options.hashers(options.verify ? ['sha256', 'xxh3-128'] : ['sha256']);
	const reader = source.getReader();
	const writer = pending.writable.getWriter();
	// A stalled phone must not hold a cancel: cancelling the read ends the wait for it.
	const onAbort = () => void reader.cancel(options.signal.reason).catch(() => undefined);
	options.signal.addEventListener('abort', onAbort);
	let bytes = 0;
	let finished = false;
	const head = options.head;
	// Copied before the hasher may move the chunk to its worker.
	let headBytes = head !== undefined && head.bytes > 0 ? new Uint8Array(head.bytes) : undefined;
	const takeHead = (length: number) => {
		if (headBytes === undefined || length === 0) return;
		head!.take(length === headBytes.length ? headBytes : headBytes.subarray(0, length));
		headBytes = undefined;
	};
	try {
		for (;;) {
			await options.proceed();
			const { done, value } = await reader.read();
			options.signal.throwIfAborted();
			if (done) break;
			const length = value.byteLength;
			if (headBytes !== undefined) {
				const copied = Math.min(length, headBytes.length - bytes);
				headBytes.set(value.subarray(0, copied), bytes);
				if (bytes + copied === headBytes.length) takeHead(headBytes.length);
			}
			bytes += length;
			if (bytes === expectedSize) options.onAllRead?.();
			options.gauge.take(length);
			try {
				await writer.write(value);
				await hasher.update(value);
			} finally {
				options.gauge.release(length);
			}
			options.onBytes(length);
			if (bytes > expectedSize) break;
		}
		takeHead(bytes);
		await writer.close();
		const digests = await hasher.digest();
		finished = true;
		return { bytes, digests };
	} finally {
		options.signal.removeEventListener('abort', onAbort);
		if (!finished) {
			hasher.discard();
			// Awaited: the caller removes the temporary file next, which the browser refuses while it is open.
			await writer.abort().catch(() => undefined);
		}
		void reader.cancel().catch(() => undefined);
		reader.releaseLock();
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
	const hasher = await options.hashers(['xxh3-128']);
	const reader = (await pending.readBack()).getReader();
	let bytes = 0;
	let finished = false;
	try {
		for (;;) {
			await options.proceed();
			const { done, value } = await reader.read();
			if (done) break;
			bytes += value.byteLength;
			if (bytes > expected.bytes) return false;
			options.gauge.take(value.byteLength);
			try {
				await hasher.update(value);
			} finally {
				options.gauge.release(value.byteLength);
			}
		}
		const digests = await hasher.digest();
		finished = true;
		return bytes === expected.bytes && digests['xxh3-128'] === expected.check;
	} finally {
		if (!finished) hasher.discard();
		void reader.cancel().catch(() => undefined);
		reader.releaseLock();
	}
}
