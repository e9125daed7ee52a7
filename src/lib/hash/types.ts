/**
 * `sha256` is the record: it goes into the manifest and SHA256SUMS, so anyone can check the backup with
 * `sha256sum -c`. `xxh3-128` is the cheap check: about seventeen times faster than SHA-256, so the
 * read-back verification compares the bytes on disk with the bytes received without a second SHA-256
 * pass over every byte. It detects corruption (not tampering), which is what a read-back is for.
 */
export type HashAlgorithm = 'sha256' | 'xxh3-128';

/** Lowercase hex digests, one per algorithm asked for. */
export type Digests = Partial<Record<HashAlgorithm, string>>;

/** Hashes one stream of bytes, chunk by chunk. */
export interface StreamHasher {
	/**
	 * Hashes the chunk. The hasher takes ownership: the caller must not read or reuse the chunk
	 * afterwards (a worker-backed hasher moves its buffer to the worker). Resolves when the hasher is
	 * ready for more, which is how it pushes back when it cannot keep up.
	 */
	update(chunk: Uint8Array): Promise<void>;
	/** The digests of everything given so far; the hasher is finished after this. */
	digest(): Promise<Digests>;
	/** Drops the hasher without a result (after a failure). Safe more than once and after `digest`. */
	discard(): void;
}

/** Makes a hasher for one stream. */
export type HasherFactory = (algorithms: readonly HashAlgorithm[]) => Promise<StreamHasher>;
