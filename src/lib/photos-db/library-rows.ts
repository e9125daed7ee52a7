import type { QueryRunner, SqlValue } from './query-runner';
import type { PhotosSchema, TableRef } from './schema';
import type { PhotosDbAsset, PhotosDbKind } from './types';

/*
 * The library's assets, from one scan of each table the answer needs, joined here rather than in SQL:
 * a join would have SQLite seek from one table into another page by page, each seek a round trip to
 * the phone, where a scan reads a table's leaves in batches. What the columns mean comes from the
 * public references (shared/docs/photos-library.md):
 *
 * - `ZKIND` 0 photo, 1 video; `ZKINDSUBTYPE` 2 Live Photo, 10 screenshot; `ZISDETECTEDSCREENSHOT`
 *   (iOS 18 on) 1 screenshot; `ZTRASHEDSTATE` 1 in Recently Deleted; `ZHIDDEN`, `ZFAVORITE` 1 when so
 *   (Scott Koenig's Photos.sqlite parsers in iLEAPP, e.g. Ph051PossOptimizedAssetsIntResouData).
 * - `ZSAVEDASSETTYPE` 4 shared album, 8 iCloud link, 12 Shared with You: assets whose files are not
 *   in the camera roll (same source).
 * - `ZDATECREATED` seconds since 2001-01-01 UTC (Core Data's reference date).
 * - Edits: `ZHASADJUSTMENTS` 1 up to iOS 17, `ZADJUSTMENTSSTATE` > 0 from iOS 18 (2 edited in Photos, 3
 *   a camera effect) (iLEAPP Ph008HasAdjustment; osxphotos reads the same two columns).
 * - The original on the phone: `ZINTERNALRESOURCE` rows with `ZDATASTORESUBTYPE` 1 are the asset's
 *   original-size resources; `ZLOCALAVAILABILITY` 1 means on the device, −1 not (only in iCloud).
 *   osxphotos marks a photo missing when its original's local availability is not 1; Koenig's
 *   "possible optimized assets" query looks for the same −1.
 */

/** Seconds from the Unix epoch to Core Data's reference date, 2001-01-01T00:00:00Z. */
const CORE_DATA_EPOCH_SECONDS = 978_307_200;
const SUBTYPE_LIVE_PHOTO = 2;
const SUBTYPE_SCREENSHOT = 10;
const SHARED_SAVED_ASSET_TYPES = new Set([4, 8, 12]);
const ALBUM_KIND_USER = 2;
const DATASTORE_SUBTYPE_ORIGINAL = 1;
const LOCALLY_AVAILABLE = 1;

export async function readLibraryAssets(runner: QueryRunner, schema: PhotosSchema): Promise<PhotosDbAsset[]> {
	const assetRows = await runner.scan(
		schema.assets,
		selectList(schema.assets, [
			'Z_PK',
			'ZUUID',
			'ZDIRECTORY',
			'ZFILENAME',
			'ZKIND',
			'ZKINDSUBTYPE',
			'ZDATECREATED',
			'ZTRASHEDSTATE',
			'ZHIDDEN',
			'ZFAVORITE',
			'ZADDITIONALATTRIBUTES',
			'ZSAVEDASSETTYPE',
			'ZISDETECTEDSCREENSHOT',
			'ZHASADJUSTMENTS',
			'ZADJUSTMENTSSTATE',
		]),
	);
	const attributesOf = await readAttributes(runner, schema.attributes);
	const availability = await readOriginalAvailability(runner, schema.resources);
	const albums = await readAlbumTitles(runner, schema);
	const hasEdits = schema.assets.columns.has('ZHASADJUSTMENTS') || schema.assets.columns.has('ZADJUSTMENTSSTATE');

	const assets: PhotosDbAsset[] = [];
	for (const row of assetRows) {
		const [pk, uuid, directory, filename, kind, subtype, created, trashed, hidden, favorite, attributes, savedType, detectedScreenshot, hasAdjustments, adjustmentsState] = row;
		if (typeof uuid !== 'string' || uuid === '') continue;
		const key = asNumber(pk);
		const attributesKey = asNumber(attributes);
		const more = attributesOf.byAttributes.get(attributesKey ?? NaN) ?? attributesOf.byAsset.get(key ?? NaN);
		assets.push({
			uuid,
			directory: asText(directory) ?? '',
			filename: asText(filename) ?? '',
			originalFilename: more?.originalFilename,
			kind: kindOf(kind),
			livePhoto: asNumber(subtype) === SUBTYPE_LIVE_PHOTO,
			screenshot: asNumber(subtype) === SUBTYPE_SCREENSHOT || asNumber(detectedScreenshot) === 1,
			hidden: asNumber(hidden) === 1,
			favorite: asNumber(favorite) === 1,
			trashed: asNumber(trashed) === 1,
			shared: SHARED_SAVED_ASSET_TYPES.has(asNumber(savedType) ?? -1),
			captureTime: captureTime(created),
			captureOffsetMinutes: more?.offsetMinutes,
			originalOnPhone: key === undefined ? undefined : availability?.get(key),
			albums: key === undefined ? [] : (albums.get(key) ?? []).sort(),
			edited: hasEdits ? (asNumber(hasAdjustments) ?? 0) > 0 || (asNumber(adjustmentsState) ?? 0) > 0 : undefined,
		});
	}
	return assets;
}

/** The columns, `NULL` for those this version of the table does not have. */
function selectList(table: TableRef, columns: readonly string[]): string {
	return columns.map((column) => (table.columns.has(column) ? column : 'NULL')).join(', ');
}

/** What `ZADDITIONALASSETATTRIBUTES` adds to an asset: the name the person knows, and the capture's time zone. */
interface AssetAttributes {
	originalFilename: string | undefined;
	/**
	 * Minutes east of UTC where it was taken (`ZTIMEZONEOFFSET`, seconds; osxphotos reads it as the
	 * photo's tzoffset): the month a photo belongs to is its wall-clock month there.
	 */
	offsetMinutes: number | undefined;
}

/** Time-zone offsets run from −12:00 to +14:00; anything else is not one. */
const MAX_OFFSET_MINUTES = 14 * 60;

async function readAttributes(
	runner: QueryRunner,
	table: TableRef | undefined,
): Promise<{ byAttributes: Map<number, AssetAttributes>; byAsset: Map<number, AssetAttributes> }> {
	const byAttributes = new Map<number, AssetAttributes>();
	const byAsset = new Map<number, AssetAttributes>();
	if (table === undefined) return { byAttributes, byAsset };
	for (const [pk, asset, name, offset] of await runner.scan(table, selectList(table, ['Z_PK', 'ZASSET', 'ZORIGINALFILENAME', 'ZTIMEZONEOFFSET']))) {
		const seconds = asNumber(offset);
		const minutes = seconds === undefined || !Number.isInteger(seconds / 60) ? undefined : seconds / 60;
		const attributes: AssetAttributes = {
			originalFilename: asText(name),
			offsetMinutes: minutes !== undefined && Math.abs(minutes) <= MAX_OFFSET_MINUTES ? minutes : undefined,
		};
		if (attributes.originalFilename === undefined && attributes.offsetMinutes === undefined) continue;
		const attributesKey = asNumber(pk);
		const assetKey = asNumber(asset);
		if (attributesKey !== undefined) byAttributes.set(attributesKey, attributes);
		if (assetKey !== undefined) byAsset.set(assetKey, attributes);
	}
	return { byAttributes, byAsset };
}

/** Asset key → whether every original-size resource of it is on the phone. */
async function readOriginalAvailability(runner: QueryRunner, table: TableRef | undefined): Promise<Map<number, boolean> | undefined> {
	if (table === undefined) return undefined;
	const onPhone = new Map<number, boolean>();
	const rows = await runner.scan(table, 'ZASSET, ZLOCALAVAILABILITY', `ZDATASTORESUBTYPE = ${DATASTORE_SUBTYPE_ORIGINAL}`);
	for (const [asset, availability] of rows) {
		const key = asNumber(asset);
		if (key === undefined) continue;
		onPhone.set(key, (onPhone.get(key) ?? true) && asNumber(availability) === LOCALLY_AVAILABLE);
	}
	return onPhone;
}

/** Asset key → titles of the user's albums (kind 2, not trashed) that hold it. */
async function readAlbumTitles(runner: QueryRunner, schema: PhotosSchema): Promise<Map<number, string[]>> {
	const byAsset = new Map<number, string[]>();
	if (schema.albums === undefined || schema.albumAssets === undefined) return byAsset;
	const titles = new Map<number, string>();
	for (const [pk, title] of await runner.scan(schema.albums, 'Z_PK, ZTITLE', `ZKIND = ${ALBUM_KIND_USER} AND ZTRASHEDSTATE = 0`)) {
		const key = asNumber(pk);
		if (key !== undefined) titles.set(key, asText(title) ?? '');
	}
	const { albumColumn, assetColumn } = schema.albumAssets;
	for (const [album, asset] of await runner.scan(schema.albumAssets, `${albumColumn}, ${assetColumn}`)) {
		const title = titles.get(asNumber(album) ?? NaN);
		const key = asNumber(asset);
		if (title === undefined || key === undefined) continue;
		const list = byAsset.get(key);
		if (list === undefined) byAsset.set(key, [title]);
		else if (!list.includes(title)) list.push(title);
	}
	return byAsset;
}

function kindOf(value: SqlValue | undefined): PhotosDbKind {
	const kind = asNumber(value);
	return kind === 0 ? 'photo' : kind === 1 ? 'video' : 'other';
}

function captureTime(value: SqlValue | undefined): number | undefined {
	const seconds = asNumber(value);
	if (seconds === undefined) return undefined;
	const ms = Math.round((seconds + CORE_DATA_EPOCH_SECONDS) * 1000);
	return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? ms : undefined;
}

function asNumber(value: SqlValue | undefined): number | undefined {
	if (typeof value === 'number' && Number.isFinite(value)) return value;
	if (typeof value === 'bigint') return Number(value);
	return undefined;
}

function asText(value: SqlValue | undefined): string | undefined {
	return typeof value === 'string' ? value : undefined;
}
