import { equalBytes } from '../bytes';
import { type DeviceErrorCode, isDeviceError } from '../errors';
import { DatabaseImage } from './database-image';
import { readLibraryAssets } from './library-rows';
import { DatabaseProblem, isDatabaseProblem, ReadMeter } from './problems';
import { QueryRunner } from './query-runner';
import { findSchema } from './schema';
import { loadSqlite } from './sqlite';
import {
	DEFAULT_PHOTOS_DB_LIMITS,
	PHOTOS_DATABASE_PATH,
	type DatabaseFiles,
	type PhotosDbAsset,
	type PhotosDbLimits,
	type PhotosDbResult,
	type PhotosDbStats,
} from './types';
import { isPageSize, readWal, WAL_HEADER_BYTES, type WalSnapshot } from './wal';

/** The SQLite file header (fileformat2.html): "SQLite format 3\0", then the page size at offset 16. */
const SQLITE_HEADER = new TextEncoder().encode('SQLite format 3\0');
const DATABASE_HEADER_BYTES = 100;
const WAL_CHUNK_BYTES = 1024 * 1024;

export interface ReadPhotosDatabaseOptions {
	path?: string;
	signal?: AbortSignal;
	limits?: Partial<PhotosDbLimits>;
}

/**
 * Reads the Photos app's library from its database on the phone, read-only: every asset with what the
 * app needs to know of it. A database that is missing, locked, damaged, of a schema we do not know,
 * too large for the bounds or changing faster than it can be read gives `{ ok: false, reason }`, so
 * that the scan goes on from the files alone; connection errors (`unplugged`, `timeout`, …) are thrown
 * as they are, for the caller's reconnection; an abort throws the signal's reason.
 *
 * One attempt reads the main file's header and the WAL, then runs the queries over that snapshot;
 * if the files changed meanwhile (other sizes, another WAL header or database header), the attempt
 * is thrown away and the read starts again, up to `maxAttempts` times: a result is always of one
 * consistent moment.
 */
export async function readPhotosDatabase(files: DatabaseFiles, options: ReadPhotosDatabaseOptions = {}): Promise<PhotosDbResult> {
	const limits = { ...DEFAULT_PHOTOS_DB_LIMITS, ...options.limits };
	const path = options.path ?? PHOTOS_DATABASE_PATH;
	const meter = new ReadMeter(limits.maxBytesRead);
	const deadline = Date.now() + limits.deadlineMs;
	const stats: PhotosDbStats = { bytesRead: 0, reruns: 0, attempts: 0, walFrames: 0 };
	const finish = (result: { ok: true; assets: PhotosDbAsset[] } | { ok: false; reason: DatabaseProblem['reason']; detail: string }): PhotosDbResult => {
		stats.bytesRead = meter.bytes;
		return { ...result, stats };
	};
	try {
		for (;;) {
			stats.attempts++;
			const attempt = await readOnce(files, path, limits, meter, deadline, stats, options.signal);
			if (attempt !== 'changed') return finish({ ok: true, assets: attempt });
			if (stats.attempts >= limits.maxAttempts) {
				return finish({ ok: false, reason: 'changing', detail: 'The Photos database kept changing while it was read.' });
			}
		}
	} catch (error) {
		options.signal?.throwIfAborted();
		const problem = databaseProblem(error);
		if (problem === undefined) throw error;
		return finish({ ok: false, reason: problem.reason, detail: problem.message });
	}
}

/** What must stay the same for the snapshot we read to be one moment of the database. */
interface FileState {
	mainSize: number;
	mainHeader: Uint8Array;
	walSize: number;
	walHeader: Uint8Array | undefined;
}

async function readOnce(
	files: DatabaseFiles,
	path: string,
	limits: PhotosDbLimits,
	meter: ReadMeter,
	deadline: number,
	stats: PhotosDbStats,
	signal: AbortSignal | undefined,
): Promise<PhotosDbAsset[] | 'changed'> {
	const before = await fileState(files, path, meter);
	const pageSize = pageSizeOf(before.mainHeader);
	const read = (file: string) => (offset: number, length: number) => {
		signal?.throwIfAborted();
		return files.readRange(file, offset, length);
	};
	/** The newest committed content of pages seen in the WAL, up to half the cache. */
	const offered = new Map<number, Uint8Array>();
	let wal: WalSnapshot | undefined;
	if (before.walHeader !== undefined) {
		if (before.walSize > limits.maxWalBytes) throw new DatabaseProblem('too-large', `The Photos database's WAL holds ${before.walSize} bytes.`);
		wal = await readWal(before.walSize, (offset, length) => {
			meter.charge(length);
			return read(`${path}-wal`)(offset, length);
		}, {
			chunkBytes: WAL_CHUNK_BYTES,
			expectedPageSize: pageSize,
			// Pages seen in the WAL are kept (up to the cache's size), so the queries need not read them again.
			onPage: (page, content) => {
				if (offered.has(page) || offered.size < limits.maxCacheBytes / pageSize / 2) offered.set(page, content.slice());
			},
		});
	}
	stats.walFrames = wal?.validFrames ?? 0;
	const image = new DatabaseImage({
		pageSize,
		mainBytes: before.mainSize,
		wal,
		maxCacheBytes: limits.maxCacheBytes,
		meter,
		source: { readMain: read(path), readWal: read(`${path}-wal`) },
	});
	for (const [page, content] of offered) if (wal?.pages.has(page)) image.offerPage(page, content);
	offered.clear();

	const sqlite3 = await loadSqlite();
	const runner = await QueryRunner.open(sqlite3, image, { signal, deadline, maxRows: limits.maxRows });
	let assets: PhotosDbAsset[] | undefined;
	let failure: unknown;
	try {
		assets = await readLibraryAssets(runner, await findSchema(runner));
	} catch (error) {
		failure = error;
	} finally {
		stats.reruns += runner.reruns;
		runner.close();
	}
	// A database damaged in our eyes may only have changed under us: it is read again if so.
	if (!sameState(before, await fileState(files, path, meter))) return 'changed';
	if (failure !== undefined) throw failure;
	return assets!;
}

async function fileState(files: DatabaseFiles, path: string, meter: ReadMeter): Promise<FileState> {
	const main = await files.stat(path);
	if (main.size < DATABASE_HEADER_BYTES) throw new DatabaseProblem('damaged', 'The Photos database is too short to be a database.');
	meter.charge(DATABASE_HEADER_BYTES);
	const mainHeader = await files.readRange(path, 0, DATABASE_HEADER_BYTES);
	let walSize = 0;
	let walHeader: Uint8Array | undefined;
	try {
		walSize = (await files.stat(`${path}-wal`)).size;
	} catch (error) {
		if (!isDeviceError(error, 'file-not-found')) throw error;
	}
	// A WAL shorter than its header is no WAL (SQLite ignores it too); its size still tells a change.
	if (walSize >= WAL_HEADER_BYTES) {
		meter.charge(WAL_HEADER_BYTES);
		walHeader = await files.readRange(`${path}-wal`, 0, WAL_HEADER_BYTES);
	}
	return { mainSize: main.size, mainHeader, walSize, walHeader };
}

function sameState(a: FileState, b: FileState): boolean {
	return (
		a.mainSize === b.mainSize &&
		a.walSize === b.walSize &&
		equalBytes(a.mainHeader, b.mainHeader) &&
		(a.walHeader === undefined ? b.walHeader === undefined : b.walHeader !== undefined && equalBytes(a.walHeader, b.walHeader))
	);
}

function pageSizeOf(header: Uint8Array): number {
	if (header.length < DATABASE_HEADER_BYTES || !equalBytes(header.subarray(0, SQLITE_HEADER.length), SQLITE_HEADER)) {
		throw new DatabaseProblem('damaged', 'The Photos database does not start like an SQLite database.');
	}
	const raw = (header[16]! << 8) | header[17]!;
	const pageSize = raw === 1 ? 65_536 : raw;
	if (!isPageSize(pageSize)) throw new DatabaseProblem('damaged', `The Photos database names an impossible page size (${raw}).`);
	return pageSize;
}

/**
 * The file service answered about this file with a refusal: the connection is fine (what breaks it is
 * 'protocol', 'timeout', 'connection-reset', 'unplugged'), the database is what cannot be read.
 */
const FILE_REFUSALS: readonly DeviceErrorCode[] = ['file-unreadable', 'file-permission', 'afc-failed', 'afc-unsupported'];

/**
 * The database's own problems, as a fallback reason; undefined for everything else (connection loss,
 * bugs), which the caller must see as it is. The phone's file service refusing the file is the
 * database's problem: it is missing, unreadable or in use.
 */
function databaseProblem(error: unknown): DatabaseProblem | undefined {
	if (isDatabaseProblem(error)) return error;
	if (isDeviceError(error, 'file-not-found')) return new DatabaseProblem('missing', 'The iPhone has no Photos database where we looked.', { cause: error });
	if (FILE_REFUSALS.some((code) => isDeviceError(error, code))) {
		return new DatabaseProblem('unreadable', 'The iPhone would not let us read its Photos database.', { cause: error });
	}
	if (isDeviceError(error, 'device-busy')) return new DatabaseProblem('locked', 'The iPhone holds its Photos database busy.', { cause: error });
	return undefined;
}
