/**
 * The backup folder: the folder the user picked, and everything the app writes there. The engine
 * (src/lib/backup) works through `BackupFolder`; see types.ts for the contract.
 */
export { openBackupFolder, MANIFEST_NAME, CHECKSUMS_NAME, type OpenBackupFolderOptions } from './backup-folder';
export { checkPermission, requireWritePermission } from './permission';
export { estimateFreeSpace } from './free-space';
export { createManifest, serializeManifest, parseManifest, MANIFEST_FORMAT, MANIFEST_VERSION } from './manifest';
export { placeAsset, monthFolder, TakenPaths, UNDATED_FOLDER, type PlacementOptions, type TakenSource } from './placement';
export { sanitizeName, isSafeName, isSafeRelativePath, pathKey, MAX_NAME_BYTES } from './names';
export { formatSha256Sums, checksumLine, type ChecksumLine } from './sha256sums';
export { toFolderError } from './folder-errors';
export type * from './types';
