import 'fake-indexeddb/auto';
import { beforeAll, describe, expect, it } from 'vitest';
import { runBackup } from '../backup/engine';
import { BackupJournal } from '../backup/journal';
import { planBackup } from '../backup/planner';
import { prepareBackup } from '../backup/resume';
import { openBackupFolder } from '../destination/backup-folder';
import { DeviceError } from '../errors';
import { inProcessHashers } from '../hash';
import type { DeviceFiles } from '../library';
import { libraryCounts, PHOTOS_DATABASE_PATH, readPhotosDatabase, type PhotosDbAsset } from '../photos-db';
import { AppDatabase } from '../store';
import { MemoryFolder } from '../../testing/destination/memory-folder';
import { MemoryVfs, type MemoryFile } from '../../testing/library/memory-vfs';
import { VfsDeviceFiles } from '../../testing/library/vfs-device-files';
import { MemoryFiles } from '../../testing/photos-db/memory-files';
import { buildSyntheticLibrary, syntheticAssetTraits } from '../../testing/photos-db/synthetic-library';
import { backupKnowledge, libraryStatus, overviewOf } from './library-overview';
import { scanPhoneLibrary } from './phone-library';

/*
 * The synthetic library's 60 assets (`syntheticAssetTraits`) laid out as a phone would hold them: each
 * original `/DCIM/100APPLE/IMG_<i>.HEIC`; of those only in iCloud (i % 5 == 0), the videos' (i % 10 == 0)
 * are missing from DCIM altogether and the others listed but unreadable; each Live Photo (i % 10 == 1)
 * has its movie, a placeholder for i % 20 == 1 (the database does not say: a backup finds out). One
 * more file, `IMG_9000.JPG`, is not in the database.
 */
const ASSETS = 60;
const FILE_ONLY = '/DCIM/100APPLE/IMG_9000.JPG';
const original = (i: number) => `/DCIM/100APPLE/IMG_${i}.HEIC`;
const movie = (i: number) => `/DCIM/100APPLE/IMG_${i}.MOV`;

let database: Uint8Array;
let rows: PhotosDbAsset[];
beforeAll(async () => {
	database = await buildSyntheticLibrary({ assets: ASSETS, unrelatedBytes: 0 });
	const read = await readPhotosDatabase(new MemoryFiles({ [PHOTOS_DATABASE_PATH]: database }));
	if (!read.ok) throw new Error(read.detail);
	rows = read.assets;
});

function content(seed: number, size = 1500): Uint8Array {
	return Uint8Array.from({ length: size }, (_, at) => (seed * 31 + at * 7) & 0xff);
}

function phone(withDatabase = true): MemoryVfs {
	const files: Record<string, MemoryFile> = {};
	const at = (i: number) => Date.UTC(2024, i % 12, 1 + (i % 27));
	for (let i = 1; i <= ASSETS; i++) {
		const traits = syntheticAssetTraits(i);
		if (traits.onlyInICloud && traits.kind === 'video') continue;
		files[original(i)] = { bytes: content(i), birthTimeMs: at(i), unreadable: traits.onlyInICloud };
		if (traits.livePhoto) files[movie(i)] = { bytes: content(1000 + i), birthTimeMs: at(i), unreadable: i % 20 === 1 };
	}
	files[FILE_ONLY] = { bytes: content(9000), birthTimeMs: at(3) };
	if (withDatabase) files[PHOTOS_DATABASE_PATH] = { bytes: database };
	return new MemoryVfs(files);
}

/** `DeviceFiles` that notes every file whose bytes are asked for. */
function recording(files: DeviceFiles): DeviceFiles & { readPaths: Set<string> } {
	const readPaths = new Set<string>();
	return {
		readPaths,
		list: (path, limit) => files.list(path, limit),
		stat: (path) => files.stat(path),
		read(path, offset, length) {
			readPaths.add(path);
			return files.read(path, offset, length);
		},
	};
}

const DEVICE = { udid: '00008110-000A1B2C3D4E5F60', name: 'Test iPhone' };

describe('the library read with the Photos database', () => {
	it('counts what the database counts, and reads the heads only of files it does not describe', async () => {
		const files = recording(new VfsDeviceFiles(phone()));
		const { library } = await scanPhoneLibrary(files);
		expect(library.source).toEqual({ database: true });
		const overview = overviewOf(library, { totalBytes: 1, freeBytes: 0 });
		const expected = libraryCounts(rows);
		expect(expected.onlyInICloud).toBeGreaterThan(0);
		expect(expected.trashed).toBeGreaterThan(0);
		// IMG_9000.JPG is a photo the database does not know: the files tell of it, and of nothing else.
		expect(overview.counts).toEqual({
			items: expected.photos + expected.videos + 1,
			photos: expected.photos + 1,
			livePhotos: expected.livePhotos,
			screenshots: expected.screenshots,
			videos: expected.videos,
			other: 0,
			hidden: expected.hidden,
			favorites: expected.favorites,
			onlyInICloud: expected.onlyInICloud,
			recentlyDeleted: expected.trashed,
		});
		expect(overview.filesAlone).toBeUndefined();
		// Heads read: the file the database does not know, and the originals it says are not on the phone
		// (to find out); no Live Photo movie, no original it dates.
		const heads = [...files.readPaths].filter((path) => !path.startsWith(PHOTOS_DATABASE_PATH));
		const toFindOut = [...Array(ASSETS).keys()].map((k) => k + 1).filter((i) => i % 10 === 5).map(original);
		expect(heads.sort()).toEqual([FILE_ONLY, ...toFindOut].sort());
		// Dates from the database.
		const dated = library.assets.find((asset) => asset.id === original(7))!;
		expect(dated.captureDate).toMatchObject({ source: 'photos-database', epochMs: rows.find((row) => row.filename === 'IMG_7.HEIC')!.captureTime });
	});

	it('agrees on every number before and after a backup, which leaves Recently Deleted out', async () => {
		const files = new VfsDeviceFiles(phone());
		const { library } = await scanPhoneLibrary(files);
		const overview = overviewOf(library, { totalBytes: 1, freeBytes: 0 });
		const folder = await openBackupFolder(new MemoryFolder().root(), DEVICE, { localOffsetMinutes: () => 0 });
		const journal = await BackupJournal.open(new AppDatabase('phone-library-test'), 'destination', DEVICE);
		const state = await prepareBackup(folder, journal);
		const before = libraryStatus(library, backupKnowledge(state.index, new Set()));
		expect(before.counts).toEqual(overview.counts);

		const plan = planBackup(library.assets, state.index, { journal: state.journalRows });
		expect(plan.recentlyDeleted.assets).toBe(overview.counts.recentlyDeleted);
		expect(plan.recentlyDeleted.included).toBe(false);
		expect(plan.assets.some(({ asset }) => asset.photos?.trashed)).toBe(false);
		const result = await runBackup({ files, folder, plan, journal, index: state.index, hashers: inProcessHashers });
		expect(result.outcome).toBe('complete');
		// The backup found the Live Photo movies that are placeholders: their items are only in iCloud now.
		const found = [...Array(ASSETS).keys()].map((k) => k + 1).filter((i) => i % 20 === 1 && !syntheticAssetTraits(i).trashed);
		expect(result.inICloud.sort()).toEqual(found.map(movie).sort());
		const after = libraryStatus(library, backupKnowledge(state.index, new Set(result.inICloud)));
		expect(after.counts).toEqual({ ...overview.counts, onlyInICloud: overview.counts.onlyInICloud + found.length });
		// The months add up to the same numbers.
		const sum = (key: 'backedUp' | 'notYet' | 'onlyInICloud') => after.months.reduce((total, month) => total + month[key], 0);
		expect(sum('onlyInICloud')).toBe(after.counts.onlyInICloud);
		expect(sum('notYet')).toBe(0);
		expect(sum('backedUp') + sum('onlyInICloud')).toBe(after.counts.items);
		// Hidden items are backed up like any other.
		const hidden = rows.filter((row) => row.hidden && !row.trashed && row.originalOnPhone).map((row) => `/${row.directory}/${row.filename}`);
		expect(hidden.length).toBeGreaterThan(0);
		for (const path of hidden) expect(state.index.entries().some((entry) => entry.devicePath === path)).toBe(true);
		// Nothing of Recently Deleted was copied.
		const trashed = new Set(rows.filter((row) => row.trashed).map((row) => `/${row.directory}/${row.filename}`));
		expect(state.index.entries().filter((entry) => trashed.has(entry.devicePath))).toEqual([]);
	});

	it('backs up Recently Deleted when asked, and keeps it in the backup when not asked any more', async () => {
		const files = new VfsDeviceFiles(phone());
		const { library } = await scanPhoneLibrary(files);
		const folder = await openBackupFolder(new MemoryFolder().root(), DEVICE, { localOffsetMinutes: () => 0 });
		const journal = await BackupJournal.open(new AppDatabase('phone-library-trash'), 'destination', DEVICE);
		const state = await prepareBackup(folder, journal);
		const plan = planBackup(library.assets, state.index, { journal: state.journalRows, includeRecentlyDeleted: true });
		expect(plan.recentlyDeleted.included).toBe(true);
		await runBackup({ files, folder, plan, journal, index: state.index, hashers: inProcessHashers });
		const trashedPaths = library.assets.filter((asset) => asset.photos?.trashed).map((asset) => asset.primary.path);
		expect(trashedPaths.length).toBeGreaterThan(0);
		for (const path of trashedPaths) expect(state.index.entries().some((entry) => entry.devicePath === path)).toBe(true);
		// Left out next time: nothing of them is planned, nothing is left to tell of, and what is in the backup stays.
		const again = planBackup(library.assets, state.index);
		expect(again.recentlyDeleted.assets).toBe(0);
		expect(again.assets.some(({ asset }) => asset.photos?.trashed)).toBe(false);
		for (const path of trashedPaths) expect(state.index.entries().some((entry) => entry.devicePath === path)).toBe(true);
	});

	it('records albums and favourites in the manifest', async () => {
		const files = new VfsDeviceFiles(phone());
		const { library } = await scanPhoneLibrary(files);
		const memory = new MemoryFolder();
		const folder = await openBackupFolder(memory.root(), DEVICE, { localOffsetMinutes: () => 0 });
		const journal = await BackupJournal.open(new AppDatabase('phone-library-albums'), 'destination', DEVICE);
		const state = await prepareBackup(folder, journal);
		await runBackup({ files, folder, plan: planBackup(library.assets, state.index), journal, index: state.index, hashers: inProcessHashers });
		const manifest = await folder.readManifest();
		const entry = (i: number) => manifest!.entries.find((e) => e.devicePath === original(i))!;
		// IMG_44: in "Album 2" (44 % 4 == 0, 44 % 3 == 2) and a favourite (44 % 11 == 0); IMG_3: neither.
		expect(entry(44)).toMatchObject({ albums: ['Album 2'], favorite: true });
		expect(entry(3).albums).toBeUndefined();
		expect(entry(3).favorite).toBeUndefined();
	});

	it('falls back to the files alone, and says so, without a database', async () => {
		const files = recording(new VfsDeviceFiles(phone(false)));
		const { library } = await scanPhoneLibrary(files);
		expect(library.source).toEqual({ database: false, reason: 'missing' });
		const overview = overviewOf(library, { totalBytes: 1, freeBytes: 0 });
		expect(overview.filesAlone).toBe('the iPhone has no Photos library database where it keeps one');
		expect(overview.counts.hidden).toBeUndefined();
		expect(overview.counts.recentlyDeleted).toBeUndefined();
		// Every listed original is read to date it (and find the placeholders), as before the database.
		expect(files.readPaths.has(original(7))).toBe(true);
		expect(overview.counts.onlyInICloud).toBe(library.assets.filter((asset) => asset.availability === 'in-icloud' || asset.unreadableFiles.length > 0).length);
	});

	it('reads the phone again after a connection lost during the database read, like during the listing', async () => {
		const inner = new VfsDeviceFiles(phone());
		const lost = new DeviceError('unplugged', 'The iPhone was disconnected.');
		const files: DeviceFiles = {
			list: (path, limit) => inner.list(path, limit),
			stat: (path) => (path === PHOTOS_DATABASE_PATH ? Promise.reject(lost) : inner.stat(path)),
			read: (path, offset, length) => inner.read(path, offset, length),
		};
		await expect(scanPhoneLibrary(files)).rejects.toBe(lost);
	});
});
