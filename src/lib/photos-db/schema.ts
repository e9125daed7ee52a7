import { DatabaseProblem } from './problems';
import { quoteName, type QueryRunner } from './query-runner';

/*
 * Where the library's tables and columns are in this database, found in the database itself: the
 * schema moves between versions of Photos (shared/docs/photos-library.md). Core Data names tables
 * `Z<ENTITY>`, keeps entity numbers in `Z_PRIMARYKEY` (`Asset`, `Album`, …) and names a many-to-many
 * join table after the numbers of its entities: albums ↔ assets is `Z_<album entity>ASSETS` with
 * columns `Z_<album entity>ALBUMS` and `Z_<asset entity>ASSETS` (`Z_27ASSETS` on iOS 15 …
 * `Z_33ASSETS` on iOS 26; osxphotos reads it the same way, as `Z_{version}ASSETS`). The asset table is
 * `ZASSET` from iOS 14 on and `ZGENERICASSET` before (osxphotos, "_process_database5").
 */

export interface TableRef {
	name: string;
	rootPage: number;
	columns: ReadonlySet<string>;
}

export interface PhotosSchema {
	assets: TableRef;
	/** `ZADDITIONALASSETATTRIBUTES`, when it has the original file name. */
	attributes: TableRef | undefined;
	/** `ZINTERNALRESOURCE`, when it says where resources are available. */
	resources: TableRef | undefined;
	/** `ZGENERICALBUM`, when it has kinds and titles. */
	albums: TableRef | undefined;
	/** The album ↔ asset join table and its two columns. */
	albumAssets: (TableRef & { albumColumn: string; assetColumn: string }) | undefined;
}

const ASSET_COLUMNS = ['Z_PK', 'ZUUID', 'ZDIRECTORY', 'ZFILENAME', 'ZKIND', 'ZKINDSUBTYPE', 'ZDATECREATED', 'ZTRASHEDSTATE', 'ZHIDDEN', 'ZFAVORITE'];

export async function findSchema(runner: QueryRunner): Promise<PhotosSchema> {
	const roots = new Map<string, number>();
	for (const [name, rootPage] of await runner.select("SELECT name, rootpage FROM sqlite_master WHERE type = 'table'")) {
		if (typeof name === 'string' && typeof rootPage === 'number' && rootPage > 0) roots.set(name, rootPage);
	}
	const table = async (name: string, required: readonly string[]): Promise<TableRef | undefined> => {
		const rootPage = roots.get(name);
		if (rootPage === undefined) return undefined;
		const columns = new Set((await runner.select('SELECT name FROM pragma_table_info(?)', [name])).map(([column]) => String(column)));
		return required.every((column) => columns.has(column)) ? { name, rootPage, columns } : undefined;
	};

	const assetTable = roots.has('ZASSET') ? 'ZASSET' : 'ZGENERICASSET';
	const assets = await table(assetTable, ASSET_COLUMNS);
	if (assets === undefined) {
		throw new DatabaseProblem('unknown-schema', `The Photos database has no ${assetTable} table with the columns a library has.`);
	}
	return {
		assets,
		attributes: await table('ZADDITIONALASSETATTRIBUTES', ['Z_PK', 'ZASSET', 'ZORIGINALFILENAME']),
		resources: await table('ZINTERNALRESOURCE', ['ZASSET', 'ZDATASTORESUBTYPE', 'ZLOCALAVAILABILITY']),
		albums: await table('ZGENERICALBUM', ['Z_PK', 'ZKIND', 'ZTITLE', 'ZTRASHEDSTATE']),
		albumAssets: await findAlbumAssets(runner, roots, table),
	};
}

async function findAlbumAssets(
	runner: QueryRunner,
	roots: ReadonlyMap<string, number>,
	table: (name: string, required: readonly string[]) => Promise<TableRef | undefined>,
): Promise<PhotosSchema['albumAssets']> {
	if (!roots.has('Z_PRIMARYKEY')) return undefined;
	const entities = new Map<string, number>();
	for (const [number, name] of await runner.select(`SELECT Z_ENT, Z_NAME FROM ${quoteName('Z_PRIMARYKEY')}`)) {
		if (typeof number === 'number' && typeof name === 'string') entities.set(name, number);
	}
	const asset = entities.get('Asset');
	const album = entities.get('Album');
	if (asset === undefined || album === undefined) return undefined;
	const albumColumn = `Z_${album}ALBUMS`;
	const assetColumn = `Z_${asset}ASSETS`;
	const join = await table(`Z_${album}ASSETS`, [albumColumn, assetColumn]);
	return join === undefined ? undefined : { ...join, albumColumn, assetColumn };
}
