import { createSHA256, createXXHash128, type IHasher } from 'hash-wasm';
import type { HashAlgorithm } from './types';

const CREATE: Record<HashAlgorithm, () => Promise<IHasher>> = {
	sha256: createSHA256,
	'xxh3-128': () => createXXHash128(),
};

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

/** The hashers of one stream, one per algorithm. */
export class HashSet {
	readonly #pool: HasherPool;
	readonly #hashers: [HashAlgorithm, IHasher][];

	private constructor(pool: HasherPool, hashers: [HashAlgorithm, IHasher][]) {
		this.#pool = pool;
		this.#hashers = hashers;
	}

	static async open(pool: HasherPool, algorithms: readonly HashAlgorithm[]): Promise<HashSet> {
		const unique = [...new Set(algorithms)];
		const hashers = await Promise.all(unique.map(async (algorithm): Promise<[HashAlgorithm, IHasher]> => [algorithm, await pool.take(algorithm)]));
		return new HashSet(pool, hashers);
	}

	update(chunk: Uint8Array): void {
		for (const [, hasher] of this.#hashers) hasher.update(chunk);
	}

	/** The digests; the hashers go back to the pool. */
	digest(): Partial<Record<HashAlgorithm, string>> {
		const digests: Partial<Record<HashAlgorithm, string>> = {};
		for (const [algorithm, hasher] of this.#hashers) digests[algorithm] = hasher.digest('hex');
		this.release();
		return digests;
	}

	/** Gives the hashers back without a result. */
	release(): void {
		for (const [algorithm, hasher] of this.#hashers.splice(0)) this.#pool.give(algorithm, hasher);
	}
}
