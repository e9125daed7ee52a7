import { readU16, readU32, writeU16, writeU32 } from '../../lib/bytes';
import type { Sqlite3 } from '../../lib/photos-db/sqlite';
import type { LibraryAsset } from '../photos-db/library-asset';
import { buildPhotosDatabase } from '../photos-db/library-database';
import { loadPhoneSqlite } from '../photos-db/phone-sqlite';

/**
 * (h) A Photos database that lies, in place of the honest one:
 * - `ghost-rows`: a library whose rows name thousands of files in `/DCIM` that are not there;
 * - `looping-pages`: the asset table's B-tree names its own root as a child;
 * - `repeating-pages`: the asset table's root is a chain of interior pages whose every child is the
 *   next one, so the table reads as the same rows over and over, without end in practice;
 * - `foreign-wal`: the WAL of another library, valid in itself, over this library's main file.
 */
export type PhotosDatabaseLie = 'ghost-rows' | 'looping-pages' | 'repeating-pages' | 'foreign-wal';

export interface DatabaseBytes {
	main: Uint8Array;
	wal: Uint8Array;
}

const GHOST_ROWS = 3_000;
const INTERIOR_TABLE_PAGE = 0x05;
/** Interior pages in the repeating chain: SQLite allows B-trees 20 deep. */
const CHAIN_PAGES = 18;
const CELLS_PER_PAGE = 100;

export async function lyingPhotosDatabase(lie: PhotosDatabaseLie, honest: DatabaseBytes, isListed: (path: string) => boolean): Promise<DatabaseBytes> {
	if (lie === 'ghost-rows' || lie === 'foreign-wal') {
		const ghosts = await buildPhotosDatabase(ghostAssets(isListed), { schema: 'ios-18', seed: 0x6057 });
		return lie === 'ghost-rows' ? { main: ghosts.main, wal: ghosts.wal } : { main: honest.main, wal: ghosts.wal };
	}
	// The main file alone: the WAL may hold the pages the lie is told in.
	const main = honest.main.slice();
	const pageSize = pageSizeOf(main);
	const root = await assetTableRoot(main);
	const page = (number: number) => (number - 1) * pageSize + (number === 1 ? 100 : 0);
	if (main[page(root)] !== INTERIOR_TABLE_PAGE) throw new Error('The asset table is one page: nothing to loop.');
	if (lie === 'looping-pages') {
		writeU32(main, page(root) + 8, root);
		return { main, wal: new Uint8Array(0) };
	}
	// The chain is appended to the file, and the schema names its first page as the table's root; its
	// last page leads to the root's first real child.
	const pages = main.length / pageSize;
	const rewritten = await withDatabase(main, (db, sqlite3) => {
		db.exec('PRAGMA writable_schema = ON');
		db.exec({ sql: "UPDATE sqlite_master SET rootpage = ? WHERE name = 'ZASSET'", bind: [pages + 1] });
		return sqlite3.capi.sqlite3_js_db_export(db);
	});
	if (rewritten.length !== main.length) throw new Error('Rewriting the schema moved pages.');
	const firstChild = readU32(main, (root - 1) * pageSize + readU16(main, page(root) + 12));
	const grown = new Uint8Array(main.length + CHAIN_PAGES * pageSize);
	grown.set(rewritten);
	grown[18] = 2;
	grown[19] = 2;
	writeU32(grown, 28, pages + CHAIN_PAGES);
	const cellsStart = pageSize - CELLS_PER_PAGE * 8;
	for (let k = 0; k < CHAIN_PAGES; k++) {
		const at = main.length + k * pageSize;
		const child = k === CHAIN_PAGES - 1 ? firstChild : pages + k + 2;
		grown[at] = INTERIOR_TABLE_PAGE;
		writeU16(grown, at + 3, CELLS_PER_PAGE);
		writeU16(grown, at + 5, cellsStart);
		writeU32(grown, at + 8, child);
		for (let cell = 0; cell < CELLS_PER_PAGE; cell++) {
			const cellAt = cellsStart + cell * 8;
			writeU16(grown, at + 12 + cell * 2, cellAt);
			writeU32(grown, at + cellAt, child);
			grown[at + cellAt + 4] = 0x7f; // its key: any rowid
		}
	}
	return { main: grown, wal: new Uint8Array(0) };
}

/** Photos in the phone's own folders, under names the listing does not have. */
function ghostAssets(isListed: (path: string) => boolean): LibraryAsset[] {
	const ghosts: LibraryAsset[] = [];
	const start = Date.UTC(2024, 0, 1);
	for (let n = 0; ghosts.length < GHOST_ROWS; n++) {
		const directory = `DCIM/${100 + Math.floor(n / 1000)}APPLE`;
		const filename = `IMG_${String((n % 9999) + 1).padStart(4, '0')}.HEIC`;
		if (isListed(`/${directory}/${filename}`)) continue;
		const captureMs = start + n * 600_000;
		ghosts.push({
			uuid: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
			kind: 'photo',
			live: false,
			screenshot: false,
			directory,
			filename,
			originalFilename: filename,
			captureMs,
			offsetMinutes: 0,
			addedMs: captureMs + 1_000,
			originalOnPhone: true,
			edited: false,
			trashed: false,
			hidden: false,
			favorite: false,
			albums: [],
			files: [],
		});
	}
	return ghosts;
}

function pageSizeOf(main: Uint8Array): number {
	const raw = readU16(main, 16);
	return raw === 1 ? 65_536 : raw;
}

/** Runs `use` over a copy of the database opened in memory (marked as a rollback-journal database, to be opened so). */
async function withDatabase<T>(main: Uint8Array, use: (db: InstanceType<Sqlite3['oo1']['DB']>, sqlite3: Sqlite3) => T): Promise<T> {
	const sqlite3 = await loadPhoneSqlite();
	const copy = main.slice();
	copy[18] = 1;
	copy[19] = 1;
	const db = new sqlite3.oo1.DB(':memory:', 'c');
	try {
		const pointer = sqlite3.wasm.allocFromTypedArray(copy);
		const flags = sqlite3.capi.SQLITE_DESERIALIZE_FREEONCLOSE | sqlite3.capi.SQLITE_DESERIALIZE_RESIZEABLE;
		sqlite3.capi.sqlite3_deserialize(db, 'main', pointer, copy.length, copy.length, flags);
		return use(db, sqlite3);
	} finally {
		db.close();
	}
}

async function assetTableRoot(main: Uint8Array): Promise<number> {
	return withDatabase(main, (db) => Number(db.selectValue("SELECT rootpage FROM sqlite_master WHERE name = 'ZASSET'")));
}
