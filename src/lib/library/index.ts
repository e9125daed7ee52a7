export type { DeviceFileInfo, DeviceFiles } from './device-files';
export {
	scanCameraRoll,
	CAMERA_ROLL_ROOTS,
	SCAN_LIMITS,
	type CameraRollScan,
	type ScannedFile,
	type ScanOptions,
	type ScanLimits,
	type ScanProgress,
	type SkippedEntry,
} from './scan';
export { groupAssets, type Asset, type AssetFile, type AssetFileRole, type AssetKind } from './group-assets';
export {
	describeAssets,
	describeAsset,
	fileIdentity,
	knownMetadata,
	type Availability,
	type DescribedAsset,
	type DescribeOptions,
	type KnownMetadata,
} from './describe-assets';
export { probeFile, sniffFormat, IMAGE_HEAD_BYTES, type FileMetadata, type FileProbe, type ContainerFormat } from './probe-file';
export {
	fileTimeDate,
	localDateTime,
	parseExifDate,
	parseIsoDate,
	parseOffset,
	type CaptureDate,
	type CaptureDateSource,
	type ParsedDate,
} from './capture-date';
export { readImageMetadata, appleMediaGroupUuid, type ImageMetadata } from './image-metadata';
export { readEmbeddedThumbnail, type EmbeddedThumbnail } from './embedded-thumbnail';
export { loadExifReader } from './exif-reader';
export { readQuickTimeMetadata, type QuickTimeMetadata } from './quicktime-metadata';
export {
	DeviceFileSource,
	readFilePiece,
	MemorySource,
	ReadBudgetExceeded,
	FileReadFailed,
	DEFAULT_READ_BUDGET,
	type ByteSource,
	type ReadBudget,
} from './byte-source';
export { matchPhotosDatabase, originalPath, type PhotosMatch } from './photos-match';
export { countItems, factsOf, factsOfRow, isOnlyInICloud, type CountedItem, type ItemFacts, type LibraryCounts } from './library-counts';
export { summarizeStorage, type StorageSummary, type Tally } from './storage-summary';
export { parseMediaPath, type MediaPath, type MediaClass } from './media-path';
export { isFileLevelFailure } from './failures';
