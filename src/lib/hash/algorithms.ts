import type { IHasher } from 'hash-wasm';
import { loadAppChunk } from '../app-code';
import { concatBytes, toHex } from '../bytes';
import type { HashAlgorithm } from './types';

/** hash-wasm is a chunk of its own, loaded with the first hasher (or `preloadHashing`): a backup needs it, a visit may not. */
const hashWasm = () => loadAppChunk(() => import('hash-wasm'));

const CREATE: Record<HashAlgorithm, () => Promise<IHasher>> = {
	sha256: async () => (await hashWasm()).createSHA256(),
	'xxh3-128': async () => (await hashWasm()).createXXHash128(),
};

/**
 * Streams up to this long get their SHA-256 from WebCrypto in one call. WebCrypto's digest is native
 * (SHA extensions where the CPU has them: about five times hash-wasm's speed) but takes the whole
 * input at once, so a stream is held until it is this long; past it, it is hashed by hash-wasm as it
 * comes. 32 MiB covers every photo and most short movies, and bounds what one stream holds.
 */
export const ONE_SHOT_SHA256_LIMIT = 32 * 1024 * 1024;

/**
 * hash-wasm hashers, reused: making one instantiates a WebAssembly module, resetting one (`init`) is
 * free, and a backup hashes tens of thousands of files.
 */
export class HasherPool {
	readonly #idle = new Map<HashAlgorithm, IHasher[]>();

	async take(algorithm: HashAlgorithm): Promise<IHasher> {
		const hasher = this.#idle.get(algorithm)?.pop() ?? (await CREATE[algorithm]());
		return hasher.init();
	}

	give(algorithm: HashAlgorithm, hasher: IHasher): void {
		let idle = this.#idle.get(algorithm);
		if (idle === undefined) this.#idle.set(algorithm, (idle = []));
		// A few spare ones cover every stream open at once; more would only hold WebAssembly memory.
		if (idle.length < 4) idle.push(hasher);
	}
}

/**
 * SHA-256 that holds a short stream and digests it with WebCrypto, and streams a long one through a
 * hash-wasm hasher. Chunks the caller gives away are held as they are; others are copied, as the
 * caller's buffers may be reused once `update` returns.
 */
class Sha256Digester {
	readonly #streaming: IHasher;
	readonly #limit: number;
	#held: Uint8Array[] | undefined = [];
	#length = 0;

	constructor(streaming: IHasher, limit: number) {
		this.#streaming = streaming;
		this.#limit = limit;
	}

	update(chunk: Uint8Array, owned: boolean): void {
		const held = this.#held;
		if (held === undefined) {
			this.#streaming.update(chunk);
			return;
		}
		this.#length += chunk.byteLength;
		if (this.#length <= this.#limit) {
			held.push(owned ? chunk : chunk.slice());
			return;
		}
		for (const earlier of held) this.#streaming.update(earlier);
		this.#streaming.update(chunk);
		this.#held = undefined;
	}

	async digest(): Promise<string> {
		const held = this.#held;
		if (held === undefined) return this.#streaming.digest('hex');
		this.#held = undefined;
		return toHex(await crypto.subtle.digest('SHA-256', joined(held)));
	}
}

/** The chunks as one array: the one chunk itself when there is just one (no copy). */
function joined(chunks: Uint8Array[]): Uint8Array<ArrayBuffer> {
	if (chunks.length === 1 && chunks[0]!.buffer instanceof ArrayBuffer) return chunks[0] as Uint8Array<ArrayBuffer>;
	return concatBytes(chunks);
}

/** The hashers of one stream, one per algorithm. */
export class HashSet {
	readonly #pool: HasherPool;
	readonly #hashers: [HashAlgorithm, IHasher][];
	readonly #sha256: Sha256Digester | undefined;

	private constructor(pool: HasherPool, hashers: [HashAlgorithm, IHasher][], oneShotLimit: number) {
		this.#pool = pool;
		this.#hashers = hashers;
		const sha256 = hashers.find(([algorithm]) => algorithm === 'sha256');
		this.#sha256 = sha256 === undefined ? undefined : new Sha256Digester(sha256[1], oneShotLimit);
	}

	/** `oneShotLimit`: the longest stream whose SHA-256 is WebCrypto's (tests lower it). */
	static async open(pool: HasherPool, algorithms: readonly HashAlgorithm[], oneShotLimit = ONE_SHOT_SHA256_LIMIT): Promise<HashSet> {
		const unique = [...new Set(algorithms)];
		const hashers = await Promise.all(unique.map(async (algorithm): Promise<[HashAlgorithm, IHasher]> => [algorithm, await pool.take(algorithm)]));
		return new HashSet(pool, hashers, oneShotLimit);
	}

	/** `owned`: the chunk is the set's to keep (it was moved here); otherwise it is copied if it must be kept. */
	update(chunk: Uint8Array, owned = false): void {
		for (const [algorithm, hasher] of this.#hashers) {
			if (algorithm === 'sha256') this.#sha256!.update(chunk, owned);
			else hasher.update(chunk);
		}
	}

	/** The digests; the hashers go back to the pool. */
	async digest(): Promise<Partial<Record<HashAlgorithm, string>>> {
		const digests: Partial<Record<HashAlgorithm, string>> = {};
		try {
			for (const [algorithm, hasher] of this.#hashers) {
				digests[algorithm] = algorithm === 'sha256' ? await this.#sha256!.digest() : hasher.digest('hex');
			}
		} finally {
			this.release();
		}
		return digests;
	}

	/** Gives the hashers back without a result. */
	release(): void {
		for (const [algorithm, hasher] of this.#hashers.splice(0)) this.#pool.give(algorithm, hasher);
	}
}

/** Loads hash-wasm now (while a plan is read, say), so that the backup's first file does not wait for it. */
export function preloadHashing(): void {
	void hashWasm().catch(() => undefined);
}
