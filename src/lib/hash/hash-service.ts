import { HasherPool, HashSet } from './algorithms';
import type { Digests, HashAlgorithm } from './types';

interface OpenStream {
	/** Every step of this stream runs after the one before: chunks are hashed in the order sent. */
	tail: Promise<HashSet>;
}

/**
 * The hash worker's side (`src/workers/hash.worker.ts` exposes one with Comlink). Streams are named by
 * ids the caller picks, so that opening one costs no round trip: `begin`, any number of `update`s and
 * `finish` can all be sent at once. Each `update` resolves once its chunk is hashed, which is what
 * the caller counts to bound the bytes in flight.
 */
export class HashService {
	readonly #pool = new HasherPool();
	readonly #streams = new Map<number, OpenStream>();

	begin(id: number, algorithms: readonly HashAlgorithm[]): void {
		if (this.#streams.has(id)) throw new Error(`Hash stream ${id} is already open.`);
		const tail = HashSet.open(this.#pool, algorithms);
		tail.catch(() => undefined); // reported by the update or finish that waits for it
		this.#streams.set(id, { tail });
	}

	update(id: number, chunk: Uint8Array): Promise<void> {
		const stream = this.#stream(id);
		const next = stream.tail.then((set) => {
			// The chunk crossed from another thread: this side's copy is nobody else's.
			set.update(chunk, true);
			return set;
		});
		stream.tail = next;
		return next.then(() => undefined);
	}

	async finish(id: number): Promise<Digests> {
		const stream = this.#stream(id);
		this.#streams.delete(id);
		return (await stream.tail).digest();
	}

	discard(id: number): void {
		const stream = this.#streams.get(id);
		if (stream === undefined) return;
		this.#streams.delete(id);
		stream.tail.then(
			(set) => set.release(),
			() => undefined,
		);
	}

	/** Streams begun and not finished or discarded (a leak check for tests). */
	get openStreams(): number {
		return this.#streams.size;
	}

	#stream(id: number): OpenStream {
		const stream = this.#streams.get(id);
		if (stream === undefined) throw new Error(`Hash stream ${id} is not open.`);
		return stream;
	}
}
