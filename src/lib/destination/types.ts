/**
 * The contract between the backup engine (src/lib/backup) and the picked folder
 * (src/lib/destination). The engine decides what to copy; the destination decides names and does every
 * write, so that nothing the phone says can reach outside the folder.
 */

/** One file of the backup, as the manifest on the drive records it. */
export interface ManifestEntry {
	/** The file's path on the phone, e.g. `/DCIM/100APPLE/IMG_3582.HEIC`. */
	devicePath: string;
	/** The asset it belongs to (its primary file's device path). */
	assetId: string;
	size: number;
	/** The phone's file times, milliseconds since the epoch. */
	modifiedTime: number;
	birthTime: number;
	/** The asset's capture date, ISO 8601 with its offset when known. */
	capturedAt?: string;
	/** SHA-256 of the bytes, lowercase hex. */
	sha256: string;
	/** Where it went, relative to the iPhone's folder, '/'-separated: `2025/05/IMG_3582.HEIC`. */
	path: string;
	/** When it was copied, ISO 8601. */
	backedUpAt: string;
}

export interface Manifest {
	format: 'iphone-photo-backup-manifest';
	version: 1;
	device: { udid: string; name?: string; productType?: string };
	updatedAt: string;
	entries: ManifestEntry[];
}

/** How files are laid out inside the iPhone's folder. */
export type FolderLayout =
	/** `YYYY/MM/` by capture date (the default). */
	| 'by-month'
	/** The phone's own folders: `DCIM/100APPLE/…`. */
	| 'as-on-iphone';

/** A file being written: bytes go to a temporary file, which becomes `path` only on `commit`. */
export interface PendingFile {
	/** Where the file will be, relative to the iPhone's folder. */
	readonly path: string;
	readonly writable: WritableStream<Uint8Array>;
	/** The temporary file's bytes as written, for verification before commit. */
	readBack(): Promise<ReadableStream<Uint8Array>>;
	/** Moves the temporary file to `path`. Never replaces an existing file: fails instead. */
	commit(): Promise<void>;
	/** Removes the temporary file. Safe after a failure, and more than once. */
	abort(): Promise<void>;
}
