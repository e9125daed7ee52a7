import { fileTooLargeError } from '../destination/file-size-limit';
import type { BackupFolder, PendingFile, PlacedFile } from '../destination/types';
import { type DeviceError, isDeviceError } from '../errors';
import { type HasherFactory, inProcessHashers } from '../hash';
import type { DeviceFiles } from '../library';
import type { BackupController } from './controller';
import { pumpFile, readBackMatches } from './copy-file';
import type { Deduplication } from './deduplication';
import { failureScope, fileChangedError, isConnectionLoss, sizeMismatchError, verifyFailedError } from './failures';
import type { BufferGauge } from './hash-stream';
import type { PlannedAsset, PlannedFile } from './planner';
import type { ReadAhead } from './read-ahead';
import type { FileOutcome, Identity, Kept, RunRecorder } from './recorder';

export interface FileCopierOptions {
	folder: BackupFolder;
	hashers: HasherFactory;
	/** Read every file back from the folder and compare before giving it its name. */
	verify: boolean;
	verifyHashers?: HasherFactory;
	fileHead?: { bytesFor: (devicePath: string) => number; take: (devicePath: string, head: Uint8Array) => void };
	control: BackupController;
	gauge: BufferGauge;
	readAhead: ReadAhead;
	recorder: RunRecorder;
	dedup: Deduplication;
	/** The phone's files as they are now (a reconnection replaces them). */
	files(): DeviceFiles;
	/** The run's order, and where the files after `devicePath` start in it, for the read-ahead. */
	nextFiles(devicePath: string): { order: readonly string[]; from: number } | undefined;
	/** Opens the way to the phone again after `failure`; absent, a lost connection stops the run. */
	reconnect?: (failure: DeviceError) => Promise<void>;
	/** A file's outcome, to write down. */
	record(planned: PlannedAsset, file: PlannedFile, outcome: FileOutcome): void;
	/** The folder's drive refused a file as too large: files past `limit` bytes are not to be read any more. */
	onDriveLimit(limit: number): void;
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

/**
 * Copies files one attempt at a time, with the retries each needs: after a lost connection (from the
 * start, on the new one), a bad read-back, or a length other than planned. A first attempt leaves its
 * read-back and naming to the background while the next file comes from the phone; the file before is
 * settled and recorded before a new one is compared with the backup, as its bytes may be these.
 */
export class FileCopier {
	readonly #o: FileCopierOptions;
	/** The last file copied, being read back and saved while the next one comes from the phone. */
	#finishing: Finishing | undefined;
	/** Bytes one file may hold on the folder's drive, once a file was refused as too large. */
	#driveHoldsAtMost: number | undefined;

	constructor(options: FileCopierOptions) {
		this.#o = options;
	}

	/** Bytes of the file being finished in the background. */
	get finishingBytes(): number {
		return this.#finishing?.bytes ?? 0;
	}

	/**
	 * Copies one file, trying again after a lost connection, a bad read-back or a changed length. The
	 * first attempt leaves the read-back and the naming to the background (`#finishing`) and returns
	 * undefined; the outcome is recorded when they are done. `redone`: this is already the second try.
	 */
	async copy(planned: PlannedAsset, file: PlannedFile, target: PlacedFile, redone = false): Promise<FileOutcome | undefined> {
		// The drive refused a file this large, in this run or an earlier one: the phone is not asked for
		// gigabytes that cannot be stored.
		if (file.tooLargeForDrive || (this.#driveHoldsAtMost !== undefined && file.size > this.#driveHoldsAtMost)) {
			return { kind: 'failed', error: fileTooLargeError(target.path, file.size) };
		}
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
				const info = await this.#o.files().stat(file.devicePath);
				stated = identity;
				this.#o.recorder.resized(info.size - identity.size);
				identity = { size: info.size, modifiedTime: info.modifiedTime, birthTime: info.birthTime };
			} catch (error) {
				if (isConnectionLoss(error) && this.#o.reconnect !== undefined) {
					// The temporary copy is gone with the attempt: the file starts over on the new connection.
					await this.#o.reconnect(error);
					continue;
				}
				if (failureScope(error) !== 'file') throw error;
				if (isDeviceError(error, 'verify-failed') && !redone) {
					redone = true;
					continue;
				}
				const failure = error as DeviceError;
				if (failure.code === 'file-too-large-for-drive') {
					this.#driveHoldsAtMost = this.#o.folder.fileSizeLimit;
					this.#o.onDriveLimit(this.#driveHoldsAtMost);
					// The folder knew the path; the size, which the person needs to know, is the file's.
					return { kind: 'failed', error: fileTooLargeError(target.path, identity.size, failure.cause) };
				}
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
		const files = this.#o.files();
		const proceed = () => this.#o.control.proceed();
		const current = this.#o.recorder.progress.current;
		if (current !== undefined) {
			current.bytesDone = 0;
			current.size = identity.size;
		}
		// The phone goes on to the next files as soon as it has given this one.
		const next = this.#o.nextFiles(devicePath);
		const startNext = () => {
			if (next !== undefined) this.#o.readAhead.start(files, next.order, next.from);
		};
		const source = this.#o.readAhead.read(files, devicePath);
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
				verify: this.#o.verify,
				proceed,
				signal: this.#o.control.signal,
				gauge: this.#o.gauge,
				onBytes: (bytes) => this.#o.recorder.moved(bytes),
				head: this.#headOf(devicePath),
				onAllRead: startNext,
			});
			if (pumped.bytes !== identity.size) return { wrongSize: pumped.bytes };
			// The phone sends the next file while this one is checked on disk and saved.
			startNext();
			// The file before this one is recorded first: its bytes may be these (a duplicate on the phone).
			await this.settle();
			const sha256 = pumped.digests.sha256!;
			const existing = await this.#o.dedup.existing(target, sha256, identity.size);
			if (existing !== undefined) return { kind: 'deduplicated', path: existing, sha256 };
			const check = pumped.digests['xxh3-128'];
			kept = true;
			const saved = this.#save(pending, { bytes: pumped.bytes, check }, target.path).then(() => {
				// Read back and compared before it was named: its bytes are known, not just recorded.
				this.#o.dedup.written(target.path, identity.size, sha256);
				return { path: target.path, sha256, identity, redone: false };
			});
			if (finishLater === undefined) {
				await saved;
				return { kind: 'copied', path: target.path, sha256 };
			}
			saved.catch(() => undefined); // seen by settle()
			this.#finishing = { ...finishLater, target, bytes: identity.size, saved };
			return undefined;
		} finally {
			if (!kept) await pending.abort().catch(() => undefined);
		}
	}

	/** Reads the temporary file back and compares it, then gives it its name; removes it when either fails. */
	async #save(pending: PendingFile, written: { bytes: number; check: string | undefined }, path: string): Promise<void> {
		try {
			if (this.#o.verify) {
				const hashers = this.#o.verifyHashers ?? inProcessHashers;
				const proceed = () => this.#o.control.proceed();
				const check = { bytes: written.bytes, check: written.check! };
				if (!(await readBackMatches(pending, check, { hashers, proceed, gauge: this.#o.gauge }))) throw verifyFailedError(path);
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
	async settle(): Promise<void> {
		const finishing = this.#finishing;
		if (finishing === undefined) return;
		const { planned, file, target } = finishing;
		let outcome: FileOutcome | undefined;
		try {
			outcome = { kind: 'copied', ...(await finishing.saved) };
		} catch (error) {
			this.#finishing = undefined;
			if (failureScope(error) !== 'file') throw error;
			if (isDeviceError(error, 'verify-failed')) outcome = await this.copy(planned, file, target, true);
			else outcome = { kind: 'failed', error: error as DeviceError };
		}
		// Its bytes count as done until here (progress never goes back), then as handled.
		this.#finishing = undefined;
		this.#o.record(planned, file, outcome!);
	}

	#headOf(devicePath: string): { bytes: number; take: (head: Uint8Array) => void } | undefined {
		const wanted = this.#o.fileHead;
		if (wanted === undefined) return undefined;
		return {
			bytes: wanted.bytesFor(devicePath),
			take: (head) => {
				wanted.take(devicePath, head);
				// Shown now, not at the next chunk: on a slow cable that may be the end of the file.
				this.#o.recorder.emit(true);
			},
		};
	}
}

function sameIdentity(a: Identity, b: Identity | undefined): boolean {
	return b !== undefined && a.size === b.size && a.modifiedTime === b.modifiedTime && a.birthTime === b.birthTime;
}
