import { loadAppChunk } from '../app-code';
import { isDeviceError } from '../errors';
import {
	describeAssets,
	groupAssets,
	matchPhotosDatabase,
	readFilePiece,
	scanCameraRoll,
	type CameraRollScan,
	type DeviceFiles,
	type KnownMetadata,
} from '../library';
import type { DatabaseFiles, PhotosDbAsset } from '../photos-db';
import type { LibrarySource, PhoneLibrary } from './library-overview';

export interface ScanLibraryOptions {
	/** What earlier scans read from files the phone still shows unchanged (see `describeAssets`): loaded while the phone is listed. */
	known?: Promise<KnownMetadata>;
	onListing?: (filesFound: number) => void;
	onDescribing?: (done: number, total: number) => void;
}

/**
 * Reads the camera roll: the files under the photo folders, listed and grouped into assets, and the
 * Photos app's database beside the listing. What the database describes takes its capture date, Live
 * Photo pairing, albums and whether it is hidden, a favourite or in Recently Deleted from it, and its
 * files' heads are not read; the rest is read from the files. Without a usable database the files
 * alone tell (`source` says why).
 */
export async function scanPhoneLibrary(files: DeviceFiles, options: ScanLibraryOptions = {}): Promise<{ library: PhoneLibrary; scan: CameraRollScan }> {
	const [scan, database] = await Promise.all([
		scanCameraRoll(files, { onProgress: (progress) => options.onListing?.(progress.filesFound) }),
		readPhotosLibrary(files),
	]);
	const matched = matchPhotosDatabase(groupAssets(scan.files), database.rows);
	const assets = await describeAssets(files, matched.assets, {
		concurrency: 16,
		known: await options.known,
		database: matched.rows,
		onProgress: options.onDescribing,
	});
	return { library: { assets, absent: matched.absent, source: database.source }, scan };
}

/**
 * The Photos app's database: its rows, or why the library is read from the files alone. The reader
 * and SQLite are chunks of their own, loaded here on first use, so that they never weigh on the device
 * worker's start. A lost connection is thrown as it is, like one during the listing (the page reads
 * the phone again once it is back); a database the reader cannot use, or a reader this page cannot
 * load, leaves the files alone to tell.
 */
export async function readPhotosLibrary(files: DeviceFiles): Promise<{ rows: PhotosDbAsset[]; source: LibrarySource }> {
	try {
		const { readPhotosDatabase } = await loadAppChunk(() => import('../photos-db'));
		const result = await readPhotosDatabase(databaseFiles(files));
		return result.ok ? { rows: result.assets, source: { database: true } } : { rows: [], source: { database: false, reason: result.reason } };
	} catch (error) {
		// The reader's own code or SQLite's could not be loaded (`app-updated`), or failed in a way of its
		// own: the scan goes on without it. Every other device error is the connection's.
		if (isDeviceError(error) && error.code !== 'app-updated') throw error;
		return { rows: [], source: { database: false, reason: 'no-reader' } };
	}
}

/** The phone's files as the database reader reads them: sizes and pieces. */
function databaseFiles(files: DeviceFiles): DatabaseFiles {
	return { stat: (path) => files.stat(path), readRange: (path, offset, length) => readFilePiece(files, path, offset, length) };
}
