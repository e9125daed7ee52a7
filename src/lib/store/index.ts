export { AppDatabase, DATABASE_NAME } from './database';
export {
	DexiePairRecordStore,
	MemoryPairRecordStore,
	profileSystemBuid,
	type PairRecordStore,
} from './pair-record-store';
export { forgetDevice } from './forget-device';
export { loadFileMetadata, saveFileMetadata, forgetFileMetadata, METADATA_READERS, type FileMetadataRow } from './file-metadata';
export { storageCall } from './storage-call';
export {
	backupKey,
	fileKey,
	type DestinationRow,
	type DeviceRow,
	type FileRow,
	type FileState,
	type RunOutcome,
	type RunRow,
} from './backup-rows';
export { rememberDestination, listDestinations, forgetDestination } from './destinations';
export { backupHistory, backsUpWhenPluggedIn, noteReminded, setBackUpWhenPluggedIn, type PhoneHistory, type RunOfPhone } from './backup-history';
export { loadReminderSetting, saveReminderSetting, type ReminderSetting, type SettingRow } from './settings';
