/*
 * The Photos app's library database (`/PhotoData/Photos.sqlite` and its WAL), read over AFC without
 * writing and without reading it whole: see `reader.ts` for the seam and `database-image.ts`,
 * `snapshot-vfs.ts` and `query-runner.ts` for how SQLite reads pages from the phone.
 */
export { libraryCounts, type PhotosDbCounts } from './counts';
export { readPhotosDatabase, type ReadPhotosDatabaseOptions } from './reader';
export {
	DEFAULT_PHOTOS_DB_LIMITS,
	PHOTOS_DATABASE_PATH,
	type DatabaseFiles,
	type PhotosDbAsset,
	type PhotosDbFallbackReason,
	type PhotosDbKind,
	type PhotosDbLimits,
	type PhotosDbResult,
	type PhotosDbStats,
} from './types';
