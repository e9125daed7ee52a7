import { fromHex } from '../../lib/bytes';
import type { Sqlite3, SqliteDatabase } from '../../lib/photos-db/sqlite';
import { exifDateTime, exifOffset } from '../camera-roll/capture-moment';
import { deriveSeed, Prng } from '../camera-roll/prng';
import type { LibraryAsset } from './library-asset';
import { loadPhoneSqlite } from './phone-sqlite';
import type { PhotosSchemaSource, PhotosSchemaVersion } from './schema-source';
import { loadPhotosSchema } from './schemas';
import { RowFiller, TemplateTable, type SqlValue } from './template-rows';
import { walBetween } from './wal-writer';

/*
 * The virtual iPhone's Photos.sqlite, built with SQLite from the real schema of one Photos version
 * (`schemas/`), its rows filled the iOS way from the camera roll's asset list. What the columns mean
 * (shared/docs/photos-library.md; Scott Koenig's Photos.sqlite parsers in iLEAPP, e.g.
 * Ph051PossOptimizedAssetsIntResouData; osxphotos):
 *
 * - `ZASSET`: `ZKIND` 0 photo, 1 video; `ZKINDSUBTYPE` 2 Live Photo, 10 screenshot; `ZTRASHEDSTATE` 1
 *   in Recently Deleted; `ZSAVEDASSETTYPE` 3 made on this device, 6 from the iCloud Photo Library;
 *   dates in seconds since 2001-01-01 UTC; edits `ZHASADJUSTMENTS` (to iOS 17) or `ZADJUSTMENTSSTATE`
 *   2 (iOS 18 on).
 * - `ZINTERNALRESOURCE`: `ZRESOURCETYPE` 0 photo, 1 video, 3 a Live Photo's video; `ZDATASTORESUBTYPE`
 *   1 the original, 4 and 5 thumbnails (recipes 65741, 65743); `ZLOCALAVAILABILITY` 1 on the phone,
 *   −1 only in iCloud. Both halves of a Live Photo are originals here [unconfirmed: iLEAPP names a
 *   subtype 18 for an optimized Live Photo video].
 * - Albums the person made: `ZGENERICALBUM.ZKIND` 2, joined to assets by `Z_<album>ASSETS`.
 *
 * A phone's database is written as the phone is used: the newest changes sit in the WAL. So the main
 * file holds the library as it was a little while ago (with one asset since deleted), and the WAL
 * adds the newest assets and deletes that one.
 */

export interface PhotosDatabase {
	main: Uint8Array;
	wal: Uint8Array;
	/** The WAL index: zeros, which SQLite rebuilds from the WAL, as it does after a crash. */
	shm: Uint8Array;
}

export interface PhotosDatabaseOptions {
	schema: PhotosSchemaVersion;
	seed: number;
	/** An asset deleted lately: its rows are in the main file and the WAL deletes them. */
	deleted?: LibraryAsset | undefined;
	/** How many of the newest assets only the WAL holds (by default one in two hundred, 1 to 20). */
	walAdditions?: number;
}

const PAGE_SIZE = 4096;
const SHM_BYTES = 32_768;
const CORE_DATA_EPOCH_MS = 978_307_200_000;
const ALBUM_KIND_USER = 2;
const SAVED_ON_DEVICE = 3;
const SAVED_FROM_ICLOUD_LIBRARY = 6;
/** Core Data calls these from its triggers; in a store it has not opened they do nothing. */
const CORE_DATA_TRIGGER_FUNCTIONS = [
	'NSCoreDataTriggerUpdateAffectedObjectValue',
	'NSCoreDataDATriggerInsertUpdatedAffectedObjectValue',
	'NSCoreDataDATriggerUpdatedAffectedObjectValue',
];

/** Databases built lately, by what they were built from: a test suite builds each library once. */
const built = new Map<string, Promise<PhotosDatabase>>();
/** A `huge` library's database is about a hundred megabytes: only a few are kept. */
const KEPT_DATABASES = 2;

/** The database `key` names, built by `build` unless it was built lately. */
export function cachedPhotosDatabase(key: string, build: () => Promise<PhotosDatabase>): Promise<PhotosDatabase> {
	let database = built.get(key);
	if (database === undefined) {
		database = build();
		database.catch(() => built.delete(key));
	}
	built.delete(key);
	built.set(key, database);
	while (built.size > KEPT_DATABASES) built.delete(built.keys().next().value!);
	return database;
}

export function defaultWalAdditions(assets: number): number {
	return Math.min(20, Math.max(1, Math.round(assets / 200)));
}

/** Builds the database files for `assets`. */
export async function buildPhotosDatabase(assets: readonly LibraryAsset[], options: PhotosDatabaseOptions): Promise<PhotosDatabase> {
	const [sqlite3, source] = await Promise.all([loadPhoneSqlite(), loadPhotosSchema(options.schema)]);
	const byAdded = [...assets].sort((a, b) => a.addedMs - b.addedMs || (a.uuid < b.uuid ? -1 : 1));
	const inWal = Math.min(byAdded.length, options.walAdditions ?? defaultWalAdditions(byAdded.length));
	const db = new sqlite3.oo1.DB(':memory:', 'c');
	try {
		for (const name of CORE_DATA_TRIGGER_FUNCTIONS) db.createFunction({ name, xFunc: () => null, arity: -1 });
		const library = new LibraryWriter(db, source, options.seed);
		db.exec('BEGIN');
		library.addAlbums(byAdded);
		for (const asset of byAdded.slice(0, byAdded.length - inWal)) library.addAsset(asset);
		if (options.deleted !== undefined) library.addAsset(options.deleted);
		library.finishSchema();
		db.exec('COMMIT');
		const before = exportDatabase(sqlite3, db);

		db.exec('BEGIN');
		for (const asset of byAdded.slice(byAdded.length - inWal)) library.addAsset(asset);
		if (options.deleted !== undefined) library.deleteAsset(options.deleted);
		library.updateEntityMaxima();
		db.exec('COMMIT');
		const after = exportDatabase(sqlite3, db);
		library.finalize();

		const salts = new Prng(deriveSeed(options.seed, 0x5a17));
		return { main: before, wal: walBetween(before, after, PAGE_SIZE, [salts.nextUint32(), salts.nextUint32()]), shm: new Uint8Array(SHM_BYTES) };
	} finally {
		db.close();
	}
}

/** The database's bytes, marked as a WAL-mode database (file format 2, header bytes 18 and 19) as Photos keeps it. */
function exportDatabase(sqlite3: Sqlite3, db: SqliteDatabase): Uint8Array {
	const bytes = sqlite3.capi.sqlite3_js_db_export(db);
	bytes[18] = 2;
	bytes[19] = 2;
	return bytes;
}

function coreDataSeconds(ms: number): number {
	return (ms - CORE_DATA_EPOCH_MS) / 1000;
}

/** Writes the library into the schema's tables, keeping the keys Core Data would. */
class LibraryWriter {
	readonly #db: SqliteDatabase;
	readonly #source: PhotosSchemaSource;
	readonly #entities: Map<string, number>;
	readonly #assets: TemplateTable;
	readonly #attributes: TemplateTable;
	readonly #extended: TemplateTable;
	readonly #resources: TemplateTable;
	readonly #albums: TemplateTable;
	readonly #albumKeys = new Map<string, number>();
	readonly #assetKeys = new Map<string, number>();
	readonly #join: { table: string; album: string; asset: string; order: string | undefined };
	#nextAsset = 1;
	#nextResource = 1;

	constructor(db: SqliteDatabase, source: PhotosSchemaSource, seed: number) {
		this.#db = db;
		this.#source = source;
		this.#entities = new Map(source.entities.map(([number, name]) => [name, number]));
		db.exec(`PRAGMA page_size = ${PAGE_SIZE}; PRAGMA journal_mode = MEMORY;`);
		// Tables first, indexes and triggers once the bulk of the rows is in (`finishSchema`): the same
		// database, built in a fraction of the time.
		db.exec(source.statements.filter(isTable).join(';\n'));
		const entityRows = source.entities.map(([number, name, parent]) => [number, name, parent, 0]);
		for (const row of entityRows) db.exec({ sql: 'INSERT INTO Z_PRIMARYKEY (Z_ENT, Z_NAME, Z_SUPER, Z_MAX) VALUES (?, ?, ?, ?)', bind: row });
		const storeUuid = new Prng(deriveSeed(seed, 0x57d0)).uuid();
		db.exec({ sql: 'INSERT INTO Z_METADATA (Z_VERSION, Z_UUID, Z_PLIST) VALUES (?, ?, ?)', bind: [source.metadata.version, storeUuid, fromHex(source.metadata.plistHex)] });

		const filler = new RowFiller(deriveSeed(seed, 0x0f11));
		const table = (name: keyof PhotosSchemaSource['templates'], set: readonly string[]) => new TemplateTable(db, name, source.templates[name], set, filler);
		this.#assets = table('ZASSET', ASSET_COLUMNS);
		this.#attributes = table('ZADDITIONALASSETATTRIBUTES', ATTRIBUTE_COLUMNS);
		this.#extended = table('ZEXTENDEDATTRIBUTES', ['Z_PK', 'Z_ENT', 'Z_OPT', 'ZASSET']);
		this.#resources = table('ZINTERNALRESOURCE', RESOURCE_COLUMNS);
		this.#albums = table('ZGENERICALBUM', ['Z_PK', 'Z_ENT', 'Z_OPT', 'ZKIND', 'ZTITLE', 'ZUUID', 'ZTRASHEDSTATE', 'ZCREATIONDATE']);
		const album = this.#entity('Album');
		const asset = this.#entity('Asset');
		const joinTable = `Z_${album}ASSETS`;
		const joinColumns = new Set(db.selectValues('SELECT name FROM pragma_table_info(?)', [joinTable]).map(String));
		this.#join = { table: joinTable, album: `Z_${album}ALBUMS`, asset: `Z_${asset}ASSETS`, order: joinColumns.has(`Z_FOK_${asset}ASSETS`) ? `Z_FOK_${asset}ASSETS` : undefined };
		if (!joinColumns.has(this.#join.album) || !joinColumns.has(this.#join.asset)) throw new Error(`The ${source.version} schema has no ${joinTable} join table.`);
	}

	/** The user albums the assets name, titles sorted, made before any asset (as the person made them). */
	addAlbums(assets: readonly LibraryAsset[]): void {
		const titles = [...new Set(assets.flatMap((asset) => asset.albums))].sort();
		const createdAt = Math.min(...assets.map((asset) => asset.addedMs));
		for (const title of titles) {
			const key = this.#albumKeys.size + 1;
			this.#albumKeys.set(title, key);
			this.#albums.insert(key, {
				Z_PK: key,
				Z_ENT: this.#entity('Album'),
				Z_OPT: 1,
				ZKIND: ALBUM_KIND_USER,
				ZTITLE: title,
				ZUUID: new Prng(deriveSeed(key, 0xa1b0)).uuid(),
				ZTRASHEDSTATE: 0,
				ZCREATIONDATE: coreDataSeconds(createdAt),
			});
		}
	}

	addAsset(asset: LibraryAsset): void {
		const key = this.#nextAsset++;
		this.#assetKeys.set(asset.uuid, key);
		const trashed = asset.trashed ? 1 : 0;
		this.#attributes.insert(key, {
			Z_PK: key,
			Z_ENT: this.#entity('AdditionalAssetAttributes'),
			Z_OPT: 1,
			ZASSET: key,
			ZORIGINALFILENAME: asset.originalFilename,
			ZTIMEZONEOFFSET: asset.offsetMinutes * 60,
			ZTIMEZONENAME: `GMT${exifOffset(asset.offsetMinutes).replace(':', '')}`,
			ZEXIFTIMESTAMPSTRING: exifDateTime({ epochMs: asset.captureMs, offsetMinutes: asset.offsetMinutes }),
		});
		this.#extended.insert(key, { Z_PK: key, Z_ENT: this.#entity('ExtendedAttributes'), Z_OPT: 1, ZASSET: key });
		this.#assets.insert(key, {
			Z_PK: key,
			Z_ENT: this.#entity('Asset'),
			Z_OPT: 1,
			ZUUID: asset.uuid,
			ZDIRECTORY: asset.directory,
			ZFILENAME: asset.filename,
			ZKIND: asset.kind === 'video' ? 1 : 0,
			ZKINDSUBTYPE: asset.live ? 2 : asset.screenshot ? 10 : 0,
			ZISDETECTEDSCREENSHOT: asset.screenshot ? 1 : 0,
			ZDATECREATED: coreDataSeconds(asset.captureMs),
			ZSORTTOKEN: coreDataSeconds(asset.captureMs),
			ZADDEDDATE: coreDataSeconds(asset.addedMs),
			ZMODIFICATIONDATE: coreDataSeconds(asset.addedMs),
			ZTRASHEDSTATE: trashed,
			ZTRASHEDDATE: asset.trashed ? coreDataSeconds(asset.addedMs) + 3600 : null,
			ZHIDDEN: asset.hidden ? 1 : 0,
			ZFAVORITE: asset.favorite ? 1 : 0,
			ZSAVEDASSETTYPE: asset.directory.startsWith('PhotoData/CPLAssets') ? SAVED_FROM_ICLOUD_LIBRARY : SAVED_ON_DEVICE,
			ZHASADJUSTMENTS: asset.edited ? 1 : 0,
			ZADJUSTMENTSSTATE: asset.edited ? 2 : 0,
			ZADDITIONALATTRIBUTES: key,
			ZEXTENDEDATTRIBUTES: key,
			ZVISIBILITYSTATE: 0,
			ZCOMPLETE: 1,
		});
		const local = asset.originalOnPhone ? 1 : -1;
		const resource = (type: number, subtype: number, recipe: number, availability: number) =>
			this.#resources.insert(this.#nextResource, {
				Z_PK: this.#nextResource++,
				Z_ENT: this.#entity('InternalResource'),
				Z_OPT: 1,
				ZASSET: key,
				ZRESOURCETYPE: type,
				ZDATASTORESUBTYPE: subtype,
				ZRECIPEID: recipe,
				ZVERSION: 0,
				ZLOCALAVAILABILITY: availability,
				ZREMOTEAVAILABILITY: 1,
				ZTRASHEDSTATE: trashed,
			});
		resource(asset.kind === 'video' ? 1 : 0, 1, 0, local);
		if (asset.live) resource(3, 1, 0, local);
		// Thumbnails stay on the phone when the original goes to iCloud.
		resource(0, 4, 65_741, 1);
		resource(0, 5, 65_743, 1);
		asset.albums.forEach((title) => {
			const album = this.#albumKeys.get(title)!;
			const columns = [this.#join.album, this.#join.asset, ...(this.#join.order === undefined ? [] : [this.#join.order])];
			this.#db.exec({ sql: `INSERT INTO ${this.#join.table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`, bind: [album, key, key].slice(0, columns.length) });
		});
	}

	deleteAsset(asset: LibraryAsset): void {
		const key = this.#assetKeys.get(asset.uuid);
		if (key === undefined) throw new Error(`No asset ${asset.uuid} to delete.`);
		for (const [table, column] of [
			['ZASSET', 'Z_PK'],
			['ZADDITIONALASSETATTRIBUTES', 'ZASSET'],
			['ZEXTENDEDATTRIBUTES', 'ZASSET'],
			['ZINTERNALRESOURCE', 'ZASSET'],
			[this.#join.table, this.#join.asset],
		] as const) {
			this.#db.exec({ sql: `DELETE FROM ${table} WHERE ${column} = ?`, bind: [key] });
		}
		this.#assetKeys.delete(asset.uuid);
	}

	/** The indexes and triggers, and the entities' counters. */
	finishSchema(): void {
		this.#db.exec(this.#source.statements.filter((statement) => !isTable(statement)).join(';\n'));
		this.updateEntityMaxima();
	}

	/** `Z_PRIMARYKEY.Z_MAX`: the largest key given to each entity (and to its root entity, whose table it shares). */
	updateEntityMaxima(): void {
		const maxima: [string, SqlValue][] = [
			['Asset', this.#nextAsset - 1],
			['AdditionalAssetAttributes', this.#nextAsset - 1],
			['ExtendedAttributes', this.#nextAsset - 1],
			['InternalResource', this.#nextResource - 1],
			['GenericAlbum', this.#albumKeys.size],
			['Album', this.#albumKeys.size],
		];
		for (const [name, max] of maxima) this.#db.exec({ sql: 'UPDATE Z_PRIMARYKEY SET Z_MAX = ? WHERE Z_NAME = ?', bind: [max, name] });
	}

	finalize(): void {
		for (const table of [this.#assets, this.#attributes, this.#extended, this.#resources, this.#albums]) table.finalize();
	}

	#entity(name: string): number {
		const number = this.#entities.get(name);
		if (number === undefined) throw new Error(`The ${this.#source.version} schema has no ${name} entity.`);
		return number;
	}
}

function isTable(statement: string): boolean {
	return statement.startsWith('CREATE TABLE') || statement.startsWith('CREATE VIRTUAL TABLE');
}

const ASSET_COLUMNS = [
	'Z_PK', 'Z_ENT', 'Z_OPT', 'ZUUID', 'ZDIRECTORY', 'ZFILENAME', 'ZKIND', 'ZKINDSUBTYPE', 'ZISDETECTEDSCREENSHOT', 'ZDATECREATED', 'ZSORTTOKEN',
	'ZADDEDDATE', 'ZMODIFICATIONDATE', 'ZTRASHEDSTATE', 'ZTRASHEDDATE', 'ZHIDDEN', 'ZFAVORITE', 'ZSAVEDASSETTYPE', 'ZHASADJUSTMENTS',
	'ZADJUSTMENTSSTATE', 'ZADDITIONALATTRIBUTES', 'ZEXTENDEDATTRIBUTES', 'ZVISIBILITYSTATE', 'ZCOMPLETE',
];
const ATTRIBUTE_COLUMNS = ['Z_PK', 'Z_ENT', 'Z_OPT', 'ZASSET', 'ZORIGINALFILENAME', 'ZTIMEZONEOFFSET', 'ZTIMEZONENAME', 'ZEXIFTIMESTAMPSTRING'];
const RESOURCE_COLUMNS = [
	'Z_PK', 'Z_ENT', 'Z_OPT', 'ZASSET', 'ZRESOURCETYPE', 'ZDATASTORESUBTYPE', 'ZRECIPEID', 'ZVERSION', 'ZLOCALAVAILABILITY', 'ZREMOTEAVAILABILITY',
	'ZTRASHEDSTATE',
];

