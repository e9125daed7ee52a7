/**
 * What the reader needs from the phone's files: a size and pieces of a file. `DeviceFiles` with its
 * `readRange` (the AFC client) is one; tests hand in files from disk and count the bytes.
 */
export interface DatabaseFiles {
	stat(path: string): Promise<{ size: number }>;
	/** Up to `length` bytes from `offset` (fewer only at the end of the file). */
	readRange(path: string, offset: number, length: number): Promise<Uint8Array>;
}

/** Where the Photos app keeps its library database on the phone, as AFC sees the media partition. */
export const PHOTOS_DATABASE_PATH = '/PhotoData/Photos.sqlite';

export interface PhotosDbLimits {
	/** Bytes asked of the phone in all, WAL included, over every attempt. */
	maxBytesRead: number;
	/** Pages held in memory at once. */
	maxCacheBytes: number;
	/** A longer WAL is not read (its checksums chain: it is all or nothing). */
	maxWalBytes: number;
	/** Time for the whole read, attempts included. */
	deadlineMs: number;
	/** Reads of the whole database, when it changed while it was read. */
	maxAttempts: number;
	/**
	 * Rows held at once, every table together. A phone with 100,000 items has about that many asset rows
	 * and a few times as many resource and album rows; a database whose pages loop would yield rows for
	 * ever, each one held until the deadline: this bounds the memory before the time does.
	 */
	maxRows: number;
}

export const DEFAULT_PHOTOS_DB_LIMITS: PhotosDbLimits = {
	maxBytesRead: 192 * 1024 * 1024,
	maxCacheBytes: 24 * 1024 * 1024,
	maxWalBytes: 64 * 1024 * 1024,
	deadlineMs: 180_000,
	maxAttempts: 3,
	maxRows: 2_000_000,
};

export type PhotosDbKind = 'photo' | 'video' | 'other';

/** One photo or video as the Photos app's database records it. */
export interface PhotosDbAsset {
	uuid: string;
	/**
	 * Where its original lives, relative to the media partition: on a phone `DCIM/100APPLE` +
	 * `IMG_0001.HEIC`, or `PhotoData/CPLAssets/group123` + `<UUID>.HEIC` for originals that came back
	 * from iCloud. Empty when the row names none.
	 */
	directory: string;
	filename: string;
	/** The name the person knows (`IMG_2682.HEIC` for a `CPLAssets/…/<UUID>.HEIC` file), when recorded. */
	originalFilename: string | undefined;
	kind: PhotosDbKind;
	livePhoto: boolean;
	screenshot: boolean;
	hidden: boolean;
	favorite: boolean;
	/** In Recently Deleted. */
	trashed: boolean;
	/**
	 * In a shared album, behind an iCloud link or shown from Shared with You: its files are not in the
	 * camera roll.
	 */
	shared: boolean;
	/** Capture date, milliseconds since the epoch (the database keeps seconds since 2001-01-01 UTC). */
	captureTime: number | undefined;
	/** Minutes east of UTC where it was taken, when the database says (`ZTIMEZONEOFFSET`). */
	captureOffsetMinutes: number | undefined;
	/** Whether the original is on the phone; false = only in iCloud; undefined when the database does not say. */
	originalOnPhone: boolean | undefined;
	/** Titles of the albums the person made that hold it (not trashed), sorted. */
	albums: string[];
	/** Edited in Photos (it has adjustments); undefined when this version of the database does not say. */
	edited: boolean | undefined;
}

export type PhotosDbFallbackReason =
	| 'missing' // no Photos.sqlite on the phone
	| 'unreadable' // the phone would not let us read it
	| 'locked' // the phone holds it busy
	| 'unknown-schema' // not a Photos library we know how to read (tables or columns missing)
	| 'damaged' // not a database, or one that contradicts itself
	| 'too-large' // reading it would take more bytes or memory than the bounds allow
	| 'changing' // it kept changing while it was read
	| 'too-slow'; // the deadline passed

export interface PhotosDbStats {
	/** Bytes asked of the phone, every attempt and the WAL included. */
	bytesRead: number;
	/** Query runs that stopped at a page not yet fetched and ran again once it was. */
	reruns: number;
	/** Reads of the whole database (more than one when it changed while it was read). */
	attempts: number;
	/** WAL frames applied over the main file (0 without a WAL). */
	walFrames: number;
}

export type PhotosDbResult =
	| { ok: true; assets: PhotosDbAsset[]; stats: PhotosDbStats }
	| { ok: false; reason: PhotosDbFallbackReason; detail: string; stats: PhotosDbStats };
