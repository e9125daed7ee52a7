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
	/**
	 * The titles of the albums the person made that hold its item, as the Photos app's database said when
	 * it was copied; absent when none (or when the database could not be read).
	 */
	albums?: string[];
	/** Its item is a favourite in the Photos app (absent otherwise). */
	favorite?: true;
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

/** The phone a backup folder belongs to, as the manifest records it. */
export type BackupDevice = Manifest['device'];

/** Where one file of an asset goes. */
export interface PlacedFile {
	/** The file's path on the phone. */
	devicePath: string;
	/** Its path in the backup, relative to the iPhone's folder, '/'-separated. */
	path: string;
	/** The manifest already records this file at `path` (an earlier run copied it): nothing to copy. */
	recorded: boolean;
	/**
	 * Set when the file had to take a new name because a file not in the manifest holds the name it
	 * would otherwise have had: possibly this very file, copied by a run that ended before it could
	 * record it. If that file's bytes match, record it there instead of copying again.
	 */
	possibleEarlierCopy?: string;
}

/** Where every file of an asset goes, in the asset's file order. */
export interface AssetPlacement {
	assetId: string;
	files: PlacedFile[];
	/**
	 * What tells this asset apart from an earlier one with the same names: 1 when nothing was needed,
	 * n for `IMG_0001 (n).HEIC` (the same n for all of the asset's files).
	 */
	copy: number;
}

/** Why `readManifest` could not use (all of) the manifest on the drive. It never throws for these. */
export interface ManifestProblem {
	kind:
		| 'unreadable' // the file could not be read
		| 'not-json' // damaged: not JSON
		| 'foreign' // JSON, but not our manifest
		| 'newer-version' // written by a newer version of this app
		| 'other-device' // the manifest of another iPhone
		| 'bad-entries' // some entries were damaged and left out
		| 'recovered'; // manifest.json was missing; a complete copy left by an interrupted write was used
	/** In plain words. */
	message: string;
	/** How many entries were left out (`bad-entries`). */
	dropped?: number;
}

/** A file found in the backup folder. */
export interface FolderFile {
	/** Relative to the iPhone's folder, '/'-separated. */
	path: string;
	size: number;
	/** Milliseconds since the epoch. */
	lastModified: number;
}

/**
 * The iPhone's folder inside the folder the user picked. Every method fails only with a
 * `DeviceError`: 'disk-full', 'folder-permission', 'folder-gone', 'folder-file-exists',
 * 'folder-file-missing', 'file-too-large-for-drive' (a pending file's writes) or 'folder-failed'.
 */
export interface BackupFolder {
	/** The folder's name inside the picked folder, e.g. `Anna's iPhone`. */
	readonly name: string;
	readonly handle: FileSystemDirectoryHandle;
	readonly device: BackupDevice;
	readonly layout: FolderLayout;
	/** True when this run created the folder. */
	readonly created: boolean;
	/**
	 * The most bytes one file may hold on a drive that limits it (FAT32: 4 GiB − 1). A write failing as
	 * a file would grow past it fails that file alone with 'file-too-large-for-drive', unless the folder
	 * is known to hold a larger file.
	 */
	readonly fileSizeLimit: number;
	/** What the last `readManifest` could not use; undefined when it was fine (or not read yet). */
	readonly manifestProblem: ManifestProblem | undefined;

	/** The manifest on the drive; undefined when there is none or it cannot be used (see `manifestProblem`). */
	readManifest(): Promise<Manifest | undefined>;
	/**
	 * Replaces the manifest atomically (a crash leaves the old one or the new one, never half of
	 * either) and writes `SHA256SUMS` beside it. An unusable manifest found by `readManifest` is kept
	 * aside as `manifest.unreadable-<n>.json`, never overwritten.
	 */
	writeManifest(manifest: Manifest): Promise<void>;
	/**
	 * Chooses the path of every file of an asset and reserves them for this run: never a path that is
	 * taken (in the manifest, present in the folder, or reserved earlier), the same disambiguation for
	 * all of the asset's files. Files the manifest already records for this asset keep their path.
	 */
	placeAsset(asset: PlaceableAsset, captureDate: CaptureDateLike | undefined): Promise<AssetPlacement>;
	/** Starts writing the file that will be `path` (relative, as `placeAsset` returned it). */
	createFile(path: string): Promise<PendingFile>;
	readFile(path: string): Promise<ReadableStream<Uint8Array>>;
	/** Undefined when there is no file at `path`. */
	stat(path: string): Promise<FolderFile | undefined>;
	/** Every file of the backup (not the manifest, `SHA256SUMS`, temporary or swap files), sorted by path. */
	listFiles(): AsyncIterable<FolderFile>;
	/** Removes what an interrupted run left (our temporary files, `*.crswap`); returns their paths. */
	removeLeftovers(): Promise<string[]>;
}

/** What placing needs of an asset (src/lib/library `Asset` fits). */
export interface PlaceableAsset {
	id: string;
	baseName: string;
	/** The Photos app's original file name (`IMG_2682.HEIC`), for files the phone keeps under a UUID. */
	originalName?: string;
	files: ReadonlyArray<{ path: string; role?: string }>;
}

/** What placing needs of a capture date (src/lib/library `CaptureDate` fits). */
export interface CaptureDateLike {
	epochMs: number;
	offsetMinutes: number | undefined;
	floating: boolean;
}
