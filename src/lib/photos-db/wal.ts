import { readU32 } from '../bytes';

/*
 * The write-ahead log of Photos.sqlite, read the way SQLite's own recovery reads it when no usable
 * shared-memory index is at hand (sqlite.org/fileformat2.html, "The Write-Ahead Log" and "WAL
 * recovery"): a 32-byte header (magic 0x377f0682/3 choosing little- or big-endian checksums, format
 * 3007000, page size, checkpoint sequence, two salts, a checksum of the header), then frames of a
 * 24-byte header (page number, database size in pages on a commit frame and 0 otherwise, the header's
 * two salts, a running checksum over every frame so far) and one page. A frame counts only if its salts
 * are the header's and its running checksum holds; the log ends at its first frame that fails. Of the
 * frames that count, only those up to the last commit frame are the database: the ones after it are
 * a transaction still being written (or one that never finished).
 *
 * We apply the committed frames ourselves instead of letting SQLite open the log: SQLite in the
 * browser has no shared memory for the WAL index, and we must never write to the phone (SQLite may
 * rebuild `-shm` or checkpoint on close). The database is then shown to SQLite as a rollback-mode file
 * whose pages come from the log where it has them (`database-image.ts`).
 */

export const WAL_HEADER_BYTES = 32;
export const WAL_FRAME_HEADER_BYTES = 24;
const WAL_MAGIC_LITTLE_ENDIAN = 0x377f0682;
const WAL_MAGIC_BIG_ENDIAN = 0x377f0683;
const WAL_FORMAT_VERSION = 3007000;

/** What the log adds to the main file, as of its last commit. */
export interface WalSnapshot {
	/** Page number → byte offset in the WAL file of that page's newest committed content. */
	pages: Map<number, number>;
	/** The database's size in pages after the last commit. */
	databasePages: number;
	pageSize: number;
	/** Frames read that count (committed or not), for the stats. */
	validFrames: number;
	/** The WAL file's header, to tell later whether the log was restarted while we read. */
	header: Uint8Array;
}

/** Reads `length` bytes of the WAL file from `offset` (fewer only at its end). */
export type WalRead = (offset: number, length: number) => Promise<Uint8Array>;

/**
 * The committed state of the log, or undefined when the log adds nothing (empty, not a WAL, a
 * header whose checksum fails, or no commit frame): SQLite then reads the main file alone, and so do
 * we. `onPage` hears each committed page's content while we have it in hand, so that the pages the
 * queries need are not read from the phone twice. Reads the file once, front to back, in `chunkBytes`
 * pieces: the checksums chain through every frame, so every byte up to the last commit is needed.
 */
export async function readWal(
	size: number,
	read: WalRead,
	options: { chunkBytes: number; expectedPageSize: number | undefined; onPage?: (page: number, content: Uint8Array) => void },
): Promise<WalSnapshot | undefined> {
	if (size < WAL_HEADER_BYTES) return undefined;
	const header = (await read(0, WAL_HEADER_BYTES)).slice();
	if (header.length < WAL_HEADER_BYTES) return undefined;
	const magic = readU32(header, 0);
	if (magic !== WAL_MAGIC_LITTLE_ENDIAN && magic !== WAL_MAGIC_BIG_ENDIAN) return undefined;
	if (readU32(header, 4) !== WAL_FORMAT_VERSION) return undefined;
	const pageSize = readU32(header, 8);
	if (!isPageSize(pageSize)) return undefined;
	if (options.expectedPageSize !== undefined && pageSize !== options.expectedPageSize) return undefined;
	const bigEndian = magic === WAL_MAGIC_BIG_ENDIAN;
	const headerSum = walChecksum(header, 0, 24, [0, 0], bigEndian);
	if (headerSum[0] !== readU32(header, 24) || headerSum[1] !== readU32(header, 28)) return undefined;
	const salt1 = readU32(header, 16);
	const salt2 = readU32(header, 20);

	const frameBytes = WAL_FRAME_HEADER_BYTES + pageSize;
	const framesPerChunk = Math.max(1, Math.floor(options.chunkBytes / frameBytes));
	const frameCount = Math.floor((size - WAL_HEADER_BYTES) / frameBytes);
	const committed = new Map<number, number>();
	/** Frames since the last commit: they join `committed` when a commit frame closes them. */
	let pending: { page: number; offset: number; content: Uint8Array }[] = [];
	let databasePages = 0;
	let validFrames = 0;
	let sum = headerSum;

	frames: for (let first = 0; first < frameCount; first += framesPerChunk) {
		const count = Math.min(framesPerChunk, frameCount - first);
		const start = WAL_HEADER_BYTES + first * frameBytes;
		const chunk = await read(start, count * frameBytes);
		for (let index = 0; index < count; index++) {
			const at = index * frameBytes;
			if (at + frameBytes > chunk.length) break frames;
			const page = readU32(chunk, at);
			const commitSize = readU32(chunk, at + 4);
			if (page === 0 || readU32(chunk, at + 8) !== salt1 || readU32(chunk, at + 12) !== salt2) break frames;
			sum = walChecksum(chunk, at, 8, sum, bigEndian);
			sum = walChecksum(chunk, at + WAL_FRAME_HEADER_BYTES, pageSize, sum, bigEndian);
			if (sum[0] !== readU32(chunk, at + 16) || sum[1] !== readU32(chunk, at + 20)) break frames;
			validFrames++;
			pending.push({ page, offset: start + at + WAL_FRAME_HEADER_BYTES, content: chunk.subarray(at + WAL_FRAME_HEADER_BYTES, at + frameBytes) });
			if (commitSize !== 0) {
				for (const frame of pending) {
					committed.set(frame.page, frame.offset);
					options.onPage?.(frame.page, frame.content);
				}
				pending = [];
				databasePages = commitSize;
			}
		}
	}
	if (databasePages === 0) return undefined;
	// A commit that shrank the database leaves frames of pages past its end: they are not the database.
	for (const page of committed.keys()) if (page > databasePages) committed.delete(page);
	return { pages: committed, databasePages, pageSize, validFrames, header };
}

/** SQLite's page sizes: a power of two from 512 to 65536. */
export function isPageSize(size: number): boolean {
	return size >= 512 && size <= 65_536 && (size & (size - 1)) === 0;
}

/**
 * The WAL checksum (fileformat2.html, "Checksum Algorithm"): over 32-bit words taken two at a time
 * in the byte order the magic number says, s0 += x0 + s1, s1 += x1 + s0, modulo 2^32.
 */
export function walChecksum(
	bytes: Uint8Array,
	offset: number,
	length: number,
	[start0, start1]: readonly [number, number] | number[],
	bigEndian: boolean,
): [number, number] {
	const view = new DataView(bytes.buffer, bytes.byteOffset + offset, length);
	const littleEndian = !bigEndian;
	let s0 = start0!;
	let s1 = start1!;
	for (let at = 0; at + 8 <= length; at += 8) {
		s0 = (s0 + view.getUint32(at, littleEndian) + s1) >>> 0;
		s1 = (s1 + view.getUint32(at + 4, littleEndian) + s0) >>> 0;
	}
	return [s0, s1];
}
