import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ManifestEntry } from '../destination/types';
import type { AssetFileRole, AssetKind, Availability, DescribedAsset } from '../library';
import { fileKey, type FileRow } from '../store';
import { BackupIndex } from './backup-index';
import { captureIso, PLAN_CATEGORIES, planBackup, planSummary } from './planner';

interface FileSpec {
	path: string;
	size: number;
	role?: AssetFileRole;
	modifiedTime?: number;
}

function asset(kind: AssetKind, files: FileSpec[], extra: { availability?: Availability; unreadableFiles?: string[] } = {}): DescribedAsset {
	const full = files.map((file) => ({
		path: file.path,
		size: file.size,
		birthTime: 1_700_000_000_000,
		modifiedTime: file.modifiedTime ?? 1_700_000_000_000,
		role: file.role ?? 'original',
	}));
	const primary = full[0]!;
	return {
		id: primary.path,
		kind,
		folder: primary.path.slice(0, primary.path.lastIndexOf('/')),
		baseName: primary.path.slice(primary.path.lastIndexOf('/') + 1).replace(/\..*$/, ''),
		primary,
		files: full,
		bytes: full.reduce((sum, file) => sum + file.size, 0),
		captureDate: { epochMs: Date.UTC(2025, 4, 26, 14, 27, 6), offsetMinutes: -300, floating: false, source: 'exif' },
		availability: extra.availability ?? 'on-iphone',
		livePhotoId: undefined,
		unreadableFiles: extra.unreadableFiles ?? [],
	};
}

function entry(devicePath: string, size: number, path: string, sha256 = 'a'.repeat(64), modifiedTime = 1_700_000_000_000): ManifestEntry {
	return {
		devicePath,
		assetId: devicePath,
		size,
		modifiedTime,
		birthTime: 1_700_000_000_000,
		sha256,
		path,
		backedUpAt: '2025-06-01T00:00:00.000Z',
	};
}

function row(devicePath: string, size: number, state: FileRow['state'], done?: { sha256: string; path: string }): FileRow {
	return {
		backup: 'b',
		key: fileKey(devicePath, size, 1_700_000_000_000),
		devicePath,
		assetId: devicePath,
		size,
		modifiedTime: 1_700_000_000_000,
		birthTime: 1_700_000_000_000,
		state,
		...done,
		updatedAt: new Date('2025-06-01T00:00:00Z'),
	};
}

const live = asset('live-photo', [
	{ path: '/DCIM/100APPLE/IMG_0001.HEIC', size: 2_000_000 },
	{ path: '/DCIM/100APPLE/IMG_0001.MOV', size: 3_000_000, role: 'live-video' },
	{ path: '/DCIM/100APPLE/IMG_0001.AAE', size: 1_000, role: 'adjustments' },
]);
const edited = asset('photo', [
	{ path: '/DCIM/100APPLE/IMG_0002.HEIC', size: 2_500_000 },
	{ path: '/DCIM/100APPLE/IMG_E0002.HEIC', size: 2_600_000, role: 'render' },
]);
const video = asset('video', [{ path: '/DCIM/100APPLE/IMG_0003.MOV', size: 50_000_000 }]);
const cloud = asset('photo', [{ path: '/DCIM/100APPLE/IMG_0004.HEIC', size: 1_500_000 }], { availability: 'in-icloud' });
const gone = asset('photo', [{ path: '/DCIM/100APPLE/IMG_0005.HEIC', size: 1_400_000 }], { availability: 'unavailable' });

describe('planBackup', () => {
	it('plans every readable file of a new backup, by category, and lists iCloud items apart', () => {
		const plan = planBackup([live, edited, video, cloud, gone], BackupIndex.from(undefined), { bytesPerSecond: 10_000_000, freeBytes: 1e9 });
		expect(plan.assets.map((a) => a.asset.id)).toEqual([live.id, edited.id, video.id]);
		expect(plan.assets[0]!.files.map((f) => [f.devicePath, f.category, f.reason])).toEqual([
			['/DCIM/100APPLE/IMG_0001.HEIC', 'livePhotos', 'new'],
			['/DCIM/100APPLE/IMG_0001.MOV', 'livePhotos', 'new'],
			['/DCIM/100APPLE/IMG_0001.AAE', 'edits', 'new'],
		]);
		expect(plan.total).toEqual({ assets: 3, files: 6, bytes: 2_000_000 + 3_000_000 + 1_000 + 2_500_000 + 2_600_000 + 50_000_000 });
		expect(plan.byCategory).toEqual({
			photos: { assets: 1, files: 1, bytes: 2_500_000 },
			livePhotos: { assets: 1, files: 2, bytes: 5_000_000 },
			videos: { assets: 1, files: 1, bytes: 50_000_000 },
			edits: { assets: 2, files: 2, bytes: 2_601_000 },
			other: { assets: 0, files: 0, bytes: 0 },
		});
		expect(plan.inICloud).toEqual([
			{ assetId: cloud.id, kind: 'photo', capturedAt: '2025-05-26T09:27:06.000-05:00', files: [cloud.id], bytes: 1_500_000 },
		]);
		expect(plan.unavailable.map((item) => item.assetId)).toEqual([gone.id]);
		expect(plan.alreadyBackedUp).toEqual({ files: 0, bytes: 0 });
		expect(plan.byReason).toEqual({ new: 6, changed: 0, unfinished: 0 });
		expect(plan.estimate.seconds).toBeCloseTo(plan.total.bytes / 10_000_000 + 6 * 0.005);
		expect(plan.space).toEqual({ neededBytes: plan.total.bytes, freeBytes: 1e9, fits: true });
		expect(planSummary(plan)).not.toHaveProperty('assets');
		expect(structuredClone(plan)).toEqual(plan); // it crosses to the page by postMessage
	});

	it('skips what the manifest holds, and copies a file changed on the phone again', () => {
		const manifest = [
			entry('/DCIM/100APPLE/IMG_0001.HEIC', 2_000_000, '2025/05/IMG_0001.HEIC'),
			entry('/DCIM/100APPLE/IMG_0001.MOV', 3_000_000, '2025/05/IMG_0001.MOV'),
			entry('/DCIM/100APPLE/IMG_0001.AAE', 900, '2025/05/IMG_0001.AAE'), // since edited again: now 1,000 bytes
			entry('/DCIM/100APPLE/IMG_0004.HEIC', 1_500_000, '2025/05/IMG_0004.HEIC'), // backed up before it went to iCloud
		];
		const plan = planBackup([live, cloud], BackupIndex.from({ format: 'iphone-photo-backup-manifest', version: 1, device: { udid: 'x' }, updatedAt: '', entries: manifest }));
		expect(plan.assets).toHaveLength(1);
		expect(plan.assets[0]!.files.map((f) => [f.devicePath, f.reason])).toEqual([['/DCIM/100APPLE/IMG_0001.AAE', 'changed']]);
		expect(plan.alreadyBackedUp).toEqual({ files: 3, bytes: 6_500_000 });
		expect(plan.inICloud).toEqual([]); // already safe in the backup: nothing to say
		expect(plan.total).toEqual({ assets: 1, files: 1, bytes: 1_000 });
	});

	it('counts what the journal has done, and plans again what it left unfinished', () => {
		const journal = [
			row('/DCIM/100APPLE/IMG_0002.HEIC', 2_500_000, 'done', { sha256: 'b'.repeat(64), path: '2025/05/IMG_0002.HEIC' }),
			row('/DCIM/100APPLE/IMG_E0002.HEIC', 2_600_000, 'planned'),
			row('/DCIM/100APPLE/IMG_0003.MOV', 50_000_000, 'failed'),
		];
		const plan = planBackup([edited, video], BackupIndex.from(undefined, journal), { journal });
		expect(plan.assets.flatMap((a) => a.files.map((f) => [f.devicePath, f.reason]))).toEqual([
			['/DCIM/100APPLE/IMG_E0002.HEIC', 'unfinished'],
			['/DCIM/100APPLE/IMG_0003.MOV', 'unfinished'],
		]);
		expect(plan.alreadyBackedUp.files).toBe(1);
	});

	it('flags a file of a size already in the backup as maybe the same file renamed on the phone', () => {
		const renamed = asset('photo', [{ path: '/DCIM/101APPLE/IMG_0100.HEIC', size: 2_500_000 }]);
		const index = BackupIndex.from([entry('/DCIM/100APPLE/IMG_0002.HEIC', 2_500_000, '2025/05/IMG_0002.HEIC')]);
		const plan = planBackup([renamed, video], index);
		expect(plan.assets.map((a) => a.files[0]!.maybeDuplicate)).toEqual([true, false]);
		expect(plan.maybeDuplicates).toEqual({ files: 1, bytes: 2_500_000 });
	});

	it('lists the unreadable files of a readable asset with the iCloud items, and copies the rest', () => {
		const half = asset(
			'live-photo',
			[
				{ path: '/DCIM/100APPLE/IMG_0009.HEIC', size: 2_000_000 },
				{ path: '/DCIM/100APPLE/IMG_0009.MOV', size: 3_000_000, role: 'live-video' },
			],
			{ unreadableFiles: ['/DCIM/100APPLE/IMG_0009.MOV'] },
		);
		const plan = planBackup([half], BackupIndex.from(undefined));
		expect(plan.assets[0]!.files.map((f) => f.devicePath)).toEqual(['/DCIM/100APPLE/IMG_0009.HEIC']);
		expect(plan.inICloud).toMatchObject([{ assetId: half.id, files: ['/DCIM/100APPLE/IMG_0009.MOV'], bytes: 3_000_000 }]);
	});

	it('still copies the edits and sidecars of an asset whose original is only in iCloud', () => {
		const optimized = asset(
			'photo',
			[
				{ path: '/DCIM/100APPLE/IMG_0006.HEIC', size: 1_500_000 },
				{ path: '/DCIM/100APPLE/IMG_E0006.HEIC', size: 1_600_000, role: 'render' },
				{ path: '/DCIM/100APPLE/IMG_0006.AAE', size: 900, role: 'adjustments' },
			],
			{ availability: 'in-icloud' },
		);
		const plan = planBackup([optimized], BackupIndex.from(undefined));
		expect(plan.inICloud).toMatchObject([{ assetId: optimized.id, files: ['/DCIM/100APPLE/IMG_0006.HEIC'], bytes: 1_500_000 }]);
		expect(plan.assets[0]!.files.map((f) => [f.devicePath, f.category])).toEqual([
			['/DCIM/100APPLE/IMG_E0006.HEIC', 'edits'],
			['/DCIM/100APPLE/IMG_0006.AAE', 'edits'],
		]);
		expect(plan.total).toEqual({ assets: 1, files: 2, bytes: 1_600_900 });
	});

	it('lists a file an earlier run found only in iCloud while its original is still there, and tries it again once the original is back', () => {
		const files = [
			{ path: '/DCIM/100APPLE/IMG_0007.HEIC', size: 1_500_000 },
			{ path: '/DCIM/100APPLE/IMG_0007.MOV', size: 2_000_000, role: 'live-video' as const },
		];
		const journal = [row('/DCIM/100APPLE/IMG_0007.MOV', 2_000_000, 'in-icloud')];
		const optimized = asset('live-photo', files, { availability: 'in-icloud' });
		const stillOptimized = planBackup([optimized], BackupIndex.from(undefined, journal), { journal });
		expect(stillOptimized.assets).toEqual([]);
		expect(stillOptimized.total.files).toBe(0);
		expect(stillOptimized.inICloud).toMatchObject([{ assetId: optimized.id, files: files.map((f) => f.path), bytes: 3_500_000 }]);

		const downloaded = planBackup([asset('live-photo', files)], BackupIndex.from(undefined, journal), { journal });
		expect(downloaded.assets[0]!.files.map((f) => [f.devicePath, f.reason])).toEqual([
			['/DCIM/100APPLE/IMG_0007.HEIC', 'new'],
			['/DCIM/100APPLE/IMG_0007.MOV', 'unfinished'],
		]);
		expect(downloaded.inICloud).toEqual([]);
	});

	it('says whether the folder can hold it, only when its free space is known', () => {
		expect(planBackup([video], BackupIndex.from(undefined), { freeBytes: 49_999_999 }).space.fits).toBe(false);
		expect(planBackup([video], BackupIndex.from(undefined), { freeBytes: 50_000_000 }).space.fits).toBe(true);
		expect(planBackup([video], BackupIndex.from(undefined)).space).toEqual({ neededBytes: 50_000_000, freeBytes: undefined, fits: undefined });
	});

	it('plans files larger than the drive held as failed, unread, once the drive refused one: FAT32 by default', () => {
		const big = asset('video', [{ path: '/DCIM/100APPLE/IMG_0010.MOV', size: 2 ** 32 }]);
		const refused = { ...row('/DCIM/100APPLE/IMG_0009.MOV', 5_000_000_000, 'failed'), error: { code: 'file-too-large-for-drive', message: '…' } };
		const withRefusal = planBackup([video, big], BackupIndex.from(undefined), { journal: [refused], freeBytes: 60_000_000 });
		expect(withRefusal.assets.flatMap((a) => a.files.map((f) => [f.devicePath, f.tooLargeForDrive]))).toEqual([
			['/DCIM/100APPLE/IMG_0003.MOV', false],
			['/DCIM/100APPLE/IMG_0010.MOV', true],
		]);
		expect(withRefusal.tooLargeForDrive).toEqual({ files: 1, bytes: 2 ** 32 });
		expect(withRefusal.total).toMatchObject({ files: 2, bytes: 50_000_000 + 2 ** 32 });
		expect(withRefusal.space).toEqual({ neededBytes: 50_000_000, freeBytes: 60_000_000, fits: true });
		// A smaller limit, as tests give, is the one files are held to.
		expect(planBackup([video], BackupIndex.from(undefined), { journal: [refused], fileSizeLimit: 49_999_999 }).tooLargeForDrive.files).toBe(1);
		// No refusal: every file is read. Another failure is no refusal.
		expect(planBackup([big], BackupIndex.from(undefined)).tooLargeForDrive.files).toBe(0);
		const otherFailure = { ...refused, error: { code: 'size-mismatch', message: '…' } };
		expect(planBackup([big], BackupIndex.from(undefined), { journal: [otherFailure] }).tooLargeForDrive.files).toBe(0);
		// A backup that holds a larger file shows the drive has no such limit (now).
		const holdsLarger = BackupIndex.from([entry('/DCIM/100APPLE/IMG_0008.MOV', 2 ** 32 + 1, '2025/05/IMG_0008.MOV')]);
		expect(planBackup([big], holdsLarger, { journal: [refused] }).tooLargeForDrive.files).toBe(0);
	});

	it('writes capture dates with their own offset, floating, or in UTC', () => {
		const at = Date.UTC(2025, 4, 26, 14, 27, 6, 120);
		expect(captureIso({ epochMs: at, offsetMinutes: -300, floating: false, source: 'exif' })).toBe('2025-05-26T09:27:06.120-05:00');
		expect(captureIso({ epochMs: at, offsetMinutes: 330, floating: false, source: 'exif' })).toBe('2025-05-26T19:57:06.120+05:30');
		expect(captureIso({ epochMs: at, offsetMinutes: undefined, floating: true, source: 'exif' })).toBe('2025-05-26T14:27:06.120');
		expect(captureIso({ epochMs: at, offsetMinutes: undefined, floating: false, source: 'file-birth-time' })).toBe('2025-05-26T14:27:06.120Z');
	});
});

describe('planBackup, for any library and any earlier backup', () => {
	const KINDS: AssetKind[] = ['photo', 'live-photo', 'video', 'screenshot', 'other'];
	const ROLES: AssetFileRole[] = ['live-video', 'render', 'live-video-render', 'adjustments', 'other'];
	const library = fc
		.array(
			fc.record({
				kind: fc.constantFrom(...KINDS),
				availability: fc.constantFrom<Availability>('on-iphone', 'on-iphone', 'on-iphone', 'in-icloud', 'unavailable'),
				files: fc.array(fc.record({ size: fc.integer({ min: 0, max: 5_000 }), role: fc.constantFrom(...ROLES), state: fc.constantFrom('none', 'manifest', 'journal-done', 'journal-planned', 'unreadable') }), {
					minLength: 0,
					maxLength: 4,
				}),
				primarySize: fc.integer({ min: 0, max: 5_000 }),
				primaryState: fc.constantFrom('none', 'manifest', 'journal-done', 'journal-planned'),
			}),
			{ maxLength: 30 },
		)
		.map((specs) => {
			const manifest: ManifestEntry[] = [];
			const journal: FileRow[] = [];
			const assets = specs.map((spec, i) => {
				const files = [{ size: spec.primarySize, role: 'original' as AssetFileRole, state: spec.primaryState as string }, ...spec.files].map((file, j) => ({
					...file,
					path: `/DCIM/100APPLE/IMG_${String(i).padStart(4, '0')}_${j}.X`,
				}));
				for (const file of files) {
					if (file.state === 'manifest') manifest.push(entry(file.path, file.size, `2025/05/${i}_${file.path.length}_${file.size}`));
					if (file.state === 'journal-done') journal.push(row(file.path, file.size, 'done', { sha256: 'c'.repeat(64), path: `x/${file.path}` }));
					if (file.state === 'journal-planned') journal.push(row(file.path, file.size, 'planned'));
				}
				return asset(spec.kind, files, {
					availability: spec.availability,
					unreadableFiles: files.filter((file) => file.state === 'unreadable').map((file) => file.path),
				});
			});
			return { assets, manifest, journal };
		});

	it('never plans a file already done, plans each other readable file once, and its totals add up', () => {
		fc.assert(
			fc.property(library, ({ assets, manifest, journal }) => {
				const index = BackupIndex.from(manifest, journal);
				const plan = planBackup(assets, index, { journal });
				const planned = plan.assets.flatMap((a) => a.files);
				const done = new Set([...manifest.map((e) => fileKey(e.devicePath, e.size, e.modifiedTime)), ...journal.filter((r) => r.state === 'done').map((r) => r.key)]);
				for (const file of planned) expect(done.has(file.key)).toBe(false);
				expect(new Set(planned.map((f) => f.key)).size).toBe(planned.length);

				const allFiles = assets.flatMap((a) => a.files);
				const listed = [...plan.inICloud, ...plan.unavailable].reduce((sum, item) => sum + item.files.length, 0);
				expect(planned.length + listed + plan.alreadyBackedUp.files).toBe(allFiles.length);
				const readableNotDone = assets.flatMap((a) =>
					a.files.filter(
						(f) =>
							!a.unreadableFiles.includes(f.path) &&
							!(a.availability !== 'on-iphone' && f.path === a.primary.path) &&
							!done.has(fileKey(f.path, f.size, f.modifiedTime)),
					),
				);
				expect(planned.map((f) => f.devicePath).sort()).toEqual(readableNotDone.map((f) => f.path).sort());

				const sum = (pick: (t: { assets: number; files: number; bytes: number }) => number, categories = PLAN_CATEGORIES) =>
					categories.reduce((total, category) => total + pick(plan.byCategory[category]), 0);
				expect(sum((t) => t.files)).toBe(plan.total.files);
				expect(sum((t) => t.bytes)).toBe(plan.total.bytes);
				expect(sum((t) => t.assets, PLAN_CATEGORIES.filter((c) => c !== 'edits'))).toBe(plan.total.assets);
				expect(planned.reduce((total, f) => total + f.size, 0)).toBe(plan.total.bytes);
				expect(plan.assets.length).toBe(plan.total.assets);
				expect(Object.values(plan.byReason).reduce((a, b) => a + b, 0)).toBe(plan.total.files);
				for (const file of planned) expect(file.reason === 'unfinished').toBe(journal.some((r) => r.key === file.key));
			}),
			{ numRuns: 200 },
		);
	});
});

describe('Recently Deleted', () => {
	const trashed = (path: string, size: number): DescribedAsset => {
		const described = asset('photo', [{ path, size }]);
		return {
			...described,
			photos: {
				uuid: path,
				directory: 'DCIM/100APPLE',
				filename: path.slice(path.lastIndexOf('/') + 1),
				originalFilename: undefined,
				kind: 'photo',
				livePhoto: false,
				screenshot: false,
				hidden: false,
				favorite: false,
				trashed: true,
				shared: false,
				captureTime: described.captureDate.epochMs,
				captureOffsetMinutes: undefined,
				originalOnPhone: true,
				albums: [],
				edited: false,
			},
		};
	};
	const assets = [asset('photo', [{ path: '/DCIM/100APPLE/IMG_0001.HEIC', size: 100 }]), trashed('/DCIM/100APPLE/IMG_0002.HEIC', 200), trashed('/DCIM/100APPLE/IMG_0003.HEIC', 300)];

	it('is counted and left out, unless the person includes it', () => {
		const left = planBackup(assets, new BackupIndex());
		expect(left.recentlyDeleted).toEqual({ assets: 2, files: 2, bytes: 500, included: false });
		expect(left.assets.map((planned) => planned.asset.id)).toEqual(['/DCIM/100APPLE/IMG_0001.HEIC']);
		expect(left.total).toEqual({ assets: 1, files: 1, bytes: 100 });

		const included = planBackup(assets, new BackupIndex(), { includeRecentlyDeleted: true });
		expect(included.recentlyDeleted).toEqual({ assets: 2, files: 2, bytes: 500, included: true });
		expect(included.total).toEqual({ assets: 3, files: 3, bytes: 600 });
	});

	it('counts only what the backup does not hold already', () => {
		const index = BackupIndex.from([entry('/DCIM/100APPLE/IMG_0002.HEIC', 200, '2025/05/IMG_0002.HEIC')]);
		expect(planBackup(assets, index).recentlyDeleted).toEqual({ assets: 1, files: 1, bytes: 300, included: false });
	});
});
