import type { Manifest, ManifestEntry } from '../destination/types';
import { pathKey } from '../destination/names';
import { fileKey, type FileRow } from '../store';

/** Where identical bytes already are: content is told by SHA-256 and size together. */
function contentKey(sha256: string, size: number): string {
	return `${sha256}/${size}`;
}

/**
 * What one iPhone's backup folder already holds, merged from the drive's manifest and the local
 * journal (either alone is enough: the manifest for a new browser, the journal after a crash before
 * the manifest's checkpoint). Files are known by identity (phone path, size, modification time),
 * by content (SHA-256 + size) and by where they are in the folder.
 */
export class BackupIndex {
	readonly #byIdentity = new Map<string, ManifestEntry>();
	readonly #byContent = new Map<string, string>();
	readonly #sizes = new Map<number, Set<string>>();

	static from(manifest: Manifest | readonly ManifestEntry[] | undefined, journal: readonly FileRow[] = []): BackupIndex {
		const index = new BackupIndex();
		const entries = manifest === undefined ? [] : Array.isArray(manifest) ? manifest : (manifest as Manifest).entries;
		for (const entry of entries) index.add(entry);
		for (const row of journal) {
			const entry = doneEntry(row);
			if (entry !== undefined && !index.has(row.key)) index.add(entry);
		}
		return index;
	}

	/** Files recorded, one entry per version of a phone file. */
	get size(): number {
		return this.#byIdentity.size;
	}

	has(key: string): boolean {
		return this.#byIdentity.has(key);
	}

	get(key: string): ManifestEntry | undefined {
		return this.#byIdentity.get(key);
	}

	add(entry: ManifestEntry): void {
		this.#byIdentity.set(fileKey(entry.devicePath, entry.size, entry.modifiedTime), entry);
		this.addContent(entry.path, entry.sha256, entry.size);
	}

	/**
	 * Notes bytes that are in the folder at `path`, recorded or not (a file committed just before a
	 * crash, before any record of it was saved), so that the same content is not stored again.
	 */
	addContent(path: string, sha256: string, size: number): void {
		const key = contentKey(sha256, size);
		if (!this.#byContent.has(key)) this.#byContent.set(key, path);
		let paths = this.#sizes.get(size);
		if (paths === undefined) this.#sizes.set(size, (paths = new Set()));
		paths.add(path);
	}

	/** Where these bytes already are in the folder, if anywhere. */
	pathOfContent(sha256: string, size: number): string | undefined {
		return this.#byContent.get(contentKey(sha256, size));
	}

	/** Whether some file of this size is in the folder: the only clue, before reading, of a renamed file. */
	hasSize(size: number): boolean {
		return this.#sizes.has(size);
	}

	/** Whether some file in the folder holds more than `bytes`. */
	holdsFileLargerThan(bytes: number): boolean {
		for (const size of this.#sizes.keys()) if (size > bytes) return true;
		return false;
	}

	/** Every entry, sorted by folder path then phone path: the manifest's order. */
	entries(): ManifestEntry[] {
		return [...this.#byIdentity.values()].sort(
			(a, b) => compare(a.path, b.path) || compare(a.devicePath, b.devicePath) || a.modifiedTime - b.modifiedTime,
		);
	}

	/**
	 * The same record, kept to what the folder holds: an entry counts only while its file is there at
	 * its recorded size (`present`: each file's `pathKey` and size, as the folder lists them). A file
	 * someone deleted, a drive swapped at the same path, writes an unplugged drive lost: `missing`.
	 */
	confirmedBy(present: ReadonlyMap<string, number>): { index: BackupIndex; missing: ManifestEntry[] } {
		const index = new BackupIndex();
		const missing: ManifestEntry[] = [];
		for (const entry of this.#byIdentity.values()) {
			if (present.get(pathKey(entry.path)) === entry.size) index.add(entry);
			else missing.push(entry);
		}
		return { index, missing };
	}

	/** Paths in the folder that entries point at. */
	paths(): Set<string> {
		const paths = new Set<string>();
		for (const entry of this.#byIdentity.values()) paths.add(entry.path);
		return paths;
	}
}

/** A journal row as a manifest entry, when it is done and complete. */
export function doneEntry(row: FileRow): ManifestEntry | undefined {
	if (row.state !== 'done' || row.sha256 === undefined || row.path === undefined) return undefined;
	const entry: ManifestEntry = {
		devicePath: row.devicePath,
		assetId: row.assetId,
		size: row.size,
		modifiedTime: row.modifiedTime,
		birthTime: row.birthTime,
		sha256: row.sha256,
		path: row.path,
		backedUpAt: row.backedUpAt ?? row.updatedAt.toISOString(),
	};
	if (row.capturedAt !== undefined) entry.capturedAt = row.capturedAt;
	return entry;
}

function compare(a: string, b: string): number {
	return a < b ? -1 : a > b ? 1 : 0;
}
