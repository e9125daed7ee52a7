import { createManifest } from '../destination/manifest';
import type { BackupFolder, ManifestEntry } from '../destination/types';
import { DeviceError, isDeviceError } from '../errors';
import { fileKey, type RunOutcome } from '../store';
import type { BackupIndex } from './backup-index';
import { failureInfo, type FailureInfo } from './failures';
import type { BackupJournal, JournalRecord } from './journal';
import type { BackupPlan, PlannedAsset, PlannedFile } from './planner';
import { type BackupProgress, SpeedMeter } from './progress';

/** Checkpoint after this many files or seconds, whichever comes first. */
export interface CheckpointInterval {
	files: number;
	seconds: number;
}

export interface BackupResult {
	/**
	 * `complete`: every planned file was handled; `cancelled`: stopped by the person; `stopped`: a
	 * failure that is not about one file (see `error`) stopped it. In every case what was done is
	 * recorded and the next run goes on from there.
	 */
	outcome: Exclude<RunOutcome, 'running'>;
	error?: FailureInfo;
	runId: number;
	/** Files written to the folder. */
	copied: { files: number; bytes: number };
	/** Files whose bytes were already in the backup (renamed on the phone, copied before a crash): recorded, not stored again. */
	deduplicated: { devicePath: string; path: string }[];
	/** Files the phone could not give because they are only in iCloud. */
	inICloud: string[];
	/** Files that failed on their own; the next run tries them again. */
	failed: ({ devicePath: string } & FailureInfo)[];
	/** Files that changed while being read and were copied again. */
	redone: string[];
	/** The most bytes the engine held at once (read and not yet written and hashed). */
	maxBytesHeld: number;
}

/** A file's identity as read: it may differ from the plan's when the file changed meanwhile. */
export interface Identity {
	size: number;
	modifiedTime: number;
	birthTime: number;
}

/** A file kept in the folder: where, with which bytes, as which version of the phone's file. */
export interface Kept {
	path: string;
	sha256: string;
	identity: Identity;
	redone: boolean;
}

export type FileOutcome =
	| ({ kind: 'copied' } & Kept)
	| ({ kind: 'deduplicated' } & Kept)
	| { kind: 'in-icloud'; error: DeviceError }
	| { kind: 'failed'; error: DeviceError };

const DEFAULT_JOURNAL_CHECKPOINT: CheckpointInterval = { files: 25, seconds: 5 };
const DEFAULT_MANIFEST_CHECKPOINT: CheckpointInterval = { files: 500, seconds: 60 };

export interface RecorderOptions {
	folder: BackupFolder;
	plan: BackupPlan;
	journal: BackupJournal;
	index: BackupIndex;
	onProgress?: (progress: BackupProgress) => void;
	progressIntervalMs?: number;
	checkpoints?: { journal?: Partial<CheckpointInterval>; manifest?: Partial<CheckpointInterval> };
	now: () => number;
	/** Bytes of the file being read back and named, counted as done until it is recorded. */
	finishingBytes: () => number;
	/** The most bytes the run held, for the result. */
	maxBytesHeld: () => number;
}

/**
 * What a run writes down, in four places: the journal (the browser's), the index and the manifest
 * with `SHA256SUMS` (the folder's), the result (the caller's) and progress (the page's). It decides
 * when checkpoints are due, and says how the run ended.
 */
export class RunRecorder {
	readonly #o: RecorderOptions;
	readonly #journalEvery: CheckpointInterval;
	readonly #manifestEvery: CheckpointInterval;
	readonly #speed = new SpeedMeter();
	readonly result: BackupResult;
	readonly progress: BackupProgress;
	#lastEmit = Number.NEGATIVE_INFINITY;
	#journalMark: { files: number; at: number };
	#manifestMark: { files: number; at: number };
	#handledFiles = 0;
	/** Bytes of the files handled so far; the current file's bytes are added as they come. */
	#handledBytes = 0;
	#bytesTotal: number;
	#checkpointing: Promise<void> = Promise.resolve();

	constructor(options: RecorderOptions) {
		this.#o = options;
		this.#journalEvery = { ...DEFAULT_JOURNAL_CHECKPOINT, ...options.checkpoints?.journal };
		this.#manifestEvery = { ...DEFAULT_MANIFEST_CHECKPOINT, ...options.checkpoints?.manifest };
		const start = options.now();
		this.#journalMark = { files: 0, at: start };
		this.#manifestMark = { files: 0, at: start };
		this.result = { outcome: 'complete', runId: 0, copied: { files: 0, bytes: 0 }, deduplicated: [], inICloud: [], failed: [], redone: [], maxBytesHeld: 0 };
		const { total } = options.plan;
		this.#bytesTotal = total.bytes;
		this.progress = {
			phase: 'copying',
			assets: { done: 0, total: total.assets },
			files: { done: 0, total: total.files },
			bytes: { done: 0, total: total.bytes },
			current: undefined,
			bytesPerSecond: undefined,
			secondsLeft: undefined,
			copied: 0,
			deduplicated: 0,
			inICloud: 0,
			failed: 0,
		};
	}

	/**
	 * Opens the run in the journal with every planned file, but those the folder's drive refused as too
	 * large: their rows stay as failed, so that a run cut short still knows not to read them.
	 */
	async start(): Promise<number> {
		const { plan, journal } = this.#o;
		const planned = plan.assets.flatMap((asset) => asset.files.filter((file) => !file.tooLargeForDrive).map((file) => plannedRecord(asset, file)));
		this.result.runId = await journal.startRun(planned);
		this.restartSpeed();
		this.emit(true);
		return this.result.runId;
	}

	/** A file turned out another size than planned: the total follows. */
	resized(by: number): void {
		this.#bytesTotal += by;
	}

	/** The speed is measured afresh (after a pause, a reconnection). */
	restartSpeed(): void {
		this.#speed.reset(this.#o.now());
	}

	/** `bytes` more of the current file came from the phone. */
	moved(bytes: number): void {
		this.#speed.add(bytes, this.#o.now());
		if (this.progress.current !== undefined) this.progress.current.bytesDone += bytes;
		this.emit(false);
	}

	record(planned: PlannedAsset, file: PlannedFile, outcome: FileOutcome): void {
		const { journal, index } = this.#o;
		const base = plannedRecord(planned, file);
		const { progress, result } = this;
		progress.files.done++;
		this.#handledFiles++;
		if (outcome.kind === 'copied' || outcome.kind === 'deduplicated') {
			const { identity, path, sha256 } = outcome;
			const key = fileKey(file.devicePath, identity.size, identity.modifiedTime);
			const backedUpAt = new Date(this.#o.now()).toISOString();
			const record: JournalRecord = { ...base, key, ...identity, state: 'done', sha256, path, backedUpAt, runId: result.runId };
			journal.record(record);
			if (key !== base.key) journal.forget(base.key);
			index.add({
				devicePath: file.devicePath,
				assetId: planned.asset.id,
				size: identity.size,
				modifiedTime: identity.modifiedTime,
				birthTime: identity.birthTime,
				capturedAt: planned.capturedAt,
				sha256,
				path,
				backedUpAt,
				...photosFacts(planned),
			});
			if (outcome.redone) result.redone.push(file.devicePath);
			if (outcome.kind === 'copied') {
				result.copied.files++;
				result.copied.bytes += identity.size;
				progress.copied++;
			} else {
				result.deduplicated.push({ devicePath: file.devicePath, path });
				progress.deduplicated++;
			}
			this.#handledBytes += identity.size;
		} else {
			const info = failureInfo(outcome.error);
			journal.record({ ...base, state: outcome.kind, error: { code: info.code, message: info.message }, runId: result.runId });
			if (outcome.kind === 'in-icloud') {
				result.inICloud.push(file.devicePath);
				progress.inICloud++;
			} else {
				result.failed.push({ devicePath: file.devicePath, ...info });
				progress.failed++;
			}
			this.#handledBytes += file.size;
		}
		// Recorded while another file is being copied, it leaves that one's count alone.
		if (progress.current?.devicePath === file.devicePath) progress.current.bytesDone = 0;
		this.emit(false);
	}

	/** Writes the journal and, when due, the manifest, after a file. */
	async maybeCheckpoint(): Promise<void> {
		const at = this.#o.now();
		const due = (mark: { files: number; at: number }, every: CheckpointInterval) =>
			this.#handledFiles - mark.files >= every.files || at - mark.at >= every.seconds * 1000;
		if (due(this.#manifestMark, this.#manifestEvery)) await this.checkpoint(true);
		else if (due(this.#journalMark, this.#journalEvery)) await this.checkpoint(false);
	}

	/** Writes the journal, and the manifest (with SHA256SUMS) when `manifest`. */
	checkpoint(manifest: boolean): Promise<void> {
		const next = this.#checkpointing.catch(() => undefined).then(async () => {
			const mark = { files: this.#handledFiles, at: this.#o.now() };
			// Each record is written even when the other fails: either alone lets the next run resume.
			const [journal, drive] = await Promise.allSettled([this.#o.journal.flush(), manifest ? this.#writeManifest(mark.at) : Promise.resolve()]);
			if (journal.status === 'fulfilled') this.#journalMark = mark;
			if (manifest && drive.status === 'fulfilled') this.#manifestMark = mark;
			if (journal.status === 'rejected') throw journal.reason;
			if (drive.status === 'rejected') throw drive.reason;
		});
		this.#checkpointing = next;
		return next;
	}

	/** A failure that is not about one file stopped the run. */
	stop(error: DeviceError): void {
		this.result.outcome = 'stopped';
		this.result.error = failureInfo(error);
	}

	cancelled(): void {
		this.result.outcome = 'cancelled';
	}

	/** The last checkpoint and the run's record. When the drive or the database fails here, the run is stopped, not complete. */
	async finish(): Promise<BackupResult> {
		const { result } = this;
		this.progress.current = undefined;
		try {
			await this.checkpoint(true);
		} catch (error) {
			if (result.outcome === 'complete') {
				this.stop(isDeviceError(error) ? error : new DeviceError('folder-failed', 'The backup’s record could not be saved.', { cause: error }));
			}
		}
		const { outcome, error, copied, deduplicated, inICloud, failed } = result;
		await this.#o.journal
			.finishRun(result.runId, {
				outcome,
				copied: { ...copied },
				deduplicated: deduplicated.length,
				inICloud: inICloud.length,
				failed: failed.length,
				...(error === undefined ? {} : { error }),
			})
			.catch((failure: unknown) => {
				if (result.outcome === 'complete' && isDeviceError(failure)) this.stop(failure);
			});
		result.maxBytesHeld = this.#o.maxBytesHeld();
		this.progress.phase = 'finished';
		this.emit(true);
		return result;
	}

	/** Sends progress: at once when `force`, else at most once per interval. */
	emit(force: boolean): void {
		const { onProgress } = this.#o;
		if (onProgress === undefined) return;
		const at = this.#o.now();
		if (!force && at - this.#lastEmit < (this.#o.progressIntervalMs ?? 250)) return;
		this.#lastEmit = at;
		const { progress } = this;
		progress.bytes = { done: this.#handledBytes + this.#o.finishingBytes() + (progress.current?.bytesDone ?? 0), total: this.#bytesTotal };
		const speed = this.#speed.bytesPerSecond;
		progress.bytesPerSecond = speed;
		progress.secondsLeft = speed === undefined || speed <= 0 ? undefined : Math.max(0, progress.bytes.total - progress.bytes.done) / speed;
		onProgress(structuredClone(progress));
	}

	#writeManifest(at: number): Promise<void> {
		const { folder, index } = this.#o;
		return folder.writeManifest(createManifest(folder.device, index.entries(), new Date(at)));
	}
}

/** What the manifest records of the Photos app's view of a file's item: its albums, and whether it is a favourite. */
function photosFacts(planned: PlannedAsset): Pick<ManifestEntry, 'albums' | 'favorite'> {
	const photos = planned.asset.photos;
	if (photos === undefined) return {};
	return { ...(photos.albums.length > 0 ? { albums: [...photos.albums] } : {}), ...(photos.favorite ? { favorite: true as const } : {}) };
}

/** The journal's `planned` row of a file. */
function plannedRecord(asset: PlannedAsset, file: PlannedFile): JournalRecord {
	return {
		key: file.key,
		devicePath: file.devicePath,
		assetId: asset.asset.id,
		size: file.size,
		modifiedTime: file.modifiedTime,
		birthTime: file.birthTime,
		capturedAt: asset.capturedAt,
		state: 'planned',
	};
}
