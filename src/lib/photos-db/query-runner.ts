import type { DatabaseImage } from './database-image';
import { DatabaseProblem, isDatabaseProblem } from './problems';
import { DEFAULT_PHOTOS_DB_LIMITS } from './types';
import { openImage } from './snapshot-vfs';
import type { Sqlite3, SqliteDatabase } from './sqlite';
import { tableLeaves } from './table-leaves';

export type SqlValue = number | string | bigint | Uint8Array | null;
type Row = SqlValue[];

/** A statement that keeps stopping at pages it has not got reads more than a sane query does. */
const MAX_RERUNS_PER_STATEMENT = 2_000;

/** How often (in SQLite virtual machine steps) a running statement looks at the clock. */
const PROGRESS_STEPS = 10_000;
/** Leaves fetched for one range of a table scan, at most (fewer when the page cache is small). */
const MAX_SCAN_BATCH_BYTES = 2 * 1024 * 1024;

/**
 * Runs SQL over a `DatabaseImage` to completion: a run that stops at a page not in memory yet is run
 * again once the page is fetched (design (a) of the reader: a synchronous VFS over a page cache filled
 * asynchronously). Large tables are read range by range (`scan`), each range's leaves fetched in one
 * batch first (`table-leaves.ts`), so that a rerun repeats one range, not the table, and the cache
 * need only hold one range.
 */
export class QueryRunner {
	reruns = 0;
	#rowsHeld = 0;
	readonly #maxRows: number;
	readonly #sqlite3: Sqlite3;
	readonly #image: DatabaseImage;
	readonly #db: SqliteDatabase;
	readonly #signal: AbortSignal | undefined;
	readonly #deadline: number;

	private constructor(sqlite3: Sqlite3, image: DatabaseImage, db: SqliteDatabase, signal: AbortSignal | undefined, deadline: number, maxRows: number) {
		this.#maxRows = maxRows;
		this.#sqlite3 = sqlite3;
		this.#image = image;
		this.#db = db;
		this.#signal = signal;
		this.#deadline = deadline;
	}

	/** `deadline` is a `Date.now()` time; past it, a running statement is interrupted. `maxRows`: see `PhotosDbLimits`. */
	static async open(sqlite3: Sqlite3, image: DatabaseImage, options: { signal?: AbortSignal; deadline: number; maxRows?: number }): Promise<QueryRunner> {
		await image.fetch([1]);
		const db = openImage(sqlite3, image);
		sqlite3.capi.sqlite3_progress_handler(db, PROGRESS_STEPS, () => (Date.now() > options.deadline || options.signal?.aborted ? 1 : 0), 0);
		const runner = new QueryRunner(sqlite3, image, db, options.signal, options.deadline, options.maxRows ?? DEFAULT_PHOTOS_DB_LIMITS.maxRows);
		try {
			// Our page cache is the one that counts: SQLite's own stays small. Sorting and temporary
			// tables stay in memory, so that SQLite never asks for a file of its own. SQLite's heap is
			// bounded, whatever a hostile schema asks of it.
			for (const pragma of ['cache_size = -2048', 'temp_store = MEMORY', 'hard_heap_limit = 134217728']) await runner.select(`PRAGMA ${pragma}`);
		} catch (error) {
			runner.close();
			throw error;
		}
		return runner;
	}

	close(): void {
		this.#db.close();
	}

	/** Every row of `sql`, run until no page is missing; at most `maxRows` over the runner's life. */
	async select(sql: string, bind?: readonly SqlValue[]): Promise<Row[]> {
		for (let runs = 0; ; runs++) {
			this.#checkTime();
			try {
				const rows: Row[] = [];
				this.#db.exec({
					sql,
					bind: bind as SqlValue[] | undefined,
					rowMode: 'array',
					callback: (row: unknown) => {
						if (this.#rowsHeld + rows.length >= this.#maxRows) throw new DatabaseProblem('too-large', 'The Photos database holds more rows than a library can.');
						rows.push(row as Row);
					},
				});
				this.#rowsHeld += rows.length;
				return rows;
			} catch (error) {
				if (isDatabaseProblem(error)) throw error;
				if (this.#image.missing.size === 0) throw this.#problem(error);
			}
			if (runs >= MAX_RERUNS_PER_STATEMENT) {
				throw new DatabaseProblem('too-large', 'A query of the Photos database kept needing more pages.');
			}
			this.reruns++;
			await this.#image.fetchMissing();
		}
	}

	/**
	 * `SELECT <columns> FROM <table> WHERE <where>`, by rowid ranges that follow the table's leaves.
	 * The ranges (lo, hi] share their bounds and rise, so they cover every rowid once, whatever the
	 * interior pages say.
	 */
	async scan(table: { name: string; rootPage: number }, columns: string, where = '1'): Promise<Row[]> {
		const sql = `SELECT ${columns} FROM ${quoteName(table.name)} WHERE (${where}) AND rowid > ? AND rowid <= ?`;
		const leaves = await tableLeaves(this.#image, table.rootPage);
		if (leaves === undefined) return this.select(`SELECT ${columns} FROM ${quoteName(table.name)} WHERE ${where}`);
		const batch = Math.max(1, Math.min(Math.floor(this.#image.batchPages / 2), Math.floor(MAX_SCAN_BATCH_BYTES / this.#image.pageSize)));
		const rows: Row[] = [];
		let low = -Infinity;
		for (let start = 0; start < leaves.length; start += batch) {
			const group = leaves.slice(start, start + batch);
			const lastKey = group[group.length - 1]!.lastKey;
			const high = lastKey === undefined || start + batch >= leaves.length ? Infinity : Math.max(low, lastKey);
			await this.#image.fetch(group.map((leaf) => leaf.page).filter((page) => !this.#image.has(page)));
			for (const row of await this.select(sql, [low, high])) rows.push(row);
			low = high;
		}
		return rows;
	}

	#checkTime(): void {
		this.#signal?.throwIfAborted();
		if (Date.now() > this.#deadline) throw new DatabaseProblem('too-slow', 'Reading the Photos database took longer than its deadline.');
	}

	#problem(error: unknown): Error {
		this.#signal?.throwIfAborted();
		const { capi } = this.#sqlite3;
		const code = (typeof error === 'object' && error !== null && 'resultCode' in error ? Number(error.resultCode) : capi.SQLITE_ERROR) & 0xff;
		const message = error instanceof Error ? error.message : String(error);
		if (code === capi.SQLITE_INTERRUPT) return new DatabaseProblem('too-slow', 'Reading the Photos database took longer than its deadline.', { cause: error });
		if (code === capi.SQLITE_NOMEM || code === capi.SQLITE_TOOBIG) return new DatabaseProblem('too-large', `The Photos database asked for too much memory: ${message}`, { cause: error });
		if (code === capi.SQLITE_ERROR) return new DatabaseProblem('unknown-schema', `The Photos database is not laid out as expected: ${message}`, { cause: error });
		return new DatabaseProblem('damaged', `The Photos database could not be read: ${message}`, { cause: error });
	}
}

/** An SQL identifier, quoted: table names come from the database itself. */
export function quoteName(name: string): string {
	return `"${name.replaceAll('"', '""')}"`;
}
