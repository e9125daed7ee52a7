import type { Digests, HashAlgorithm, HasherFactory } from '../hash';

/** Bytes in the engine's hands: read from the phone or the folder, not yet done with (written, hashed). */
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

export interface HashStreamOptions {
	hashers: HasherFactory;
	algorithms: readonly HashAlgorithm[];
	/** Waits while paused; throws once cancelled. Called before every chunk. */
	proceed?: () => Promise<void>;
	/** Ends the read as soon as it aborts: a stalled source must not hold a cancel. */
	signal?: AbortSignal;
	/** Counts each chunk while it is in hand. */
	gauge?: BufferGauge;
	/** Each chunk before it is hashed (the hasher may move it to its worker): write it, copy from it. */
	each?: (chunk: Uint8Array, offset: number) => Promise<void> | void;
	/** Each chunk's length once it is hashed. */
	onBytes?: (bytes: number) => void;
	/** Stops reading as soon as more than this many bytes came (the result's `bytes` says so). */
	maxBytes?: number;
}

export interface HashedStream {
	/** Bytes read; above `maxBytes` when the stream turned out longer. */
	bytes: number;
	digests: Digests;
}

/**
 * Streams `source` through hashers to its end, one chunk at a time: the chunk is handed to `each`
 * (awaited), then to the hasher, and only then is the next one read. So what is held is one chunk, the
 * hasher's queue is bounded by the hasher, and memory does not grow with the stream. Pause and cancel
 * are honoured between chunks, and a cancel also ends a read that is waiting. On any failure the hasher
 * is discarded and the source cancelled.
 */
export async function hashStream(source: ReadableStream<Uint8Array>, options: HashStreamOptions): Promise<HashedStream> {
	const hasher = await options.hashers(options.algorithms);
	const reader = source.getReader();
	const { signal, gauge } = options;
	const onAbort = () => void reader.cancel(signal?.reason).catch(() => undefined);
	signal?.addEventListener('abort', onAbort);
	let bytes = 0;
	let finished = false;
	try {
		for (;;) {
			await options.proceed?.();
			const { done, value } = await reader.read();
			signal?.throwIfAborted();
			if (done) break;
			const length = value.byteLength;
			gauge?.take(length);
			try {
				await options.each?.(value, bytes);
				await hasher.update(value);
			} finally {
				gauge?.release(length);
			}
			bytes += length;
			options.onBytes?.(length);
			if (options.maxBytes !== undefined && bytes > options.maxBytes) break;
		}
		const digests = await hasher.digest();
		finished = true;
		return { bytes, digests };
	} finally {
		signal?.removeEventListener('abort', onAbort);
		if (!finished) hasher.discard();
		void reader.cancel().catch(() => undefined);
		reader.releaseLock();
	}
}
