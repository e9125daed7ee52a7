/**
 * The virtual iPhone's storage, as its AFC server sees it. A camera roll profile implements it; content
 * may be real bytes or generated on the fly from the path, so that huge libraries take no memory.
 */
export interface VirtualEntry {
	kind: 'file' | 'directory';
	size: number;
	/** Nanoseconds since the epoch, as AFC reports them. */
	birthTimeNs: bigint;
	modifiedTimeNs: bigint;
}

export interface VirtualFileSystem {
	/** `undefined` when nothing is at `path`. Paths are absolute, `/`-separated, no trailing slash. */
	stat(path: string): VirtualEntry | undefined;
	/** Names in a directory, without `.` and `..`; `undefined` when `path` is not a directory. */
	list(path: string): string[] | undefined;
	/**
	 * Up to `length` bytes of the file from `offset`; fewer at the end of the file. Rejects for files
	 * that list but cannot be read (iCloud placeholders) with a `VirtualReadError`.
	 */
	read(path: string, offset: number, length: number): Promise<Uint8Array>;
	/**
	 * Only a lying file system (the hostile profile) has this: how many bytes the file really holds
	 * when that is not the size `stat` claims (`Infinity`: it never ends). afcd serves that many.
	 */
	dataSize?(path: string): number | undefined;
	/**
	 * Storage that makes some files on first use (the camera roll's Photos database) makes `path`'s
	 * here; afcd awaits it before it answers a request that names a path. A rejection is an I/O error.
	 */
	prepare?(path: string): Promise<void>;
	/** Total and free bytes, as GetDeviceInfo reports them. */
	readonly capacity: { totalBytes: number; freeBytes: number; blockSize: number };
}

export class VirtualReadError extends Error {
	override readonly name = 'VirtualReadError';
	constructor(
		readonly path: string,
		readonly reason: 'unreadable' | 'not-found',
	) {
		super(`${reason}: ${path}`);
	}
}
