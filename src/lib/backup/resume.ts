import { createManifest } from '../destination/manifest';
import { pathKey } from '../destination/names';
import { DeviceError } from '../errors';
import type { BackupFolder, Manifest, ManifestEntry, ManifestProblem } from '../destination/types';
import type { FileRow } from '../store';
import { BackupIndex } from './backup-index';
import type { BackupJournal } from './journal';

/** Where a backup stands before a run: what it holds, and what an interrupted run left. */
export interface BackupState {
	/** Everything recorded as backed up, from the drive's manifest and the journal together. */
	index: BackupIndex;
	/** The journal's rows (for the planner: what an earlier run left unfinished). */
	journalRows: FileRow[];
	/** Temporary and swap files of an interrupted run, now removed. */
	leftoversRemoved: string[];
	/** What could not be used of the manifest on the drive, if anything. */
	manifestProblem: ManifestProblem | undefined;
	/** Files the journal knew as done that the drive's manifest did not (a crash before its checkpoint): now written to it. */
	recordedOnDrive: number;
	/**
	 * Files recorded as backed up that the folder does not hold (deleted, or at another size): no
	 * longer counted, so the plan copies them again.
	 */
	missingFromFolder: ManifestEntry[];
}

/**
 * Run before every backup, a resumed one included: removes what an interrupted run left (temporary
 * files, `.crswap`), reads the manifest on the drive and the journal, and keeps of what they record
 * only what the folder holds: the folder is the record, the journal only helps it. The manifest is
 * brought up to date (with what the journal knows is done, without what the folder lost), so the
 * drive alone tells the next browser everything. Files in the folder are never copied again; the
 * rest is planned. A new iPhone folder forgets which files an earlier drive refused as too large.
 */
export async function prepareBackup(folder: BackupFolder, journal: BackupJournal): Promise<BackupState> {
	const leftoversRemoved = await folder.removeLeftovers();
	const manifest: Manifest | undefined = await folder.readManifest();
	const manifestProblem = folder.manifestProblem;
	// Its records may say what this version cannot read: nothing goes into it, nothing of it is replaced.
	if (manifestProblem?.kind === 'newer-version') throw newerBackup();
	const journalRows = folder.created ? await forgetDriveRefusals(journal) : await journal.files();
	const recorded = BackupIndex.from(manifest, journalRows);
	const present = new Map<string, number>();
	for await (const file of folder.listFiles()) present.set(pathKey(file.path), file.size);
	const { index, missing } = recorded.confirmedBy(present);
	const recordedOnDrive = recorded.size - BackupIndex.from(manifest).size;
	if (recordedOnDrive > 0 || missing.length > 0) {
		await folder.writeManifest(createManifest(folder.device, index.entries()));
	}
	return { index, journalRows, leftoversRemoved, manifestProblem, recordedOnDrive, missingFromFolder: missing };
}

/**
 * The journal's rows without the files an earlier drive refused as too large (FAT32), forgotten: a
 * new iPhone folder may be on another drive, or on the same drive reformatted (exFAT, NTFS), so the
 * planner no longer takes their size for more than the drive holds. They are tried again.
 */
async function forgetDriveRefusals(journal: BackupJournal): Promise<FileRow[]> {
	const rows = await journal.files();
	const refused = rows.filter((row) => row.state === 'failed' && row.error?.code === 'file-too-large-for-drive');
	if (refused.length === 0) return rows;
	for (const row of refused) journal.forget(row.key);
	await journal.flush();
	return rows.filter((row) => !refused.includes(row));
}

function newerBackup(): DeviceError {
	return new DeviceError('backup-newer', 'The backup in this folder was made by a newer version of this page.', {
		advice: 'Reload the page to get the newest version, then back up again. Nothing in the folder was changed.',
	});
}
