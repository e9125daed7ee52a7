import type { FileMetadata } from '../library/probe-file';
import type { AppDatabase } from './database';

/**
 * Capture dates and Live Photo ids read from one iPhone's files at its last scan, keyed by
 * `fileIdentity` (path, size, times), so that the next scan reads only new or changed files. One row
 * per iPhone: a single read and a single write instead of one per file (a library has tens of
 * thousands). Only what the files' own bytes said is kept; no photo bytes.
 */
export interface FileMetadataRow {
	udid: string;
	entries: Map<string, FileMetadata>;
	updatedAt: Date;
}

/** The metadata remembered for `udid`; none when there is none or the database cannot be read (a scan just reads everything). */
export async function loadFileMetadata(db: AppDatabase, udid: string): Promise<Map<string, FileMetadata>> {
	try {
		const row = await db.fileMetadata.get(udid);
		return row?.entries instanceof Map ? row.entries : new Map();
	} catch {
		return new Map();
	}
}

/** Remembers `entries` for `udid` in place of what was there; a failure to store is only a slower next scan. */
export async function saveFileMetadata(db: AppDatabase, udid: string, entries: Map<string, FileMetadata>): Promise<void> {
	try {
		await db.fileMetadata.put({ udid, entries, updatedAt: new Date() });
	} catch {
		// Private window, full disk: the next scan reads the files again.
	}
}

export async function forgetFileMetadata(db: AppDatabase, udid: string): Promise<void> {
	await db.fileMetadata.delete(udid).catch(() => undefined);
}
