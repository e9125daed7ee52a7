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
	/** `METADATA_READERS` when the row was written: rows from older readers are read again. */
	readers?: number;
	/**
	 * `[identity, metadata][]` as JSON: one string clones in milliseconds, where a map of tens of
	 * thousands of small objects took seconds to read back.
	 */
	entries: string;
	updatedAt: Date;
}

/**
 * Bumped whenever the date or Live Photo readers learn something (screenshots' XMP dates, say), so
 * that what older readers missed is read again instead of remembered.
 */
export const METADATA_READERS = 2;

/** The metadata remembered for `udid`; none when there is none or the database cannot be read (a scan just reads everything). */
export async function loadFileMetadata(db: AppDatabase, udid: string): Promise<Map<string, FileMetadata>> {
	try {
		const row = await db.fileMetadata.get(udid);
		if (typeof row?.entries !== 'string' || row.readers !== METADATA_READERS) return new Map();
		const entries: unknown = JSON.parse(row.entries);
		return Array.isArray(entries) ? new Map(entries.filter(isEntry)) : new Map();
	} catch {
		return new Map();
	}
}

/** Remembers `entries` for `udid` in place of what was there; a failure to store is only a slower next scan. */
export async function saveFileMetadata(db: AppDatabase, udid: string, entries: Map<string, FileMetadata>): Promise<void> {
	try {
		await db.fileMetadata.put({ udid, readers: METADATA_READERS, entries: JSON.stringify([...entries]), updatedAt: new Date() });
	} catch {
		// Private window, full disk: the next scan reads the files again.
	}
}

export async function forgetFileMetadata(db: AppDatabase, udid: string): Promise<void> {
	await db.fileMetadata.delete(udid).catch(() => undefined);
}

/** An entry as saved: what else is in the row (another version's, a damaged one) is left out. */
function isEntry(entry: unknown): entry is [string, FileMetadata] {
	if (!Array.isArray(entry) || entry.length !== 2 || typeof entry[0] !== 'string') return false;
	const metadata = entry[1] as FileMetadata | null;
	if (typeof metadata !== 'object' || metadata === null) return false;
	const date = metadata.captureDate;
	return (
		(metadata.liveId === undefined || typeof metadata.liveId === 'string') &&
		(date === undefined || (typeof date === 'object' && date !== null && typeof date.epochMs === 'number'))
	);
}
