import { Dexie, type DexieOptions, type Table } from 'dexie';
import type { PairRecord } from '../pairing';
import type { DestinationRow, DeviceRow, FileRow, RunRow } from './backup-rows';
import type { FileMetadataRow } from './file-metadata';
import type { SettingRow } from './settings';

/** One IndexedDB database per origin holds everything the app remembers. */
export const DATABASE_NAME = 'iphone-backup';

/**
 * The schema, every version of it, in one place.
 *
 * How to change it (Dexie's rules, https://dexie.org/docs/Tutorial/Design#database-versioning):
 * - Never edit or remove a `version(n)` line once it has shipped: browsers out there have databases at
 *   that version, and Dexie upgrades them step by step from their version to the newest.
 * - To add a table (devices, destinations, backup runs, the per-file journal…), add
 *   `this.version(n + 1).stores({ newTable: 'primaryKey, index1, index2' })` below the last one and a
 *   `declare readonly newTable: Table<Row, Key>` above. Only new or changed tables are listed; tables
 *   of earlier versions carry over untouched.
 * - To change a table's indexes, list it again in the new version with its new index string; to change
 *   the rows themselves, chain `.upgrade(tx => tx.table('…').toCollection().modify(row => { … }))`.
 * - To drop a table, give it `null` in a new version.
 * Only indexed properties go in the index string; the rest of a row (CryptoKeys, byte arrays, dates)
 * is stored by structured clone as it is.
 */
export class AppDatabase extends Dexie {
	/** Pair records by UDID. Rows are `PairRecord`s, CryptoKeys included (they stay non-extractable). */
	declare readonly pairRecords: Table<PairRecord, string>;
	/** iPhones backed up, by UDID. */
	declare readonly devices: Table<DeviceRow, string>;
	/** Picked folders with their handles, by id. */
	declare readonly destinations: Table<DestinationRow, string>;
	/** Backup runs, numbered by the database. */
	declare readonly backupRuns: Table<RunRow, number>;
	/** The per-file journal: one row per version of a phone file per backup. */
	declare readonly backupFiles: Table<FileRow, [string, string]>;
	/** What the last scan of each iPhone read from its files' bytes, one row per iPhone. */
	declare readonly fileMetadata: Table<FileMetadataRow, string>;
	/** The person's choices that are not about one phone or folder, by name. */
	declare readonly settings: Table<SettingRow, string>;

	constructor(name: string = DATABASE_NAME, options?: DexieOptions) {
		super(name, options);
		this.version(1).stores({ pairRecords: 'udid' });
		this.version(2).stores({
			devices: 'udid',
			destinations: 'id, lastUsedAt',
			backupRuns: '++id, backup',
			backupFiles: '[backup+key], backup, [backup+state]',
		});
		this.version(3).stores({ fileMetadata: 'udid' });
		this.version(4).stores({ settings: 'key' });
	}
}
