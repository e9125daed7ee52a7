import { describe, expect, it } from 'vitest';
import { AfcClient } from '../../lib/afc/client';
import { DeviceError } from '../../lib/errors';
import { PHOTOS_DATABASE_PATH, readPhotosDatabase, type DatabaseFiles, type PhotosDbAsset, type PhotosDbResult } from '../../lib/photos-db';
import { loadSqlite } from '../../lib/photos-db/sqlite';
import { createChannelPair } from '../../lib/streams/byte-channel';
import { loadPhotosFixture } from '../../testing/photos-db/photos-fixtures-node';
import { serveAfc } from '../afcd';
import { VirtualCameraRoll, type ProfileName } from '../camera-roll';
import type { LibraryAsset } from './library-asset';
import { defaultWalAdditions } from './library-database';
import { PHOTOS_SCHEMA_VERSIONS, type PhotosSchemaVersion } from './schema-source';

const WAL_PATH = `${PHOTOS_DATABASE_PATH}-wal`;

/** The phone's files over a real AFC connection to the virtual iPhone's afcd. */
function overAfc(roll: VirtualCameraRoll): AfcClient {
	const [host, device] = createChannelPair();
	serveAfc(device, roll);
	return new AfcClient(host);
}

/** `files` with the WAL gone, as after a checkpoint that never happened: the main file alone. */
function withoutWal(files: DatabaseFiles): DatabaseFiles {
	const missing = () => Promise.reject(new DeviceError('file-not-found', 'No WAL.'));
	return {
		stat: (path) => (path === WAL_PATH ? missing() : files.stat(path)),
		readRange: (path, offset, length) => (path === WAL_PATH ? missing() : files.readRange(path, offset, length)),
	};
}

function assetsOf(result: PhotosDbResult): PhotosDbAsset[] {
	if (!result.ok) throw new Error(`fell back: ${result.reason} (${result.detail})`);
	return result.assets;
}

/** What the reader must say of each asset, from the simulator's own list. */
function expectedRow(asset: LibraryAsset) {
	return {
		uuid: asset.uuid,
		directory: asset.directory,
		filename: asset.filename,
		originalFilename: asset.originalFilename,
		kind: asset.kind,
		livePhoto: asset.live,
		screenshot: asset.screenshot,
		hidden: asset.hidden,
		favorite: asset.favorite,
		trashed: asset.trashed,
		shared: false,
		captureTime: asset.captureMs,
		captureOffsetMinutes: asset.offsetMinutes,
		originalOnPhone: asset.originalOnPhone,
		albums: [...asset.albums].sort(),
		edited: asset.edited,
	};
}

/** The counts, straight from the simulator's list: what a backup can take, apart from Recently Deleted. */
function expectedCounts(assets: readonly LibraryAsset[]) {
	const live = assets.filter((asset) => !asset.trashed);
	return {
		photos: live.filter((asset) => asset.kind === 'photo').length,
		videos: live.filter((asset) => asset.kind === 'video').length,
		livePhotos: live.filter((asset) => asset.live).length,
		screenshots: live.filter((asset) => asset.screenshot).length,
		hidden: live.filter((asset) => asset.hidden).length,
		favorites: live.filter((asset) => asset.favorite).length,
		onlyInICloud: live.filter((asset) => !asset.originalOnPhone).length,
		trashed: assets.length - live.length,
	};
}

function countsOf(assets: readonly PhotosDbAsset[]) {
	const live = assets.filter((asset) => !asset.trashed);
	return {
		photos: live.filter((asset) => asset.kind === 'photo').length,
		videos: live.filter((asset) => asset.kind === 'video').length,
		livePhotos: live.filter((asset) => asset.livePhoto).length,
		screenshots: live.filter((asset) => asset.screenshot).length,
		hidden: live.filter((asset) => asset.hidden).length,
		favorites: live.filter((asset) => asset.favorite).length,
		onlyInICloud: live.filter((asset) => asset.originalOnPhone === false).length,
		trashed: assets.length - live.length,
	};
}

const byUuid = <T extends { uuid: string }>(list: readonly T[]) => [...list].sort((a, b) => (a.uuid < b.uuid ? -1 : 1));

describe.each(['small', 'demo', 'typical'] as ProfileName[])('the %s camera roll’s Photos.sqlite', (profile) => {
	it.each(PHOTOS_SCHEMA_VERSIONS)('gives every asset of the simulator’s list, over AFC, with the %s schema', async (schema) => {
		const roll = new VirtualCameraRoll({ profile, photosSchema: schema });
		const result = await readPhotosDatabase(overAfc(roll));
		const assets = assetsOf(result);
		expect(byUuid(assets)).toEqual(byUuid(roll.assets()).map(expectedRow));
		expect(countsOf(assets)).toEqual(expectedCounts(roll.assets()));
		expect(result.stats.walFrames).toBeGreaterThan(0);
	}, 60_000);

	it('agrees with the listing: each row’s original is listed, readable or a placeholder, or absent when only in iCloud', async () => {
		const roll = new VirtualCameraRoll({ profile });
		const rows = assetsOf(await readPhotosDatabase(overAfc(roll)));
		const originals = new Set<string>();
		for (const row of rows) {
			const path = `/${row.directory}/${row.filename}`;
			const file = roll.file(path);
			if (file === undefined) {
				// Only in iCloud, not even listed: a row and no file.
				expect(row.originalOnPhone, path).toBe(false);
				continue;
			}
			originals.add(path);
			expect(file.unreadable, path).toBe(!row.originalOnPhone);
			// The date the file's EXIF or QuickTime metadata gives (real files: theirs, see REAL_ASSETS).
			if (file.capture !== undefined) expect(row.captureTime, path).toBe(file.capture.epochMs);
		}
		// Every original the camera made or the iCloud library brought has its row.
		const listedOriginals = [...roll.files()].filter((file) => ['still', 'live-still', 'video', 'screenshot', 'raw', 'import'].includes(file.tag));
		for (const file of listedOriginals) expect(originals.has(file.path), file.path).toBe(true);
		expect(rows.filter((row) => row.directory.startsWith('PhotoData/CPLAssets/')).every((row) => row.filename.startsWith(row.uuid))).toBe(true);
	}, 60_000);
});

describe('the newest changes', () => {
	it('are in the WAL: the newest assets only there, and a deletion the main file does not know', async () => {
		const roll = new VirtualCameraRoll({ profile: 'demo', seed: 7 });
		const files = overAfc(roll);
		const withWal = assetsOf(await readPhotosDatabase(files));
		const mainOnly = assetsOf(await readPhotosDatabase(withoutWal(files)));

		const newest = [...roll.assets()].sort((a, b) => a.addedMs - b.addedMs).slice(-defaultWalAdditions(roll.assets().length));
		const uuids = (list: readonly { uuid: string }[]) => new Set(list.map((asset) => asset.uuid));
		for (const asset of newest) {
			expect(uuids(withWal).has(asset.uuid)).toBe(true);
			expect(uuids(mainOnly).has(asset.uuid)).toBe(false);
		}
		expect(uuids(mainOnly).has(roll.deletedAsset.uuid)).toBe(true);
		expect(uuids(withWal).has(roll.deletedAsset.uuid)).toBe(false);
		expect(roll.file(`/${roll.deletedAsset.directory}/${roll.deletedAsset.filename}`)).toBeUndefined();
		expect(withWal).toHaveLength(roll.assets().length);
		expect(mainOnly).toHaveLength(roll.assets().length - newest.length + 1);
	}, 60_000);
});

describe('the database’s rows', () => {
	/** Average and largest bytes of a row of `table`, every column counted as SQLite stores it. */
	async function rowBytes(database: Uint8Array, table: string): Promise<{ average: number; widest: number }> {
		const sqlite3 = await loadSqlite();
		const db = new sqlite3.oo1.DB(':memory:', 'c');
		try {
			// Opened in memory, so marked as a rollback-journal database (header bytes 18 and 19).
			const copy = database.slice();
			copy[18] = 1;
			copy[19] = 1;
			const pointer = sqlite3.wasm.allocFromTypedArray(copy);
			sqlite3.capi.sqlite3_deserialize(db, 'main', pointer, copy.length, copy.length, sqlite3.capi.SQLITE_DESERIALIZE_FREEONCLOSE);
			const columns = db.selectValues('SELECT name FROM pragma_table_info(?)', [table]).map(String);
			const width = columns.map((column) => `coalesce(length(CAST("${column}" AS BLOB)), 0)`).join(' + ');
			const [average, widest] = db.selectArray(`SELECT avg(${width}), max(${width}) FROM "${table}"`)!.map(Number);
			return { average: average!, widest: widest! };
		} finally {
			db.close();
		}
	}

	it.each([
		['ios-15', 'macos-12.0.1'],
		['ios-26', 'macos-26.1'],
	] as [PhotosSchemaVersion, 'macos-12.0.1' | 'macos-26.1'][])('are as wide as the real schema’s (%s)', async (schema, fixture) => {
		const roll = new VirtualCameraRoll({ profile: 'demo', photosSchema: schema });
		await roll.prepare(PHOTOS_DATABASE_PATH);
		const ours = await roll.read(PHOTOS_DATABASE_PATH, 0, Number.MAX_SAFE_INTEGER);
		const real = (await loadPhotosFixture(fixture)).main;
		for (const table of ['ZASSET', 'ZADDITIONALASSETATTRIBUTES', 'ZINTERNALRESOURCE']) {
			// As wide as a real asset's rows with everything a phone records (its place, which few of the
			// fixtures' pictures have): above the fixture's average, not above its widest.
			const [mine, theirs] = [await rowBytes(ours, table), await rowBytes(real, table)];
			expect(mine.average, table).toBeGreaterThanOrEqual(theirs.average);
			expect(mine.widest, table).toBeLessThanOrEqual(theirs.widest * 1.1);
		}
	}, 60_000);
});

describe('the huge camera roll', () => {
	it('builds its database only when it is first read, and gives the simulator’s counts', async () => {
		const roll = new VirtualCameraRoll({ profile: 'huge' });
		const estimate = roll.file(PHOTOS_DATABASE_PATH)!.size;
		// Listing and stating the camera roll builds nothing.
		expect(roll.list('/PhotoData')).toContain('Photos.sqlite');
		expect(roll.file(PHOTOS_DATABASE_PATH)!.size).toBe(estimate);

		// Rows as wide as a real phone's: the tables the reader scans weigh more than its default byte
		// bound (192 MiB) in a library this size; the bound is the reader's to choose, not this test's.
		const result = await readPhotosDatabase(overAfc(roll), { limits: { maxBytesRead: 1024 * 1024 * 1024 } });
		expect(roll.file(PHOTOS_DATABASE_PATH)!.size).not.toBe(estimate);
		const assets = assetsOf(result);
		expect(assets).toHaveLength(roll.assets().length);
		expect(countsOf(assets)).toEqual(expectedCounts(roll.assets()));
		expect(expectedCounts(roll.assets()).onlyInICloud).toBeGreaterThan(1000);
	}, 180_000);
});
