import type { SqliteDatabase } from '../../lib/photos-db/sqlite';
import { Prng } from '../camera-roll/prng';
import type { RowShape } from './schema-source';

export type SqlValue = number | string | Uint8Array | null;

/** Longest text or blob of a template row in the fixtures is a few KiB; the pools leave room beyond it. */
const POOL_BYTES = 64 * 1024;
const POOL_OFFSETS = 4096;
const HEX = '0123456789ABCDEF';

/**
 * Values shaped like a real row's: a column the fixture's widest row had as a number keeps that
 * number, a text or blob gets one of the same length, cut from a seeded pool at a place that
 * depends on the row (so rows are as wide as real ones without costing a random draw per byte).
 */
export class RowFiller {
	readonly #text: string;
	readonly #bytes: Uint8Array;

	constructor(seed: number) {
		const prng = new Prng(seed);
		const text: string[] = [];
		this.#bytes = new Uint8Array(POOL_BYTES + POOL_OFFSETS);
		for (let i = 0; i < this.#bytes.length; i++) {
			const word = prng.nextUint32();
			this.#bytes[i] = word & 0xff;
			text.push(HEX[word >>> 28]!);
		}
		this.#text = text.join('');
	}

	value(shape: RowShape, row: number): SqlValue {
		if (typeof shape === 'number') return shape;
		const length = Math.min(POOL_BYTES, Number(shape.slice(1)));
		const at = Math.imul(row, 0x9e3779b1) >>> 0;
		const start = at % POOL_OFFSETS;
		return shape[0] === 'T' ? this.#text.slice(start, start + length) : this.#bytes.slice(start, start + length);
	}
}

/**
 * Inserts rows into one table of the real schema: every column the template row filled, filled alike,
 * and the columns the library's meaning lives in (`set`) with the values given. Columns this version
 * of the table does not have are left out, so one description of a row serves every schema version.
 */
export class TemplateTable {
	readonly columns: ReadonlySet<string>;
	readonly #filled: readonly (readonly [string, RowShape])[];
	readonly #set: readonly string[];
	readonly #statement: ReturnType<SqliteDatabase['prepare']>;
	readonly #filler: RowFiller;

	constructor(db: SqliteDatabase, readonly table: string, template: readonly (readonly [string, RowShape])[], set: readonly string[], filler: RowFiller) {
		this.columns = new Set(db.selectValues('SELECT name FROM pragma_table_info(?)', [table]).map(String));
		this.#set = set.filter((column) => this.columns.has(column));
		const setColumns = new Set(this.#set);
		this.#filled = template.filter(([column]) => this.columns.has(column) && !setColumns.has(column));
		const names = [...this.#filled.map(([column]) => column), ...this.#set];
		this.#statement = db.prepare(`INSERT INTO "${table}" (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')})`);
		this.#filler = filler;
	}

	/** `values` holds every column of `set` (null where it has none); `row` varies the filled columns. */
	insert(row: number, values: Readonly<Record<string, SqlValue>>): void {
		const bound: SqlValue[] = this.#filled.map(([, shape]) => this.#filler.value(shape, row));
		for (const column of this.#set) bound.push(values[column] ?? null);
		this.#statement.bind(bound).stepReset();
	}

	finalize(): void {
		this.#statement.finalize();
	}
}
