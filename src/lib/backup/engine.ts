import { createManifest } from '../destination/manifest';
import type { BackupFolder, PendingFile, PlacedFile } from '../destination/types';
import { DeviceError, isDeviceError } from '../errors';
import { type HasherFactory, inProcessHashers } from '../hash';
import type { DeviceFiles } from '../library';
import { isAbort } from '../library/failures';
import { fileKey, type RunOutcome } from '../store';
import type { BackupIndex } from './backup-index';
import { BackupController } from './controller';
import { BufferGauge, pumpFile, readBackMatches } from './copy-file';
import { DEFAULT_READ_AHEAD_BYTES, ReadAhead } from './read-ahead';
import { failureInfo, type FailureInfo, failureScope, fileChangedError, isConnectionLoss, sizeMismatchError, verifyFailedError } from './failures';
import type { BackupJournal, JournalRecord } from './journal';
import type { BackupPlan, PlannedAsset, PlannedFile } from './planner';
import { type BackupProgress, SpeedMeter } from './progress';

/** Checkpoint after this many files or seconds, whichever comes first. */
export interface CheckpointInterval {
	files: number;
	seconds: number;
}

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

const DEFAULT_JOURNAL_CHECKPOINT: CheckpointInterval = { files: 25, seconds: 5 };
const DEFAULT_MANIFEST_CHECKPOINT: CheckpointInterval = { files: 500, seconds: 60 };

/** A file's identity as read: it may differ from the plan's when the file changed meanwhile. */
interface Identity {
	size: number;
	modifiedTime: number;
	birthTime: number;
}

interface Kept {
	path: string;
	sha256: string;
	identity: Identity;
	redone: boolean;
}

/** A file copied whole into its temporary file, being read back and given its name. */
interface Finishing {
	planned: PlannedAsset;
	file: PlannedFile;
	target: PlacedFile;
	bytes: number;
	/** Resolves once the file is saved under its name; rejects with why it was not (its temporary file removed). */
	saved: Promise<Kept>;
}

type FileOutcome =
	| ({ kind: 'copied' } & Kept)
	| ({ kind: 'deduplicated' } & Kept)
	| { kind: 'in-icloud'; error: DeviceError }
	| { kind: 'failed'; error: DeviceError };

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

class BackupRun {
	readonly #o: RunBackupOptions;
	readonly #control: BackupController;
	readonly #now: () => number;
	readonly #verify: boolean;
	readonly #gauge = new BufferGauge();
	readonly #speed = new SpeedMeter();
	readonly #journalEvery: CheckpointInterval;
	readonly #manifestEvery: CheckpointInterval;
	readonly #result: BackupResult;
	readonly #progress: BackupProgress;
	#runId = 0;
	#lastEmit = Number.NEGATIVE_INFINITY;
	#journalMark: { files: number; at: number };
	#manifestMark: { files: number; at: number };
	#handledFiles = 0;
	/** Bytes of the files handled so far; the current file's bytes are added as they come. */
	#handledBytes = 0;
	#bytesTotal: number;
	/** The phone's files: replaced by each reconnection. */
	#files: DeviceFiles;
	#reconnectsWithoutProgress = 0;
	#checkpointing: Promise<void> = Promise.resolve();
	readonly #readAhead: ReadAhead;
	/** The last file copied, being read back and saved while the next one comes from the phone. */
	#finishing: Finishing | undefined;
	/** The phone paths of the planned files in the order the run copies them, and where each stands. */
	#order: string[] = [];
	readonly #orderIndex = new Map<string, number>();

	constructor(options: RunBackupOptions) {
		this.#o = options;
		this.#control = options.control ?? new BackupController();
		this.#files = options.files;
		this.#readAhead = new ReadAhead({
			budget: options.readAheadBytes ?? DEFAULT_READ_AHEAD_BYTES,
			gauge: this.#gauge,
			proceed: () => this.#control.proceed(),
		});
		this.#now = options.now ?? Date.now;
		this.#verify = options.verify ?? true;
		this.#journalEvery = { ...DEFAULT_JOURNAL_CHECKPOINT, ...options.checkpoints?.journal };
		this.#manifestEvery = { ...DEFAULT_MANIFEST_CHECKPOINT, ...options.checkpoints?.manifest };
		const start = this.#now();
		this.#journalMark = { files: 0, at: start };
		this.#manifestMark = { files: 0, at: start };
		this.#result = {
			outcome: 'complete',
			runId: 0,
			copied: { files: 0, bytes: 0 },
			deduplicated: [],
			inICloud: [],
			failed: [],
			redone: [],
			maxBytesHeld: 0,
		};
		const { total } = options.plan;
		this.#bytesTotal = total.bytes;
		this.#progress = {
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

	async run(): Promise<BackupResult> {
		const { plan, journal, signal } = this.#o;
		const planned = plan.assets.flatMap((asset) => asset.files.map((file) => plannedRecord(asset, file)));
		this.#order = plan.assets.flatMap((asset) => asset.files.map((file) => file.devicePath));
		this.#order.forEach((path, at) => this.#orderIndex.set(path, at));
		this.#runId = this.#result.runId = await journal.startRun(planned);

		const cancelFromSignal = () => this.#control.cancel(signal?.reason);
		if (signal?.aborted) cancelFromSignal();
		signal?.addEventListener('abort', cancelFromSignal);
		const stopListening = this.#control.onPauseChange((paused) => this.#pauseChanged(paused));
		this.#speed.reset(this.#now());
		this.#emit(true);
		try {
			for (const asset of plan.assets) {
				await this.#control.proceed();
				await this.#backUpAsset(asset);
			}
			await this.#settleFinishing();
		} catch (error) {
			if (isAbort(error, this.#control.signal)) this.#result.outcome = 'cancelled';
			else if (isDeviceError(error)) this.#stop(error);
			else {
				await this.#finish().catch(() => undefined);
				throw error;
			}
		} finally {
			this.#readAhead.cancel();
			// Stopped or cancelled with a file still being checked: saved if it passes, else removed.
			await this.#settleFinishing().catch(() => undefined);
			signal?.removeEventListener('abort', cancelFromSignal);
			stopListening();
		}
		await this.#finish();
		return this.#result;
	}

	async #backUpAsset(planned: PlannedAsset): Promise<void> {
		const placed = await this.#place(planned);
		for (const file of planned.files) {
			await this.#control.proceed();
			const target = placed.get(file.devicePath);
			if (target === undefined) throw new Error(`No place was given for ${file.devicePath}.`);
			this.#progress.current = { devicePath: file.devicePath, path: target.path, bytesDone: 0, size: file.size };
			this.#emit(false);
			const outcome = await this.#copy(planned, file, target);
			// Undefined: copied, and being read back and saved while the next file comes; recorded then.
			if (outcome !== undefined) this.#record(planned, file, outcome);
			this.#progress.current = undefined;
			await this.#maybeCheckpoint();
		}
		this.#progress.assets.done++;
		this.#emit(false);
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
			const versions = { id: `${asset.id}\u0000${this.#runId}`, baseName: asset.baseName, files: newVersions.map((file) => ({ path: file.devicePath, role: file.role })) };
			for (const file of (await folder.placeAsset(versions, asset.captureDate)).files) byPath.set(file.devicePath, file);
		}
		return byPath;
	}

	/**
	 * Copies one file, trying again after a lost connection, a bad read-back or a changed length. The
	 * first attempt leaves the read-back and the naming to the background (`#finishing`) and returns
	 * undefined; the outcome is recorded when they are done. `redone`: this is already the second try.
	 */
	async #copy(planned: PlannedAsset, file: PlannedFile, target: PlacedFile, redone = false): Promise<FileOutcome | undefined> {
		let identity: Identity = { size: file.size, modifiedTime: file.modifiedTime, birthTime: file.birthTime };
		/** What the phone said before the last look, to tell a file that changed from one it lies about. */
		let stated: Identity | undefined;
		for (;;) {
			try {
				// Only a first try is left to finish in the background: a second one is seen through here.
				const finishLater = redone ? undefined : { planned, file, identity };
				const copied = await this.#copyOnce(file.devicePath, identity, target, finishLater);
				if (copied === undefined) return undefined;
				if (!('wrongSize' in copied)) return { ...copied, identity, redone };
				if (redone) {
					// Described alike twice, another length twice: the phone contradicts itself.
					if (sameIdentity(identity, stated)) throw sizeMismatchError(file.devicePath, identity.size, copied.wrongSize);
					throw fileChangedError(file.devicePath);
				}
				redone = true;
				const info = await this.#files.stat(file.devicePath);
				stated = identity;
				this.#bytesTotal += info.size - identity.size;
				identity = { size: info.size, modifiedTime: info.modifiedTime, birthTime: info.birthTime };
			} catch (error) {
				if (isConnectionLoss(error) && this.#o.reconnect !== undefined) {
					// The temporary copy is gone with the attempt: the file starts over on the new connection.
					await this.#reconnect(error, this.#o.reconnect);
					continue;
				}
				if (failureScope(error) !== 'file') throw error;
				if (isDeviceError(error, 'verify-failed') && !redone) {
					redone = true;
					continue;
				}
				const failure = error as DeviceError;
				return failure.code === 'file-unreadable' ? { kind: 'in-icloud', error: failure } : { kind: 'failed', error: failure };
			}
		}
	}

	/**
	 * One attempt: stream, hash, check, name. `wrongSize` (the bytes it gave) when the phone gave another
	 * length than expected. With `finishLater`, a new copy's read-back and naming are left to
	 * `#finishing` (undefined is returned), after the file before it was settled.
	 */
	async #copyOnce(
		devicePath: string,
		identity: Identity,
		target: PlacedFile,
		finishLater?: { planned: PlannedAsset; file: PlannedFile; identity: Identity },
	): Promise<{ kind: 'copied' | 'deduplicated'; path: string; sha256: string } | { wrongSize: number } | undefined> {
		const { folder, hashers } = this.#o;
		const files = this.#files;
		const proceed = () => this.#control.proceed();
		const current = this.#progress.current;
		if (current !== undefined) {
			current.bytesDone = 0;
			current.size = identity.size;
		}
		// The phone goes on to the next files as soon as it has given this one.
		const at = this.#orderIndex.get(devicePath);
		const startNext = () => {
			if (at !== undefined) this.#readAhead.start(files, this.#order, at + 1);
		};
		const source = this.#readAhead.read(files, devicePath);
		let pending: PendingFile;
		try {
			pending = await folder.createFile(target.path);
		} catch (error) {
			void source.cancel().catch(() => undefined);
			throw error;
		}
		let kept = false;
		try {
			const pumped = await pumpFile(source, identity.size, pending, {
				hashers,
				verify: this.#verify,
				proceed,
				signal: this.#control.signal,
				gauge: this.#gauge,
				onBytes: (bytes) => this.#moved(bytes),
				head: this.#headOf(devicePath),
				onAllRead: startNext,
			});
			if (pumped.bytes !== identity.size) return { wrongSize: pumped.bytes };
			// The phone sends the next file while this one is checked on disk and saved.
			startNext();
			// The file before this one is recorded first: its bytes may be these (a duplicate on the phone).
			await this.#settleFinishing();
			const sha256 = pumped.digests.sha256!;
			const existing = (await this.#recordedCopy(sha256, identity.size)) ?? (await this.#earlierCopy(target, sha256, identity.size));
			if (existing !== undefined) return { kind: 'deduplicated', path: existing, sha256 };
			const check = pumped.digests['xxh3-128'];
			kept = true;
			const saved = this.#save(pending, { bytes: pumped.bytes, check }, target.path).then(() => ({ path: target.path, sha256, identity, redone: false }));
			if (finishLater === undefined) {
				await saved;
				return { kind: 'copied', path: target.path, sha256 };
			}
			saved.catch(() => undefined); // seen by #settleFinishing
			this.#finishing = { ...finishLater, target, bytes: identity.size, saved };
			return undefined;
		} finally {
			if (!kept) await pending.abort().catch(() => undefined);
		}
	}

	/** Reads the temporary file back and compares it, then gives it its name; removes it when either fails. */
	async #save(pending: PendingFile, written: { bytes: number; check: string | undefined }, path: string): Promise<void> {
		try {
			if (this.#verify) {
				const hashers = this.#o.verifyHashers ?? inProcessHashers;
				const proceed = () => this.#control.proceed();
				const check = { bytes: written.bytes, check: written.check! };
				if (!(await readBackMatches(pending, check, { hashers, proceed, gauge: this.#gauge }))) throw verifyFailedError(path);
			}
			await pending.commit();
		} catch (error) {
			await pending.abort().catch(() => undefined);
			throw error;
		}
	}

	/**
	 * Waits for the file being finished and records it. A bad read-back copies it again, to the end,
	 * before anything else; another failure of that file is recorded as its own; a failure of the
	 * folder or the run is thrown.
	 */
	async #settleFinishing(): Promise<void> {
		const finishing = this.#finishing;
		if (finishing === undefined) return;
		const { planned, file, target } = finishing;
		let outcome: FileOutcome | undefined;
		try {
			outcome = { kind: 'copied', ...(await finishing.saved) };
		} catch (error) {
			this.#finishing = undefined;
			if (failureScope(error) !== 'file') throw error;
			if (isDeviceError(error, 'verify-failed')) outcome = await this.#copy(planned, file, target, true);
			else outcome = { kind: 'failed', error: error as DeviceError };
		}
		// Its bytes count as done until here (progress never goes back), then as handled.
		this.#finishing = undefined;
		this.#record(planned, file, outcome!);
	}

	#headOf(devicePath: string): { bytes: number; take: (head: Uint8Array) => void } | undefined {
		const wanted = this.#o.fileHead;
		if (wanted === undefined) return undefined;
		return {
			bytes: wanted.bytesFor(devicePath),
			take: (head) => {
				wanted.take(devicePath, head);
				// Shown now, not at the next chunk: on a slow cable that may be the end of the file.
				this.#emit(true);
			},
		};
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
		this.#emit(true);
		try {
			this.#files = await reconnect(failure, {
				signal: this.#control.signal,
				waiting: (reason) => {
					progress.waiting = failureInfo(reason);
					this.#emit(true);
				},
			});
		} finally {
			progress.phase = this.#control.paused ? 'paused' : 'copying';
			delete progress.waiting;
			this.#speed.reset(this.#now());
			this.#emit(true);
		}
	}

	/** Where the backup already holds these bytes (the same file renamed on the phone), if that file is still there. */
	async #recordedCopy(sha256: string, size: number): Promise<string | undefined> {
		const path = this.#o.index.pathOfContent(sha256, size);
		if (path === undefined) return undefined;
		// Someone may have deleted or replaced the file in the folder: then this copy is needed after all.
		return (await this.#o.folder.stat(path))?.size === size ? path : undefined;
	}

	/**
	 * The file the destination found where this one would have gone with its plain name, when its bytes
	 * are these: a copy made by a run that ended before it could record it.
	 */
	async #earlierCopy(target: PlacedFile, sha256: string, size: number): Promise<string | undefined> {
		const path = target.possibleEarlierCopy;
		if (path === undefined) return undefined;
		const { folder, hashers } = this.#o;
		const found = await folder.stat(path);
		if (found === undefined || found.size !== size) return undefined;
		const hasher = await hashers(['sha256']);
		const reader = (await folder.readFile(path)).getReader();
		try {
			for (;;) {
				await this.#control.proceed();
				const { done, value } = await reader.read();
				if (done) break;
				await hasher.update(value);
			}
			const digest = (await hasher.digest()).sha256;
			if (digest === undefined) return undefined;
			this.#o.index.addContent(path, digest, size);
			return digest === sha256 ? path : undefined;
		} catch (error) {
			hasher.discard();
			if (failureScope(error) === 'file') return undefined; // unreadable: not a usable copy
			throw error;
		} finally {
			void reader.cancel().catch(() => undefined);
		}
	}

	#record(planned: PlannedAsset, file: PlannedFile, outcome: FileOutcome): void {
		const { journal, index } = this.#o;
		const base = plannedRecord(planned, file);
		const progress = this.#progress;
		progress.files.done++;
		this.#handledFiles++;
		this.#reconnectsWithoutProgress = 0;
		if (outcome.kind === 'copied' || outcome.kind === 'deduplicated') {
			const { identity, path, sha256 } = outcome;
			const key = fileKey(file.devicePath, identity.size, identity.modifiedTime);
			const backedUpAt = new Date(this.#now()).toISOString();
			const record: JournalRecord = { ...base, key, ...identity, state: 'done', sha256, path, backedUpAt, runId: this.#runId };
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
			});
			if (outcome.redone) this.#result.redone.push(file.devicePath);
			if (outcome.kind === 'copied') {
				this.#result.copied.files++;
				this.#result.copied.bytes += identity.size;
				progress.copied++;
			} else {
				this.#result.deduplicated.push({ devicePath: file.devicePath, path });
				progress.deduplicated++;
			}
			this.#handledBytes += identity.size;
		} else {
			const info = failureInfo(outcome.error);
			journal.record({ ...base, state: outcome.kind, error: { code: info.code, message: info.message }, runId: this.#runId });
			if (outcome.kind === 'in-icloud') {
				this.#result.inICloud.push(file.devicePath);
				progress.inICloud++;
			} else {
				this.#result.failed.push({ devicePath: file.devicePath, ...info });
				progress.failed++;
			}
			this.#handledBytes += file.size;
		}
		// Recorded while another file is being copied, it leaves that one's count alone.
		if (progress.current?.devicePath === file.devicePath) progress.current.bytesDone = 0;
		this.#emit(false);
		// Finished after a pause (it was already on its way): saved too, for whoever closes the tab now.
		if (this.#control.paused) this.#checkpoint(true).catch(() => undefined);
	}

	#moved(bytes: number): void {
		const at = this.#now();
		this.#speed.add(bytes, at);
		if (this.#progress.current !== undefined) this.#progress.current.bytesDone += bytes;
		this.#emit(false);
	}

	async #maybeCheckpoint(): Promise<void> {
		const at = this.#now();
		const due = (mark: { files: number; at: number }, every: CheckpointInterval) =>
			this.#handledFiles - mark.files >= every.files || at - mark.at >= every.seconds * 1000;
		if (due(this.#manifestMark, this.#manifestEvery)) await this.#checkpoint(true);
		else if (due(this.#journalMark, this.#journalEvery)) await this.#checkpoint(false);
	}

	/** Writes the journal, and the manifest (with SHA256SUMS) when `manifest`. */
	#checkpoint(manifest: boolean): Promise<void> {
		const next = this.#checkpointing.catch(() => undefined).then(async () => {
			const mark = { files: this.#handledFiles, at: this.#now() };
			// Each record is written even when the other fails: either alone lets the next run resume.
			const [journal, drive] = await Promise.allSettled([
				this.#o.journal.flush(),
				manifest ? this.#writeManifest(mark.at) : Promise.resolve(),
			]);
			if (journal.status === 'fulfilled') this.#journalMark = mark;
			if (manifest && drive.status === 'fulfilled') this.#manifestMark = mark;
			if (journal.status === 'rejected') throw journal.reason;
			if (drive.status === 'rejected') throw drive.reason;
		});
		this.#checkpointing = next;
		return next;
	}

	#writeManifest(at: number): Promise<void> {
		const { folder, index } = this.#o;
		return folder.writeManifest(createManifest(folder.device, index.entries(), new Date(at)));
	}

	#pauseChanged(paused: boolean): void {
		this.#progress.phase = paused ? 'paused' : 'copying';
		if (!paused) this.#speed.reset(this.#now());
		this.#emit(true);
		// Someone who pauses may close the tab next: save what is done.
		if (paused) this.#checkpoint(true).catch(() => undefined);
	}

	#stop(error: DeviceError): void {
		this.#result.outcome = 'stopped';
		this.#result.error = failureInfo(error);
	}

	/** The last checkpoint and the run's record. When the drive or the database fails here, the run is stopped, not complete. */
	async #finish(): Promise<void> {
		this.#progress.current = undefined;
		try {
			await this.#checkpoint(true);
		} catch (error) {
			if (this.#result.outcome === 'complete') {
				this.#stop(isDeviceError(error) ? error : new DeviceError('folder-failed', 'The backup’s record could not be saved.', { cause: error }));
			}
		}
		const { outcome, error, copied, deduplicated, inICloud, failed } = this.#result;
		await this.#o.journal
			.finishRun(this.#runId, {
				outcome,
				copied: { ...copied },
				deduplicated: deduplicated.length,
				inICloud: inICloud.length,
				failed: failed.length,
				...(error === undefined ? {} : { error }),
			})
			.catch((failure: unknown) => {
				if (this.#result.outcome === 'complete' && isDeviceError(failure)) this.#stop(failure);
			});
		this.#result.maxBytesHeld = this.#gauge.maxHeld;
		this.#progress.phase = 'finished';
		this.#emit(true);
	}

	#emit(force: boolean): void {
		const { onProgress } = this.#o;
		if (onProgress === undefined) return;
		const at = this.#now();
		if (!force && at - this.#lastEmit < (this.#o.progressIntervalMs ?? 250)) return;
		this.#lastEmit = at;
		const progress = this.#progress;
		const finishing = this.#finishing?.bytes ?? 0;
		progress.bytes = { done: this.#handledBytes + finishing + (progress.current?.bytesDone ?? 0), total: this.#bytesTotal };
		const speed = this.#speed.bytesPerSecond;
		progress.bytesPerSecond = speed;
		progress.secondsLeft = speed === undefined || speed <= 0 ? undefined : Math.max(0, progress.bytes.total - progress.bytes.done) / speed;
		onProgress(structuredClone(progress));
	}
}

function sameIdentity(a: Identity, b: Identity | undefined): boolean {
	return b !== undefined && a.size === b.size && a.modifiedTime === b.modifiedTime && a.birthTime === b.birthTime;
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
