import type { BackupFolder, PlacedFile } from '../destination/types';
import type { HasherFactory } from '../hash';
import type { BackupIndex } from './backup-index';
import { failureScope } from './failures';
import { hashStream } from './hash-stream';

/**
 * Whether bytes just read from the phone are in the backup already: the same file renamed on the
 * phone (the index knows its bytes), or a copy a run made before it could record it (found where this
 * file would go). Either is trusted only while the folder still holds it at that size, and a copy
 * nobody recorded only once its bytes were hashed here.
 */
export class Deduplication {
	readonly #folder: BackupFolder;
	readonly #index: BackupIndex;
	readonly #hashers: HasherFactory;
	readonly #proceed: () => Promise<void>;

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

	async #recordedCopy(sha256: string, size: number): Promise<string | undefined> {
		const path = this.#index.pathOfContent(sha256, size);
		if (path === undefined) return undefined;
		// Someone may have deleted or replaced the file in the folder: then this copy is needed after all.
		return (await this.#folder.stat(path))?.size === size ? path : undefined;
	}

	async #earlierCopy(target: PlacedFile, sha256: string, size: number): Promise<string | undefined> {
		const path = target.possibleEarlierCopy;
		if (path === undefined) return undefined;
		const found = await this.#folder.stat(path);
		if (found === undefined || found.size !== size) return undefined;
		try {
			const read = await hashStream(await this.#folder.readFile(path), { hashers: this.#hashers, algorithms: ['sha256'], proceed: this.#proceed });
			const digest = read.digests.sha256;
			if (digest === undefined) return undefined;
			this.#index.addContent(path, digest, size);
			return digest === sha256 ? path : undefined;
		} catch (error) {
			if (failureScope(error) === 'file') return undefined; // unreadable: not a usable copy
			throw error;
		}
	}
}
