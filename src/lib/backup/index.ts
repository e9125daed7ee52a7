export { BackupIndex, doneEntry } from './backup-index';
export { BackupController } from './controller';
export { runBackup, type BackupResult, type CheckpointInterval, type RunBackupOptions } from './engine';
export { failureScope, type FailureInfo, type FailureScope } from './failures';
export { BackupJournal, type DeviceIdentity, type JournalRecord, type RunSummary } from './journal';
export {
	planBackup,
	planSummary,
	estimateSeconds,
	captureIso,
	DEFAULT_BYTES_PER_SECOND,
	PLAN_CATEGORIES,
	type BackupPlan,
	type PlanCategory,
	type PlanItem,
	type PlannedAsset,
	type PlannedFile,
	type PlanOptions,
	type PlanReason,
	type PlanSummary,
	type Tally,
} from './planner';
export { type BackupProgress } from './progress';
export { prepareBackup, type BackupState } from './resume';
export { verifyBackup, type VerifyOptions, type VerifyProgress, type VerifyReport } from './verify';
