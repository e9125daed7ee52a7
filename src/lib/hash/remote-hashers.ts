import { type Remote, transfer } from 'comlink';
import type { HashService } from './hash-service';
import type { HashAlgorithm, HasherFactory, StreamHasher } from './types';

export interface RemoteHashersOptions {
	/**
	 * Bytes sent to the worker and not yet hashed, across all streams, before `update` makes the caller
	 * wait (default 8 MiB). This is the queue between the USB reads and the hashing: large enough to
	 * keep the worker busy, small enough that memory does not grow with the file.
	 */
	maxBytesInFlight?: number;
}

/** What a remote hasher family did, for tests and for tuning. */
export interface RemoteHashersStats {
	/** The most bytes in flight at any moment. */
	maxBytesInFlight: number;
	/** Chunks whose buffers were moved to the worker, and chunks that had to be copied first. */
	chunksMoved: number;
	chunksCopied: number;
}

export type RemoteHasherFactory = HasherFactory & { readonly stats: RemoteHashersStats };

const DEFAULT_MAX_BYTES_IN_FLIGHT = 8 * 1024 * 1024;

/**
 * Hashers that run in the hash worker: chunks go there by transfer (their ArrayBuffers move, nothing is
 * copied), so hashing overlaps with USB reads and disk writes on the calling thread. A chunk that is a
 * view into a larger buffer (part of a USB packet, say) cannot be moved without taking its neighbours
 * along, so it is copied and the copy moved.
 *
 * `service` is the Comlink proxy of the worker's `HashService`:
 * `remoteHashers(Comlink.wrap<HashService>(new Worker(url, { type: 'module' })))`.
 */
export function remoteHashers(service: Remote<HashService>, options: RemoteHashersOptions = {}): RemoteHasherFactory {
	const limit = Math.max(1, options.maxBytesInFlight ?? DEFAULT_MAX_BYTES_IN_FLIGHT);
	const stats: RemoteHashersStats = { maxBytesInFlight: 0, chunksMoved: 0, chunksCopied: 0 };
	let inFlight = 0;
	let nextId = 1;
	let waiters: (() => void)[] = [];

	const settle = (bytes: number) => {
		inFlight -= bytes;
		if (inFlight >= limit) return;
		const ready = waiters;
		waiters = [];
		for (const wake of ready) wake();
	};

	const factory = async (algorithms: readonly HashAlgorithm[]): Promise<StreamHasher> => {
		const id = nextId++;
		let failure: { error: unknown } | undefined;
		let finished = false;
		const pending = new Set<Promise<void>>();
		const noteFailure = (error: unknown) => {
			failure ??= { error };
		};
		void Promise.resolve(service.begin(id, [...algorithms])).catch(noteFailure);

		return {
			async update(chunk) {
				if (finished) throw new Error('This hasher has already finished.');
				if (failure !== undefined) throw failure.error;
				const whole = chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength && chunk.buffer instanceof ArrayBuffer;
				const owned = whole ? chunk : chunk.slice();
				if (whole) stats.chunksMoved++;
				else stats.chunksCopied++;
				const bytes = owned.byteLength;
				inFlight += bytes;
				stats.maxBytesInFlight = Math.max(stats.maxBytesInFlight, inFlight);
				const sent = Promise.resolve(service.update(id, transfer(owned, [owned.buffer as ArrayBuffer]))).then(
					() => settle(bytes),
					(error: unknown) => {
						settle(bytes);
						noteFailure(error);
					},
				);
				pending.add(sent);
				void sent.then(() => pending.delete(sent));
				while (inFlight >= limit && failure === undefined) await new Promise<void>((wake) => waiters.push(wake));
				// Set by a settled send meanwhile (the compiler cannot see that).
				const failed = failure as { error: unknown } | undefined;
				if (failed !== undefined) throw failed.error;
			},
			async digest() {
				if (finished) throw new Error('This hasher has already finished.');
				finished = true;
				await Promise.all(pending);
				if (failure !== undefined) {
					void Promise.resolve(service.discard(id)).catch(() => undefined);
					throw failure.error;
				}
				return service.finish(id);
			},
			discard() {
				if (finished) return;
				finished = true;
				void Promise.resolve(service.discard(id)).catch(() => undefined);
			},
		};
	};
	return Object.assign(factory, { stats });
}
