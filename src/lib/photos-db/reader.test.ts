import { describe, expect, it } from 'vitest';
import { DeviceError } from '../errors';
import { MemoryFiles } from '../../testing/photos-db/memory-files';
import { PHOTOS_FIXTURE_VERSIONS, photosFixtureFiles } from '../../testing/photos-db/photos-fixtures-node';
import { buildSyntheticLibrary, syntheticAssetTraits } from '../../testing/photos-db/synthetic-library';
import { walBetween } from '../../testing/photos-db/wal-writer';
import { libraryCounts } from './counts';
import { DatabaseImage } from './database-image';
import { ReadMeter } from './problems';
import { QueryRunner } from './query-runner';
import { readPhotosDatabase } from './reader';
import { loadSqlite } from './sqlite';
import { PHOTOS_DATABASE_PATH, type DatabaseFiles, type PhotosDbAsset, type PhotosDbResult } from './types';
import { readWal } from './wal';

const WAL_PATH = `${PHOTOS_DATABASE_PATH}-wal`;

function assetsOf(result: PhotosDbResult): PhotosDbAsset[] {
	if (!result.ok) throw new Error(`fell back: ${result.reason} (${result.detail})`);
	return result.assets;
}

/*
 * The five fixtures are one small test library (osxphotos's) as five versions of Photos wrote it: the
 * same sixteen photos, so every version must give the same answer. Known facts of that library (checked
 * with the sqlite3 shell on the fixtures): "Pumpkins4.jpg" is hidden and its original is not local;
 * "wedding.jpg" is a favourite, edited, in two albums; two photos are in Recently Deleted.
 */
describe('readPhotosDatabase on the real fixtures', () => {
	for (const version of PHOTOS_FIXTURE_VERSIONS) {
		it(`reads the library of ${version}`, async () => {
			const files = new MemoryFiles(await photosFixtureFiles(version));
			const result = await readPhotosDatabase(files);
			const assets = assetsOf(result);
			expect(assets).toHaveLength(16);
			expect(new Set(assets.map((asset) => asset.uuid)).size).toBe(16);

			const pumpkins = assets.find((asset) => asset.originalFilename === 'Pumpkins4.jpg')!;
			expect(pumpkins).toMatchObject({ hidden: true, originalOnPhone: false, kind: 'photo', filename: 'Pumpkins4.jpg' });
			const wedding = assets.find((asset) => asset.originalFilename === 'wedding.jpg')!;
			expect(wedding).toMatchObject({ favorite: true, edited: true, hidden: false, trashed: false, originalOnPhone: true });
			expect(wedding.albums).toEqual(['AlbumInFolder', 'I have a deleted twin']);
			expect(wedding.filename).toBe(`${wedding.uuid}.jpeg`);
			expect(wedding.directory).toBe(wedding.uuid[0]);
			// ZDATECREATED 577046424.086 s after 2001-01-01 = 1555353624.086 s after 1970-01-01.
			expect(wedding.captureTime).toBe(1_555_353_624_086);
			expect(new Date(wedding.captureTime!).toISOString()).toBe('2019-04-15T18:40:24.086Z');

			expect(libraryCounts(assets)).toEqual({
				photos: 14,
				videos: 0,
				livePhotos: 0,
				screenshots: 0,
				hidden: 1,
				favorites: 1,
				onlyInICloud: 2,
				trashed: 2,
			});
			expect(assets.filter((asset) => asset.edited)).toHaveLength(4);
			expect(result.stats.bytesRead).toBe(files.bytesRead);
			// Only what the queries need: well under the database and its WAL.
			const whole = (await files.stat(PHOTOS_DATABASE_PATH)).size + (await files.stat(WAL_PATH)).size;
			expect(result.stats.bytesRead).toBeLessThan(whole / 2);
		});
	}

	it('gives every version the same answer', async () => {
		const answers = await Promise.all(
			PHOTOS_FIXTURE_VERSIONS.map(async (version) => assetsOf(await readPhotosDatabase(new MemoryFiles(await photosFixtureFiles(version))))),
		);
		const byUuid = (assets: PhotosDbAsset[]) => [...assets].sort((a, b) => a.uuid.localeCompare(b.uuid));
		for (const answer of answers.slice(1)) expect(byUuid(answer)).toEqual(byUuid(answers[0]!));
	});
});

describe('the WAL', () => {
	/** Rows of ZGENERICALBUM with and without the WAL, from the sqlite3 shell on the fixtures. */
	const ALBUM_ROWS = { 'macos-12.0.1': [64, 67], 'macos-14.6.0': [70, 71], 'macos-15.4.1': [70, 72], 'macos-26.1': [72, 73] } as const;

	for (const [version, [mainOnly, withWal]] of Object.entries(ALBUM_ROWS)) {
		it(`sees rows that only the WAL of ${version} holds`, async () => {
			const count = async (wal: boolean) => {
				const files = new MemoryFiles(await photosFixtureFiles(version as keyof typeof ALBUM_ROWS, { wal }));
				const main = files.files.get(PHOTOS_DATABASE_PATH)!;
				const walBytes = files.files.get(WAL_PATH);
				const meter = new ReadMeter(64 * 1024 * 1024);
				const snapshot = walBytes === undefined ? undefined : await readWal(walBytes.length, (offset, length) => files.readRange(WAL_PATH, offset, length), { chunkBytes: 65_536, expectedPageSize: 4096 });
				const image = new DatabaseImage({
					pageSize: 4096,
					mainBytes: main.length,
					wal: snapshot,
					maxCacheBytes: 8 * 1024 * 1024,
					meter,
					source: { readMain: (o, l) => files.readRange(PHOTOS_DATABASE_PATH, o, l), readWal: (o, l) => files.readRange(WAL_PATH, o, l) },
				});
				const runner = await QueryRunner.open(await loadSqlite(), image, { deadline: Date.now() + 30_000 });
				try {
					return (await runner.select('SELECT count(*) FROM ZGENERICALBUM'))[0]![0];
				} finally {
					runner.close();
				}
			};
			expect(await count(false)).toBe(mainOnly);
			expect(await count(true)).toBe(withWal);
		});
	}

	it('applies a WAL that changes assets, as a live phone holds its newest changes', async () => {
		const before = await buildSyntheticLibrary({ assets: 40, unrelatedBytes: 0 });
		const sqlite3 = await loadSqlite();
		const db = new sqlite3.oo1.DB(':memory:', 'c');
		const bytes = sqlite3.wasm.allocFromTypedArray(before);
		sqlite3.capi.sqlite3_deserialize(db, 'main', bytes, before.length, before.length, sqlite3.capi.SQLITE_DESERIALIZE_FREEONCLOSE | sqlite3.capi.SQLITE_DESERIALIZE_RESIZEABLE);
		db.exec("UPDATE ZASSET SET ZFAVORITE = 1 WHERE Z_PK <= 5; DELETE FROM ZASSET WHERE Z_PK > 30; INSERT INTO ZGENERICALBUM VALUES (9, 30, 2, 0, 'New album', 'N'); INSERT INTO Z_30ASSETS VALUES (9, 1, 1)");
		const after = sqlite3.capi.sqlite3_js_db_export(db);
		db.close();

		const withWal = assetsOf(await readPhotosDatabase(new MemoryFiles({ [PHOTOS_DATABASE_PATH]: before, [WAL_PATH]: walBetween(before, after, 4096) })));
		const mainOnly = assetsOf(await readPhotosDatabase(new MemoryFiles({ [PHOTOS_DATABASE_PATH]: before })));
		const merged = assetsOf(await readPhotosDatabase(new MemoryFiles({ [PHOTOS_DATABASE_PATH]: after })));
		expect(mainOnly).toHaveLength(40);
		expect(withWal).toHaveLength(30);
		expect(withWal).toEqual(merged);
		const favourites = withWal.filter((asset) => asset.favorite).map((asset) => Number(asset.uuid.slice(-12)));
		expect(favourites).toEqual([1, 2, 3, 4, 5, 11, 22]);
		expect(mainOnly.filter((asset) => asset.favorite)).toHaveLength(3);
		expect(withWal[0]!.albums).toContain('New album');
	});
});

describe('reading a large library', () => {
	it('reads only the tables it needs, within the bounds, with the right answer', async () => {
		const assetCount = 6000;
		const database = await buildSyntheticLibrary({ assets: assetCount, unrelatedBytes: 24 * 1024 * 1024 });
		const files = new MemoryFiles({ [PHOTOS_DATABASE_PATH]: database });
		const result = await readPhotosDatabase(files, { limits: { maxCacheBytes: 4 * 1024 * 1024 } });
		const assets = assetsOf(result);
		expect(assets).toHaveLength(assetCount);

		const expected = { photos: 0, videos: 0, livePhotos: 0, screenshots: 0, hidden: 0, favorites: 0, onlyInICloud: 0, trashed: 0 };
		for (let i = 1; i <= assetCount; i++) {
			const t = syntheticAssetTraits(i);
			if (t.trashed) {
				expected.trashed++;
				continue;
			}
			if (t.kind === 'photo') expected.photos++;
			else expected.videos++;
			if (t.livePhoto) expected.livePhotos++;
			if (t.screenshot) expected.screenshots++;
			if (t.hidden) expected.hidden++;
			if (t.favorite) expected.favorites++;
			if (t.onlyInICloud) expected.onlyInICloud++;
		}
		expect(libraryCounts(assets)).toEqual(expected);
		const sample = assets.find((asset) => asset.uuid.endsWith('000000000360'))!;
		expect(sample).toMatchObject({ kind: 'video', edited: true, albums: ['Album 0'], directory: 'DCIM/100APPLE', filename: 'IMG_360.HEIC', originalFilename: 'IMG_360.HEIC' });
		expect(assets.find((asset) => asset.uuid.endsWith('000000000050'))!.albums).toEqual([]); // only in a trashed album

		// The unrelated 24 MiB are never read: what is read is about the size of the tables needed.
		expect(result.stats.bytesRead).toBe(files.bytesRead);
		expect(result.stats.bytesRead).toBeLessThan(database.length / 4);
		expect(result.stats.bytesRead).toBeLessThan(8 * 1024 * 1024);
		// Ranges follow the leaves: a handful of reruns per table, not one per page.
		expect(result.stats.reruns).toBeLessThan(200);
	}, 60_000);
});

describe('falling back', () => {
	const fixture = () => photosFixtureFiles('macos-15.4.1');

	it('says so when there is no database', async () => {
		const result = await readPhotosDatabase(new MemoryFiles({}));
		expect(result).toMatchObject({ ok: false, reason: 'missing' });
	});

	it('says so when the file is not a database', async () => {
		const result = await readPhotosDatabase(new MemoryFiles({ [PHOTOS_DATABASE_PATH]: new TextEncoder().encode('not a database '.repeat(1000)) }));
		expect(result).toMatchObject({ ok: false, reason: 'damaged' });
	});

	it('says so when the database is not a Photos library', async () => {
		const sqlite3 = await loadSqlite();
		const db = new sqlite3.oo1.DB(':memory:', 'c');
		db.exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT); INSERT INTO notes VALUES (1, 'hello')");
		const bytes = sqlite3.capi.sqlite3_js_db_export(db);
		db.close();
		const result = await readPhotosDatabase(new MemoryFiles({ [PHOTOS_DATABASE_PATH]: bytes }));
		expect(result).toMatchObject({ ok: false, reason: 'unknown-schema' });
	});

	it('stops at its byte bound', async () => {
		const files = new MemoryFiles(await fixture());
		const result = await readPhotosDatabase(files, { limits: { maxBytesRead: 200_000 } });
		expect(result).toMatchObject({ ok: false, reason: 'too-large' });
		expect(files.bytesRead).toBeLessThanOrEqual(200_000);
	});

	it('says so when the phone keeps the file busy or unreadable', async () => {
		for (const [code, reason] of [
			['device-busy', 'locked'],
			['file-unreadable', 'unreadable'],
		] as const) {
			const files: DatabaseFiles = { stat: () => Promise.reject(new DeviceError(code, 'no')), readRange: () => Promise.reject(new DeviceError(code, 'no')) };
			expect(await readPhotosDatabase(files)).toMatchObject({ ok: false, reason });
		}
	});

	it('reads again when the database changes while it is read, and gives up when it never stops', async () => {
		const base = await fixture();
		let stats = 0;
		/** The WAL grows by a frame's worth after the first look: the first attempt must be thrown away. */
		const growingOnce: DatabaseFiles = {
			stat: async (path) => {
				const file = base.get(path)!;
				if (path === WAL_PATH && stats++ === 1) return { size: file.length + 4120 };
				return { size: file.length };
			},
			readRange: (path, offset, length) => Promise.resolve(base.get(path)!.slice(offset, offset + length)),
		};
		const once = await readPhotosDatabase(growingOnce);
		expect(assetsOf(once)).toHaveLength(16);
		expect(once.stats.attempts).toBe(2);

		let size = base.get(WAL_PATH)!.length;
		const alwaysGrowing: DatabaseFiles = {
			stat: async (path) => (path === WAL_PATH ? { size: (size += 4120) } : { size: base.get(path)!.length }),
			readRange: (path, offset, length) => Promise.resolve(base.get(path)!.slice(offset, offset + length)),
		};
		const never = await readPhotosDatabase(alwaysGrowing, { limits: { maxAttempts: 3 } });
		expect(never).toMatchObject({ ok: false, reason: 'changing', stats: { attempts: 3 } });
	});

	it('a file service that refuses the database with another status falls back, as unreadable', async () => {
		const refusing: DatabaseFiles = {
			stat: async () => ({ size: 4096 }),
			readRange: () => Promise.reject(new DeviceError('afc-failed', 'The file service reported UnknownError.')),
		};
		await expect(readPhotosDatabase(refusing)).resolves.toMatchObject({ ok: false, reason: 'unreadable' });
	});

	it('lets connection loss through, for the caller to reconnect', async () => {
		const base = await fixture();
		let reads = 0;
		const unplugged: DatabaseFiles = {
			stat: (path) => Promise.resolve({ size: base.get(path)!.length }),
			readRange: (path, offset, length) => {
				if (++reads > 3) return Promise.reject(new DeviceError('unplugged', 'The iPhone was disconnected.'));
				return Promise.resolve(base.get(path)!.slice(offset, offset + length));
			},
		};
		await expect(readPhotosDatabase(unplugged)).rejects.toMatchObject({ code: 'unplugged' });
	});

	it('stops when aborted', async () => {
		const controller = new AbortController();
		const base = await fixture();
		const files: DatabaseFiles = {
			stat: (path) => Promise.resolve({ size: base.get(path)!.length }),
			readRange: (path, offset, length) => {
				controller.abort(new Error('cancelled'));
				return Promise.resolve(base.get(path)!.slice(offset, offset + length));
			},
		};
		await expect(readPhotosDatabase(files, { signal: controller.signal })).rejects.toThrow('cancelled');
	});
});
