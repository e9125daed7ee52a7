/**
 * What the camera-roll scanner needs from the phone's file service. The AFC client implements it; tests
 * may hand in anything else that does.
 */
export interface DeviceFileInfo {
	kind: 'file' | 'directory' | 'symlink' | 'other';
	/** Size in bytes; a number is exact up to 2^53, far beyond any file on a phone. */
	size: number;
	/** Creation and modification times, milliseconds since the epoch (AFC reports nanoseconds). */
	birthTime: number;
	modifiedTime: number;
}

export interface DeviceFiles {
	/**
	 * Names in a directory, without `.` and `..`; with `limit`, no more than that many are decoded (a
	 * listing may hold millions of empty names).
	 */
	list(path: string, limit?: number): Promise<string[]>;
	stat(path: string): Promise<DeviceFileInfo>;
	/**
	 * The file's bytes from `offset` on — at most `length` of them when given, so that reading a header
	 * asks the phone for no more than that — in bounded chunks: never the whole file in memory.
	 * Cancelling the stream closes the file on the device.
	 */
	read(path: string, offset?: number, length?: number): ReadableStream<Uint8Array>;
	/**
	 * Optional: up to `length` bytes from `offset` in one piece (fewer only at the end of the file), the
	 * file closed again before it resolves — the same requests `read` makes for a piece that fits one
	 * read, without a stream around them (a first scan reads the head of tens of thousands of files).
	 */
	readRange?(path: string, offset: number, length: number): Promise<Uint8Array>;
}
