import type { FolderLayout } from '../destination/types';

/** An iPhone this browser has backed up (or tried to). */
export interface DeviceRow {
	udid: string;
	name?: string;
	productType?: string;
	firstSeenAt: Date;
	lastSeenAt: Date;
	/** Back up by itself when plugged in while the page is open; set by the person after a complete backup. */
	backUpWhenPluggedIn?: boolean;
	/** When a reminder that this phone's backup is due was last shown. */
	remindedAt?: Date;
}

/**
 * A folder the person picked. The handle itself is kept (IndexedDB stores it by structured clone), so
 * the next visit finds the folder again; the browser may still ask for permission to write.
 */
export interface DestinationRow {
	id: string;
	handle: FileSystemDirectoryHandle;
	/** The folder's name, for showing before permission is granted again. */
	name: string;
	layout: FolderLayout;
	addedAt: Date;
	lastUsedAt: Date;
}

export type RunOutcome =
	/** Still going, or the page died before it could say otherwise. */
	| 'running'
	/** Every planned file was handled (copied, found already there, in iCloud, or failed on its own). */
	| 'complete'
	/** The person stopped it. */
	| 'cancelled'
	/** A failure that is not about one file (cable pulled, disk full) stopped it; the next run resumes. */
	| 'stopped';

export interface RunRow {
	/** Given by the database. */
	id?: number;
	/** Which backup: `backupKey(destinationId, udid)`. */
	backup: string;
	startedAt: Date;
	endedAt?: Date;
	outcome: RunOutcome;
	planned: { files: number; bytes: number };
	copied: { files: number; bytes: number };
	/** Files found already in the backup under another name, recorded without a second copy. */
	deduplicated: number;
	inICloud: number;
	failed: number;
	error?: { code: string; message: string; advice?: string };
}

/**
 * - `planned`: to be copied by the current (or an interrupted) run;
 * - `done`: copied, verified and recorded (or found already in the backup by its hash);
 * - `failed`: the phone would not give its bytes, or they kept changing; tried again next time;
 * - `in-icloud`: only in iCloud ("Optimize iPhone Storage"), not a failure; tried again next time.
 */
export type FileState = 'planned' | 'done' | 'failed' | 'in-icloud';

/** One version of one file of the phone in one backup. */
export interface FileRow {
	backup: string;
	/** `fileKey(devicePath, size, modifiedTime)`: a file changed on the phone is a new row. */
	key: string;
	devicePath: string;
	assetId: string;
	size: number;
	modifiedTime: number;
	birthTime: number;
	capturedAt?: string;
	state: FileState;
	/** When done: the content's SHA-256, where it is (relative to the iPhone's folder), and when. */
	sha256?: string;
	path?: string;
	backedUpAt?: string;
	/** When failed: why, in plain words. */
	error?: { code: string; message: string };
	runId?: number;
	updatedAt: Date;
}

/** The id of one phone's backup in one folder. */
export function backupKey(destinationId: string, udid: string): string {
	return `${destinationId}\u0000${udid}`;
}

/** The folder and the phone of a `backupKey` (neither holds a NUL). */
export function splitBackupKey(backup: string): { destinationId: string; udid: string } {
	const cut = backup.indexOf('\u0000');
	return { destinationId: backup.slice(0, cut), udid: backup.slice(cut + 1) };
}

/** A file's identity: its path on the phone, size and modification time. */
export function fileKey(devicePath: string, size: number, modifiedTime: number): string {
	return `${devicePath}\u0000${size}\u0000${modifiedTime}`;
}
