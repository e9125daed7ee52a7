import type { BackupFolder, PlacedFile } from '../destination/types';
import { DeviceError, isDeviceError } from '../errors';
import type { HasherFactory } from '../hash';
import type { DeviceFiles } from '../library';
import { isAbort } from '../library/failures';
import type { BackupIndex } from './backup-index';
import { BackupController } from './controller';
import { FileCopier } from './copy-attempt';
import { Deduplication } from './deduplication';
import { failureInfo } from './failures';
import { BufferGauge } from './hash-stream';
import type { BackupJournal } from './journal';
import type { BackupPlan, PlannedAsset, PlannedFile } from './planner';
import type { BackupProgress } from './progress';
import { DEFAULT_READ_AHEAD_BYTES, ReadAhead } from './read-ahead';
import { RunRecorder, type BackupResult, type CheckpointInterval, type FileOutcome } from './recorder';

export type { BackupResult, CheckpointInterval } from './recorder';

/**
 * Opens the phone's file service again after its connection broke (`failure`: reset, or silent past
 * the stall watchdog) and answers the new one. It may wait, for the phone to be unlocked say, telling
 * the person why through `waiting`; it gives up by throwing, and stops waiting once `signal` aborts.
 */
export type Reconnect = (
	failure: DeviceError,
	control: { signal: AbortSignal; waiting: (reason: DeviceError) => void },
) => Promise<DeviceFiles>;

/** Reconnections in a row without a file finished in between before the run stops: a phone that breaks every connection at once is not helped by more. */
export const MAX_RECONNECTS_WITHOUT_PROGRESS = 3;

export interface RunBackupOptions {
	files: DeviceFiles;
	/**
	 * Without it, a broken file connection stops the run (the next one resumes). With it, the engine
	 * reconnects and copies the interrupted file again from its start, as often as files get finished.
	 */
	reconnect?: Reconnect;
	folder: BackupFolder;
	plan: BackupPlan;
	journal: BackupJournal;
	/** What the backup holds (from `prepareBackup`); the run adds to it. */
	index: BackupIndex;
	/** Hashers for the bytes from the phone: `remoteHashers(…)` in the app, `inProcessHashers` in tests. */
	hashers: HasherFactory;
	/** Read every file back from the folder and compare before giving it its name (default true). */
	verify?: boolean;
	/** Hashers for the read-back check (default: in process; XXH3 costs less than moving the bytes). */
	verifyHashers?: HasherFactory;
	/** Pause, resume and cancel; one is made when absent. */
	control?: BackupController;
	/** Cancels too, like `control.cancel()`. */
	signal?: AbortSignal;
	onProgress?: (progress: BackupProgress) => void;
	/**
	 * The first bytes of each file as it is read, for a preview of what is being copied (an embedded
	 * thumbnail): `bytesFor` says how many to keep of a file (0: none), `take` gets a copy of them.
	 */
	fileHead?: { bytesFor: (devicePath: string) => number; take: (devicePath: string, head: Uint8Array) => void };
	/**
	 * Bytes the phone may send ahead of the folder (default 16 MiB): they keep the cable busy while a
	 * file is written, read back and named. Counted in `maxBytesHeld`.
	 */
	readAheadBytes?: number;
	/** At most one progress event per this many milliseconds, besides the first and last (default 250). */
	progressIntervalMs?: number;
	/** When the journal is written (default every 25 files or 5 s) and the manifest (every 500 files or 60 s). */
	checkpoints?: { journal?: Partial<CheckpointInterval>; manifest?: Partial<CheckpointInterval> };
	/** The clock, in milliseconds (default `Date.now`). */
	now?: () => number;
}

/**
 * Copies the planned files into the backup folder. Each file is streamed from the phone into a
 * temporary file while being hashed, read back and compared, and only then given its name and
 * recorded; the journal and the manifest are written at checkpoints and at the end. A file-level
 * failure is recorded and the run goes on; any other failure, or a cancel, stops it with the current
 * file's temporary copy removed and everything finished recorded. Never throws for those: the
 * outcome says how it ended. Throws only for a bug, or when the run cannot even start (the journal
 * cannot be written).
 */
export async function runBackup(options: RunBackupOptions): Promise<BackupResult> {
	return new BackupRun(options).run();
}

/**
 * The run loop: asset by asset, file by file, a copy with its retries, one file finished in the
 * background while the next comes from the phone. What it writes down is the recorder's
 * (`recorder.ts`); whether bytes are in the backup already, the deduplication's (`deduplication.ts`).
 */
class BackupRun {
	readonly #o: RunBackupOptions;
	readonly #control: BackupController;
	readonly #gauge = new BufferGauge();
	readonly #recorder: RunRecorder;
	readonly #readAhead: ReadAhead;
	#runId = 0;
	/** The phone's files: replaced by each reconnection. */
	#files: DeviceFiles;
	#reconnectsWithoutProgress = 0;
	readonly #copier: FileCopier;
	/** The phone paths of the planned files in the order the run copies them, and where each stands. */
	#order: string[] = [];
	readonly #orderIndex = new Map<string, number>();

	constructor(options: RunBackupOptions) {
		this.#o = options;
		this.#control = options.control ?? new BackupController();
		this.#files = options.files;
		const proceed = () => this.#control.proceed();
		this.#readAhead = new ReadAhead({ budget: options.readAheadBytes ?? DEFAULT_READ_AHEAD_BYTES, gauge: this.#gauge, proceed });
		this.#recorder = new RunRecorder({
			folder: options.folder,
			plan: options.plan,
			journal: options.journal,
			index: options.index,
			onProgress: options.onProgress,
			progressIntervalMs: options.progressIntervalMs,
			checkpoints: options.checkpoints,
			now: options.now ?? Date.now,
			finishingBytes: () => this.#copier.finishingBytes,
			maxBytesHeld: () => this.#gauge.maxHeld,
		});
		this.#copier = new FileCopier({
			folder: options.folder,
			hashers: options.hashers,
			verify: options.verify ?? true,
			verifyHashers: options.verifyHashers,
			fileHead: options.fileHead,
			control: this.#control,
			gauge: this.#gauge,
			readAhead: this.#readAhead,
			recorder: this.#recorder,
			dedup: new Deduplication({ folder: options.folder, index: options.index, hashers: options.hashers, proceed }),
			files: () => this.#files,
			nextFiles: (devicePath) => {
				const at = this.#orderIndex.get(devicePath);
				return at === undefined ? undefined : { order: this.#order, from: at + 1 };
			},
			reconnect: options.reconnect === undefined ? undefined : (failure) => this.#reconnect(failure, options.reconnect!),
			record: (planned, file, outcome) => this.#record(planned, file, outcome),
			onDriveLimit: (limit) => this.#setOrder(limit),
		});
	}

	get #progress(): BackupProgress {
		return this.#recorder.progress;
	}

	async run(): Promise<BackupResult> {
		const { plan, signal } = this.#o;
		this.#setOrder();
		this.#runId = await this.#recorder.start();

		const cancelFromSignal = () => this.#control.cancel(signal?.reason);
		if (signal?.aborted) cancelFromSignal();
		signal?.addEventListener('abort', cancelFromSignal);
		const stopListening = this.#control.onPauseChange((paused) => this.#pauseChanged(paused));
		try {
			for (const asset of plan.assets) {
				await this.#control.proceed();
				await this.#backUpAsset(asset);
			}
			await this.#copier.settle();
		} catch (error) {
			if (isAbort(error, this.#control.signal)) this.#recorder.cancelled();
			else if (isDeviceError(error)) this.#recorder.stop(error);
			else {
				await this.#recorder.finish().catch(() => undefined);
				throw error;
			}
		} finally {
			this.#readAhead.cancel();
			// Stopped or cancelled with a file still being checked: saved if it passes, else removed.
			await this.#copier.settle().catch(() => undefined);
			signal?.removeEventListener('abort', cancelFromSignal);
			stopListening();
		}
		return this.#recorder.finish();
	}

	/**
	 * The order in which the phone's files are read, for the read-ahead: without the files the folder's
	 * drive cannot hold (as planned, and past `driveHoldsAtMost` once the drive refused one), which are
	 * never read.
	 */
	#setOrder(driveHoldsAtMost = Number.POSITIVE_INFINITY): void {
		const readable = (file: PlannedFile) => !file.tooLargeForDrive && file.size <= driveHoldsAtMost;
		this.#order = this.#o.plan.assets.flatMap((asset) => asset.files.filter(readable).map((file) => file.devicePath));
		this.#orderIndex.clear();
		this.#order.forEach((path, at) => this.#orderIndex.set(path, at));
	}

	async #backUpAsset(planned: PlannedAsset): Promise<void> {
		const placed = await this.#place(planned);
		for (const file of planned.files) {
			await this.#control.proceed();
			const target = placed.get(file.devicePath);
			if (target === undefined) throw new Error(`No place was given for ${file.devicePath}.`);
			this.#progress.current = { devicePath: file.devicePath, path: target.path, bytesDone: 0, size: file.size };
			this.#recorder.emit(false);
			const outcome = await this.#copier.copy(planned, file, target);
			// Undefined: copied, and being read back and saved while the next file comes; recorded then.
			if (outcome !== undefined) this.#record(planned, file, outcome);
			this.#progress.current = undefined;
			await this.#recorder.maybeCheckpoint();
		}
		this.#progress.assets.done++;
		this.#recorder.emit(false);
	}


	/**
	 * Paths for the files to copy. A file the manifest records under its phone path has changed since
	 * (else it would not be planned): its new version gets its own path, never the old copy's.
	 */
	async #place(planned: PlannedAsset): Promise<Map<string, PlacedFile>> {
		const { folder } = this.#o;
		const { asset } = planned;
		const placement = await folder.placeAsset(asset, asset.captureDate);
		const byPath = new Map(placement.files.map((file) => [file.devicePath, file]));
		const newVersions = planned.files.filter((file) => byPath.get(file.devicePath)?.recorded !== false);
		if (newVersions.length > 0) {
			const versions = {
				id: `${asset.id}\u0000${this.#runId}`,
				baseName: asset.baseName,
				...(asset.originalName === undefined ? {} : { originalName: asset.originalName }),
				files: newVersions.map((file) => ({ path: file.devicePath, role: file.role })),
			};
			for (const file of (await folder.placeAsset(versions, asset.captureDate)).files) byPath.set(file.devicePath, file);
		}
		return byPath;
	}

	/**
	 * Opens the file service again; the run stops (with `failure`) after too many attempts in a row. A
	 * pulled cable is not counted: each is a wait for the phone with its own bound, ended by a person.
	 */
	async #reconnect(failure: DeviceError, reconnect: Reconnect): Promise<void> {
		if (failure.code !== 'unplugged' && ++this.#reconnectsWithoutProgress > MAX_RECONNECTS_WITHOUT_PROGRESS) throw failure;
		const progress = this.#progress;
		progress.phase = 'reconnecting';
		progress.waiting = failureInfo(failure);
		this.#recorder.emit(true);
		try {
			this.#files = await reconnect(failure, {
				signal: this.#control.signal,
				waiting: (reason) => {
					progress.waiting = failureInfo(reason);
					this.#recorder.emit(true);
				},
			});
		} finally {
			progress.phase = this.#control.paused ? 'paused' : 'copying';
			delete progress.waiting;
			this.#recorder.restartSpeed();
			this.#recorder.emit(true);
		}
	}

	#record(planned: PlannedAsset, file: PlannedFile, outcome: FileOutcome): void {
		this.#reconnectsWithoutProgress = 0;
		this.#recorder.record(planned, file, outcome);
		// Finished after a pause (it was already on its way): saved too, for whoever closes the tab now.
		if (this.#control.paused) this.#recorder.checkpoint(true).catch(() => undefined);
	}

	#pauseChanged(paused: boolean): void {
		this.#progress.phase = paused ? 'paused' : 'copying';
		if (!paused) this.#recorder.restartSpeed();
		this.#recorder.emit(true);
		// Someone who pauses may close the tab next: save what is done.
		if (paused) this.#recorder.checkpoint(true).catch(() => undefined);
	}
}

