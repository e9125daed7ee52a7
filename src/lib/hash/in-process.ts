import { HasherPool, HashSet } from './algorithms';
import type { HashAlgorithm, HasherFactory, StreamHasher } from './types';

const shared = new HasherPool();

/**
 * Hashers that run on the calling thread: for Node tests, for small reads, and as the fallback where
 * no worker can be started. Same interface as the worker's.
 */
export const inProcessHashers: HasherFactory = async (algorithms: readonly HashAlgorithm[]): Promise<StreamHasher> => {
	const set = await HashSet.open(shared, algorithms);
	let finished = false;
	return {
		async update(chunk) {
			if (finished) throw new Error('This hasher has already finished.');
			set.update(chunk);
		},
		async digest() {
			if (finished) throw new Error('This hasher has already finished.');
			finished = true;
			return set.digest();
		},
		discard() {
			if (finished) return;
			finished = true;
			set.release();
		},
	};
};
