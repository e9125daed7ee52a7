/**
 * The backup engine: what is new since last time, and copying it safely. In the device worker:
 *
 *   const folder = await openBackupFolder(root, device, { layout });          // src/lib/destination
 *   const journal = await BackupJournal.open(db, destination.id, device);
 *   const state = await prepareBackup(folder, journal);                     // leftovers, manifest, journal
 *   const assets = await describeAssets(files, groupAssets((await scanCameraRoll(files)).files));
 *   const plan = planBackup(assets, state.index, { journal: state.journalRows, freeBytes });
 *   const result = await runBackup({ files, folder, plan, journal, index: state.index, hashers, control, onProgress });
 *
 * Run the same steps again to resume after any interruption, or for the next backup.
 */
export { BackupIndex, doneEntry } from './backup-index';
export { BackupController } from './controller';
export { MAX_RECONNECTS_WITHOUT_PROGRESS, runBackup, type BackupResult, type CheckpointInterval, type Reconnect, type RunBackupOptions } from './engine';
export { failureScope, isConnectionLoss, type FailureInfo, type FailureScope } from './failures';
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
