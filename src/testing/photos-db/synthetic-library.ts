import { loadSqlite } from '../../lib/photos-db/sqlite';

export interface SyntheticLibraryOptions {
	assets: number;
	/** Bytes of an unrelated table (Photos keeps change history, search indexes…) the reader must not read. */
	unrelatedBytes: number;
	/** Every `n`th asset is a video, in an album, favourite… (see the body). */
	pageSize?: number;
}

/** Statements that build a Photos-shaped library: the tables and columns of iOS 18's schema the reader needs. */
const SCHEMA = [
	'CREATE TABLE Z_PRIMARYKEY (Z_ENT INTEGER PRIMARY KEY, Z_NAME VARCHAR, Z_SUPER INTEGER, Z_MAX INTEGER)',
	"INSERT INTO Z_PRIMARYKEY VALUES (1, 'AdditionalAssetAttributes', 0, 0), (3, 'Asset', 0, 0), (29, 'GenericAlbum', 0, 0), (30, 'Album', 29, 0), (46, 'InternalResource', 0, 0)",
	'CREATE TABLE ZASSET (Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZKIND INTEGER, ZKINDSUBTYPE INTEGER, ZHIDDEN INTEGER, ZFAVORITE INTEGER, ZTRASHEDSTATE INTEGER, ZSAVEDASSETTYPE INTEGER, ZISDETECTEDSCREENSHOT INTEGER, ZADJUSTMENTSSTATE INTEGER, ZADDITIONALATTRIBUTES INTEGER, ZDATECREATED TIMESTAMP, ZDIRECTORY VARCHAR, ZFILENAME VARCHAR, ZUUID VARCHAR, ZPADDING BLOB)',
	'CREATE INDEX Z_Asset_uuid ON ZASSET (ZUUID)',
	'CREATE TABLE ZADDITIONALASSETATTRIBUTES (Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, ZASSET INTEGER, ZORIGINALFILENAME VARCHAR, ZREVERSELOCATIONDATA BLOB)',
	'CREATE TABLE ZINTERNALRESOURCE (Z_PK INTEGER PRIMARY KEY, ZASSET INTEGER, ZRESOURCETYPE INTEGER, ZDATASTORESUBTYPE INTEGER, ZLOCALAVAILABILITY INTEGER, ZREMOTEAVAILABILITY INTEGER, ZFINGERPRINT VARCHAR)',
	'CREATE TABLE ZGENERICALBUM (Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, ZKIND INTEGER, ZTRASHEDSTATE INTEGER, ZTITLE VARCHAR, ZUUID VARCHAR)',
	'CREATE TABLE Z_30ASSETS (Z_30ALBUMS INTEGER, Z_3ASSETS INTEGER, Z_FOK_3ASSETS INTEGER, PRIMARY KEY (Z_30ALBUMS, Z_3ASSETS))',
	'CREATE TABLE ACHANGE (Z_PK INTEGER PRIMARY KEY, ZCHANGEDATA BLOB)',
];

/**
 * What the synthetic library holds, by construction: asset `i` (from 1) is a video when i % 10 == 0,
 * a Live Photo when i % 10 == 1, a screenshot when i % 10 == 2, hidden when i % 7 == 0, a favourite
 * when i % 11 == 0, in Recently Deleted when i % 13 == 0, only in iCloud when i % 5 == 0, edited when
 * i % 9 == 0, in album "Album (i % 3)" when i % 4 == 0.
 */
export function syntheticAssetTraits(i: number) {
	return {
		kind: i % 10 === 0 ? 'video' : 'photo',
		livePhoto: i % 10 === 1,
		screenshot: i % 10 === 2,
		hidden: i % 7 === 0,
		favorite: i % 11 === 0,
		trashed: i % 13 === 0,
		onlyInICloud: i % 5 === 0,
		edited: i % 9 === 0,
		album: i % 4 === 0 ? `Album ${i % 3}` : undefined,
	} as const;
}

/** Builds the library in memory with SQLite itself and returns the database file's bytes. */
export async function buildSyntheticLibrary(options: SyntheticLibraryOptions): Promise<Uint8Array> {
	const sqlite3 = await loadSqlite();
	const db = new sqlite3.oo1.DB(':memory:', 'c');
	try {
		db.exec(`PRAGMA page_size = ${options.pageSize ?? 4096}; VACUUM;`);
		db.exec(SCHEMA.join(';'));
		db.exec('BEGIN');
		for (let album = 0; album < 3; album++) db.exec({ sql: 'INSERT INTO ZGENERICALBUM VALUES (?, 30, 2, 0, ?, ?)', bind: [album + 1, `Album ${album}`, `ALBUM-${album}`] });
		db.exec("INSERT INTO ZGENERICALBUM VALUES (4, 30, 2, 1, 'Trashed album', 'ALBUM-T')");
		for (let i = 1; i <= options.assets; i++) {
			const t = syntheticAssetTraits(i);
			const subtype = t.livePhoto ? 2 : t.screenshot ? 10 : t.kind === 'video' ? 100 : 0;
			const uuid = `00000000-0000-4000-8000-${i.toString().padStart(12, '0')}`;
			db.exec({
				sql: 'INSERT INTO ZASSET VALUES (?, 3, 1, ?, ?, ?, ?, ?, 3, 0, ?, ?, ?, ?, ?, ?, zeroblob(300))',
				bind: [i, t.kind === 'video' ? 1 : 0, subtype, t.hidden ? 1 : 0, t.favorite ? 1 : 0, t.trashed ? 1 : 0, t.edited ? 2 : 0, i, 700_000_000 + i, 'DCIM/100APPLE', `IMG_${i}.HEIC`, uuid],
			});
			db.exec({ sql: 'INSERT INTO ZADDITIONALASSETATTRIBUTES VALUES (?, 1, ?, ?, zeroblob(200))', bind: [i, i, `IMG_${i}.HEIC`] });
			db.exec({ sql: "INSERT INTO ZINTERNALRESOURCE VALUES (NULL, ?, 0, 1, ?, 1, 'fingerprint')", bind: [i, t.onlyInICloud ? -1 : 1] });
			db.exec({ sql: "INSERT INTO ZINTERNALRESOURCE VALUES (NULL, ?, 0, 5, 1, 1, 'thumbnail')", bind: [i] });
			if (t.album !== undefined) db.exec({ sql: 'INSERT INTO Z_30ASSETS VALUES (?, ?, ?)', bind: [Number(t.album.slice(-1)) + 1, i, i] });
			if (i % 50 === 0) db.exec({ sql: 'INSERT INTO Z_30ASSETS VALUES (4, ?, ?)', bind: [i, i] });
		}
		const rowBytes = 64 * 1024;
		for (let row = 0; row * rowBytes < options.unrelatedBytes; row++) db.exec({ sql: 'INSERT INTO ACHANGE VALUES (NULL, randomblob(?))', bind: [rowBytes] });
		db.exec('COMMIT');
		return sqlite3.capi.sqlite3_js_db_export(db);
	} finally {
		db.close();
	}
}
