import { wrapAppWorker } from '../app-code';
import {
	BackupController,
	BackupJournal,
	planBackup,
	planSummary,
	prepareBackup,
	runBackup,
	verifyBackup,
	type BackupPlan,
	type BackupProgress,
	type BackupResult,
	type Reconnect,
	type BackupState,
	type PlanSummary,
	type VerifyProgress,
	type VerifyReport,
} from '../backup';
import { estimateFreeSpace, openBackupFolder, requireWritePermission } from '../destination';
import type { BackupFolder, FolderLayout, ManifestProblem } from '../destination/types';
import { countItems, factsOf, type DeviceFiles, type LibraryCounts } from '../library';
import { CurrentFilePreview, type CurrentPreview } from './current-preview';
import { preloadHashing, remoteHashers, type HashService, type HasherFactory } from '../hash';
import type { AppDatabase, DestinationRow } from '../store';
import { rememberDestination } from '../store';
import { backupKnowledge, libraryStatus, type LibraryStatus, type PhoneLibrary } from './library-overview';
import { withBackupLocks } from './backup-locks';

export interface BackupDeviceInfo {
	udid: string;
	name: string;
	productType: string;
}

/** What the page shows before a backup starts. */
export interface PlanView extends PlanSummary {
	folderName: string;
	/** When the last backup of this iPhone to this folder ended, if there was one. */
	lastBackupAt: string | undefined;
	leftoversRemoved: number;
	/** Files recorded as backed up that the folder no longer holds: the plan copies them again. */
	missingFromFolder: number;
	/** What was wrong with the folder's list of copied files, in plain words (it was set aside, not lost). */
	manifestProblem: string | undefined;
	/** The library against this backup: month by month, and the counts the page shows everywhere. */
	status: LibraryStatus;
	/** What will be copied, counted as the library is (`items` and the kinds; Recently Deleted ones apart). */
	toCopy: LibraryCounts;
}

/** Progress as the page gets it: with a preview of the file being copied. */
export interface BackupProgressView extends BackupProgress {
	preview: CurrentPreview | undefined;
}

/** The phone's files as the backup reaches them: the connection now, and a way to open it again. */
export interface FileService {
	files(): Promise<DeviceFiles>;
	reconnect?: Reconnect;
}

/**
 * One iPhone and one picked folder: prepares (cleans up after an interrupted run, reads the manifest
 * and the journal), plans what is new, runs the backup and verifies it. Each plan starts from what is
 * recorded, so running it again after any interruption resumes.
 */
export class BackupSession {
	readonly #db: AppDatabase;
	readonly #destination: DestinationRow;
	readonly #device: BackupDeviceInfo;
	readonly #files: FileService;
	#hashers: HasherFactory | undefined;
	#folder: BackupFolder | undefined;
	#journal: BackupJournal | undefined;
	#state: BackupState | undefined;
	#plan: BackupPlan | undefined;
	#controller: BackupController | undefined;
	/** Phone files the last attempt found only in iCloud, for the timeline. */
	#inICloud = new Set<string>();
	readonly #fileSizeLimit: number | undefined;

	private constructor(db: AppDatabase, destination: DestinationRow, device: BackupDeviceInfo, files: FileService, fileSizeLimit: number | undefined) {
		this.#db = db;
		this.#destination = destination;
		this.#device = device;
		this.#files = files;
		this.#fileSizeLimit = fileSizeLimit;
	}

	/** How the folder is opened: its layout, and the drive's limit on one file when tests set one. */
	get #folderOptions(): { layout: FolderLayout; fileSizeLimit?: number } {
		return this.#fileSizeLimit === undefined ? { layout: this.#destination.layout } : { layout: this.#destination.layout, fileSizeLimit: this.#fileSizeLimit };
	}

	/**
	 * `fileSizeLimit`: the most bytes one file may hold on the folder's drive, where a refusal counts as
	 * the drive's limit (FAT32's by default; tests set less).
	 */
	static async open(
		db: AppDatabase,
		root: FileSystemDirectoryHandle,
		device: BackupDeviceInfo,
		files: FileService,
		options: { layout?: FolderLayout; fileSizeLimit?: number } = {},
	): Promise<BackupSession> {
		await requireWritePermission(root);
		return new BackupSession(db, await rememberDestination(db, root, options.layout), device, files, options.fileSizeLimit);
	}

	get destination(): DestinationRow {
		return this.#destination;
	}

	async plan(library: PhoneLibrary, options: { includeRecentlyDeleted?: boolean } = {}): Promise<PlanView> {
		const root = this.#destination.handle;
		await requireWritePermission(root);
		this.#folder = await openBackupFolder(root, this.#device, this.#folderOptions);
		this.#journal = await BackupJournal.open(this.#db, this.#destination.id, this.#device);
		this.#state = await prepareBackup(this.#folder, this.#journal);
		this.#inICloud = new Set(this.#state.journalRows.filter((row) => row.state === 'in-icloud').map((row) => row.devicePath));
		this.#plan = planBackup(library.assets, this.#state.index, {
			journal: this.#state.journalRows,
			includeRecentlyDeleted: options.includeRecentlyDeleted,
			freeBytes: await estimateFreeSpace(root).catch(() => undefined),
			fileSizeLimit: this.#fileSizeLimit,
		});
		const runs = await this.#journal.runs();
		const last = runs.filter((run) => run.endedAt !== undefined).at(-1);
		// The hash worker loads while the plan is read, not when "Start backup" is clicked; so does the
		// hashing code this worker checks read-backs with.
		this.#hashersOnce();
		preloadHashing();
		return {
			...planSummary(this.#plan),
			folderName: `${root.name}/${this.#folder.name}`,
			lastBackupAt: last?.endedAt?.toISOString(),
			leftoversRemoved: this.#state.leftoversRemoved.length,
			missingFromFolder: this.#state.missingFromFolder.length,
			manifestProblem: manifestProblemWords(this.#state.manifestProblem),
			status: this.status(library),
			toCopy: countItems(
				this.#plan.assets.map(({ asset }) => ({ ...factsOf(asset), onlyInICloud: false })),
				library.source.database,
			),
		};
	}

	/** The library against this backup (as planned, plus what runs since copied or found only in iCloud). */
	status(library: PhoneLibrary): LibraryStatus {
		return libraryStatus(library, backupKnowledge(this.#state?.index, this.#inICloud));
	}

	async run(onProgress: (progress: BackupProgressView) => void): Promise<BackupResult> {
		const folder = this.#folder;
		const journal = this.#journal;
		const state = this.#state;
		const plan = this.#plan;
		if (!folder || !journal || !state || !plan) throw new Error('plan() comes before run()');
		this.#controller = new BackupController();
		const preview = new CurrentFilePreview();
		const control = this.#controller;
		try {
			// One backup per folder, and per phone, at a time: another tab's would write over these records.
			const locks = [`folder:${this.#destination.id}`, `phone:${this.#device.udid}`];
			const result = await withBackupLocks(locks, async () =>
				runBackup({
					files: await this.#files.files(),
					reconnect: this.#files.reconnect,
					folder,
					plan,
					journal,
					index: state.index,
					hashers: this.#hashersOnce(),
					control,
					fileHead: preview.fileHead,
					onProgress: (progress) => onProgress({ ...progress, preview: preview.of(progress.current?.devicePath) }),
				}),
			);
			for (const path of result.inICloud) this.#inICloud.add(path);
			return result;
		} finally {
			this.#controller = undefined;
			this.#plan = undefined;
		}
	}

	pause(): void {
		this.#controller?.pause();
	}

	resume(): void {
		this.#controller?.resume();
	}

	cancel(): void {
		this.#controller?.cancel();
	}

	async verify(onProgress?: (progress: VerifyProgress) => void): Promise<VerifyReport> {
		const folder = this.#folder ?? (await openBackupFolder(this.#destination.handle, this.#device, this.#folderOptions));
		return verifyBackup(folder, { hashers: this.#hashersOnce(), onProgress });
	}

	/** SHA-256 runs in a worker of its own, next to this one, so hashing overlaps with USB reads. */
	#hashersOnce(): HasherFactory {
		this.#hashers ??= remoteHashers(
			wrapAppWorker<HashService>(new Worker(new URL('../../workers/hash.worker.ts', import.meta.url), { type: 'module' })),
		);
		return this.#hashers;
	}
}

/** The folder's manifest problem as the plan tells it; a recovered manifest needs no word. */
function manifestProblemWords(problem: ManifestProblem | undefined): string | undefined {
	if (problem === undefined || problem.kind === 'recovered') return undefined;
	if (problem.kind === 'bad-entries') return problem.message;
	return `${problem.message} It is kept beside the new one (manifest.unreadable-….json); the files in the folder are what counts, and are checked again.`;
}
