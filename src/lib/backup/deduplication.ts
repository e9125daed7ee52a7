import type { BackupFolder, PlacedFile } from '../destination/types';
import type { HasherFactory } from '../hash';
import type { BackupIndex } from './backup-index';
import { failureScope } from './failures';
import { hashStream } from './hash-stream';

/**
 * Whether bytes just read from the phone are in the backup already: the same file renamed on the
 * phone (the index knows its bytes), or a copy a run made before it could record it (found where this
 * file would go). Either is trusted only once the folder's file was hashed in this run and found to
 * hold exactly these bytes: records say where to look, bytes say what is there.
 */
export class Deduplication {
	readonly #folder: BackupFolder;
	readonly #index: BackupIndex;
	readonly #hashers: HasherFactory;
	readonly #proceed: () => Promise<void>;
	/** Files of the folder hashed in this run: their bytes are known, not just recorded. */
	readonly #hashed = new Map<string, { size: number; sha256: string }>();

	constructor(options: { folder: BackupFolder; index: BackupIndex; hashers: HasherFactory; proceed: () => Promise<void> }) {
		this.#folder = options.folder;
		this.#index = options.index;
		this.#hashers = options.hashers;
		this.#proceed = options.proceed;
	}

	/** The path in the folder that holds these bytes, if one does. */
	async existing(target: PlacedFile, sha256: string, size: number): Promise<string | undefined> {
		return (await this.#recordedCopy(sha256, size)) ?? (await this.#earlierCopy(target, sha256, size));
	}

	/**
	 * Where the record says these bytes are. A record is not enough: someone may have deleted, replaced
	 * or edited the file since. It counts only once its bytes were hashed in this run.
	 */
	async #recordedCopy(sha256: string, size: number): Promise<string | undefined> {
		const path = this.#index.pathOfContent(sha256, size);
		if (path === undefined) return undefined;
		return (await this.#hashedHere(path, size)) === sha256 ? path : undefined;
	}

	async #earlierCopy(target: PlacedFile, sha256: string, size: number): Promise<string | undefined> {
		const path = target.possibleEarlierCopy;
		if (path === undefined) return undefined;
		const digest = await this.#hashedHere(path, size);
		if (digest === undefined) return undefined;
		this.#index.addContent(path, digest, size);
		return digest === sha256 ? path : undefined;
	}

	/** A file this run wrote and read back: its bytes are these, with no need to read it again. */
	written(path: string, size: number, sha256: string): void {
		this.#hashed.set(path, { size, sha256 });
	}

	/** SHA-256 of the file at `path` when it is there at `size`, hashed once per run; undefined when it is not, or unreadable. */
	async #hashedHere(path: string, size: number): Promise<string | undefined> {
		const known = this.#hashed.get(path);
		if (known !== undefined) return known.size === size ? known.sha256 : undefined;
		const found = await this.#folder.stat(path);
		if (found === undefined || found.size !== size) return undefined;
		try {
			const read = await hashStream(await this.#folder.readFile(path), { hashers: this.#hashers, algorithms: ['sha256'], proceed: this.#proceed });
			const digest = read.digests.sha256;
			if (digest !== undefined && read.bytes === size) this.#hashed.set(path, { size, sha256: digest });
			return read.bytes === size ? digest : undefined;
		} catch (error) {
			if (failureScope(error) === 'file') return undefined; // unreadable: not a usable copy
			throw error;
		}
	}
}
