import { type AppDatabase, backupKey, type FileRow, type RunRow, storageCall } from '../store';

/** A journal row as the engine writes it; the journal adds whose backup it is and when. */
export type JournalRecord = Omit<FileRow, 'backup' | 'updatedAt'>;

export interface DeviceIdentity {
	udid: string;
	name?: string;
	productType?: string;
}

export type RunSummary = Pick<RunRow, 'outcome' | 'copied' | 'deduplicated' | 'inICloud' | 'failed' | 'error'>;

const READ_FAILED = 'This browser could not read its record of earlier backups.';
const SAVE_FAILED = 'This browser could not save its record of the backup.';

/**
 * The fast local record of one iPhone's backup in one folder (IndexedDB, via Dexie): runs, and the
 * state of every file. Writes are buffered and go to the database in one transaction per `flush`,
 * which the engine calls at its checkpoints: a transaction per file would cost more than the file.
 * A transaction whose `complete` fired survives the browser being killed; what was buffered is
 * simply redone by the next run.
 */
export class BackupJournal {
	readonly backup: string;
	readonly #db: AppDatabase;
	/** Rows to put, and keys to delete (`null`), by key. */
	#buffer = new Map<string, FileRow | null>();
	#flushing: Promise<void> = Promise.resolve();

	private constructor(db: AppDatabase, backup: string) {
		this.#db = db;
		this.backup = backup;
	}

	/** The journal of `device`'s backup in the folder known as `destinationId`; notes the phone as seen. */
	static async open(db: AppDatabase, destinationId: string, device: DeviceIdentity): Promise<BackupJournal> {
		await storageCall(SAVE_FAILED, () =>
			db.transaction('rw', db.devices, async () => {
				const now = new Date();
				const known = await db.devices.get(device.udid);
				await db.devices.put({ ...known, ...definedOnly(device), udid: device.udid, firstSeenAt: known?.firstSeenAt ?? now, lastSeenAt: now });
			}),
		);
		return new BackupJournal(db, backupKey(destinationId, device.udid));
	}

	/** Every file row of this backup, as last written (buffered records included). */
	async files(): Promise<FileRow[]> {
		await this.#flushing.catch(() => undefined);
		const rows = await storageCall(READ_FAILED, () => this.#db.backupFiles.where('backup').equals(this.backup).toArray());
		if (this.#buffer.size === 0) return rows;
		const byKey = new Map(rows.map((row) => [row.key, row]));
		for (const [key, row] of this.#buffer) {
			if (row === null) byKey.delete(key);
			else byKey.set(key, row);
		}
		return [...byKey.values()];
	}

	/** Runs of this backup, oldest first. */
	async runs(): Promise<RunRow[]> {
		return storageCall(READ_FAILED, () => this.#db.backupRuns.where('backup').equals(this.backup).sortBy('id'));
	}

	/** Starts a run: its row and a `planned` row for each file to copy, in one transaction. */
	async startRun(planned: readonly JournalRecord[]): Promise<number> {
		await this.flush();
		const now = new Date();
		const bytes = planned.reduce((sum, file) => sum + file.size, 0);
		return storageCall(SAVE_FAILED, () =>
			this.#db.transaction('rw', this.#db.backupRuns, this.#db.backupFiles, async () => {
				const runId = await this.#db.backupRuns.add({
					backup: this.backup,
					startedAt: now,
					outcome: 'running',
					planned: { files: planned.length, bytes },
					copied: { files: 0, bytes: 0 },
					deduplicated: 0,
					inICloud: 0,
					failed: 0,
				});
				await this.#db.backupFiles.bulkPut(planned.map((file) => ({ ...file, backup: this.backup, runId, updatedAt: now })));
				return runId;
			}),
		);
	}

	/** Notes a file's new state; it reaches the database at the next `flush`. */
	record(file: JournalRecord): void {
		this.#buffer.set(file.key, { ...file, backup: this.backup, updatedAt: new Date() });
	}

	/** Notes that a file's row is obsolete (the file changed on the phone and its new version was recorded). */
	forget(key: string): void {
		this.#buffer.set(key, null);
	}

	/** Records noted and not yet written. */
	get buffered(): number {
		return this.#buffer.size;
	}

	/** Writes every noted record in one transaction. A failed flush keeps them for the next try. */
	flush(): Promise<void> {
		const next = this.#flushing.catch(() => undefined).then(() => this.#write());
		this.#flushing = next;
		return next;
	}

	/** Writes what is buffered and the run's outcome, in one transaction. */
	async finishRun(runId: number, summary: RunSummary): Promise<void> {
		await this.#flushing.catch(() => undefined);
		await this.#write(async () => {
			await this.#db.backupRuns.update(runId, { ...summary, endedAt: new Date() });
		});
	}

	async #write(also?: () => Promise<void>): Promise<void> {
		if (this.#buffer.size === 0 && also === undefined) return;
		const written = [...this.#buffer];
		const rows = written.flatMap(([, row]) => (row === null ? [] : [row]));
		const gone = written.flatMap(([key, row]): [string, string][] => (row === null ? [[this.backup, key]] : []));
		await storageCall(SAVE_FAILED, () =>
			this.#db.transaction('rw', this.#db.backupFiles, this.#db.backupRuns, async () => {
				if (rows.length > 0) await this.#db.backupFiles.bulkPut(rows);
				if (gone.length > 0) await this.#db.backupFiles.bulkDelete(gone);
				await also?.();
			}),
		);
		// Only what was written leaves the buffer: a record noted meanwhile for the same file stays.
		for (const [key, row] of written) if (this.#buffer.get(key) === row) this.#buffer.delete(key);
	}
}

function definedOnly<T extends object>(value: T): Partial<T> {
	return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
