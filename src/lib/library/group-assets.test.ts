import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { type Asset, groupAssets } from './group-assets';
import { parseMediaPath } from './media-path';
import type { ScannedFile } from './scan';

function scanned(paths: string[]): ScannedFile[] {
	return paths.map((path, i) => ({ path, size: 1000 + i, birthTime: 1_600_000_000_000 + i, modifiedTime: 1_600_000_000_000 + i }));
}

function roles(asset: Asset): string[] {
	return asset.files.map((file) => `${file.role} ${file.path}`);
}

describe('parseMediaPath', () => {
	it('finds the asset of edits, camera adjustments and Mutations renders', () => {
		expect(parseMediaPath('/DCIM/100APPLE/IMG_E0002.HEIC')).toMatchObject({ folder: '/DCIM/100APPLE', base: 'IMG_0002', edited: true, mediaClass: 'still' });
		expect(parseMediaPath('/DCIM/100APPLE/IMG_O3582.AAE')).toMatchObject({ base: 'IMG_3582', edited: false, mediaClass: 'sidecar' });
		expect(parseMediaPath('/PhotoData/Mutations/DCIM/101APPLE/IMG_1007/Adjustments/FullSizeRender.mov')).toEqual({
			folder: '/DCIM/101APPLE',
			base: 'IMG_1007',
			extension: 'MOV',
			mediaClass: 'video',
			edited: true,
		});
		expect(parseMediaPath('/PhotoData/CPLAssets/group159/0A1B2C3D-0000-4000-8000-000000000000.HEIC')).toMatchObject({
			folder: '/PhotoData/CPLAssets/group159',
			base: '0A1B2C3D-0000-4000-8000-000000000000',
		});
		expect(parseMediaPath('/DCIM/100IMPRT/.hidden')).toMatchObject({ base: '.hidden', extension: '', mediaClass: 'other' });
	});
});

describe('groupAssets', () => {
	it('groups the real fixtures: a Live Photo with its AAEs, a screenshot, a video, photos', () => {
		const assets = groupAssets(
			scanned([
				'/DCIM/100APPLE/IMG_0102.HEIC',
				'/DCIM/101APPLE/IMG_1064.JPG',
				'/DCIM/102APPLE/IMG_2908.PNG',
				'/DCIM/103APPLE/IMG_3539.MOV',
				'/DCIM/103APPLE/IMG_3582.AAE',
				'/DCIM/103APPLE/IMG_3582.HEIC',
				'/DCIM/103APPLE/IMG_3582.MOV',
				'/DCIM/103APPLE/IMG_O3582.AAE',
			]),
		);
		expect(assets.map((a) => [a.id, a.kind])).toEqual([
			['/DCIM/100APPLE/IMG_0102.HEIC', 'photo'],
			['/DCIM/101APPLE/IMG_1064.JPG', 'photo'],
			['/DCIM/102APPLE/IMG_2908.PNG', 'screenshot'],
			['/DCIM/103APPLE/IMG_3539.MOV', 'video'],
			['/DCIM/103APPLE/IMG_3582.HEIC', 'live-photo'],
		]);
		expect(roles(assets[4]!)).toEqual([
			'original /DCIM/103APPLE/IMG_3582.HEIC',
			'live-video /DCIM/103APPLE/IMG_3582.MOV',
			'adjustments /DCIM/103APPLE/IMG_3582.AAE',
			'adjustments /DCIM/103APPLE/IMG_O3582.AAE',
		]);
		expect(assets[4]!.bytes).toBe(assets[4]!.files.reduce((s, f) => s + f.size, 0));
		expect(assets[4]!.baseName).toBe('IMG_3582');
	});

	it('attaches edits made in Photos, in DCIM (IMG_E + AAE) and in PhotoData/Mutations', () => {
		const assets = groupAssets(
			scanned([
				'/DCIM/100APPLE/IMG_0002.HEIC',
				'/DCIM/100APPLE/IMG_0002.MOV',
				'/DCIM/100APPLE/IMG_E0002.HEIC',
				'/DCIM/100APPLE/IMG_E0002.MOV',
				'/DCIM/100APPLE/IMG_0002.AAE',
				'/DCIM/100APPLE/IMG_0007.JPG',
				'/PhotoData/Mutations/DCIM/100APPLE/IMG_0007/Adjustments/FullSizeRender.jpg',
				'/PhotoData/Mutations/DCIM/100APPLE/IMG_0007/Adjustments/Adjustments.plist',
				'/DCIM/100APPLE/IMG_0008.MOV',
				'/PhotoData/Mutations/DCIM/100APPLE/IMG_0008/Adjustments/FullSizeRender.mov',
			]),
		);
		expect(assets).toHaveLength(3);
		expect(assets[0]!.kind).toBe('live-photo');
		expect(roles(assets[0]!)).toEqual([
			'original /DCIM/100APPLE/IMG_0002.HEIC',
			'live-video /DCIM/100APPLE/IMG_0002.MOV',
			'render /DCIM/100APPLE/IMG_E0002.HEIC',
			'live-video-render /DCIM/100APPLE/IMG_E0002.MOV',
			'adjustments /DCIM/100APPLE/IMG_0002.AAE',
		]);
		expect(assets[1]!.kind).toBe('photo');
		expect(roles(assets[1]!)).toEqual([
			'original /DCIM/100APPLE/IMG_0007.JPG',
			'render /PhotoData/Mutations/DCIM/100APPLE/IMG_0007/Adjustments/FullSizeRender.jpg',
			'adjustments /PhotoData/Mutations/DCIM/100APPLE/IMG_0007/Adjustments/Adjustments.plist',
		]);
		expect(assets[2]!.kind).toBe('video');
		expect(roles(assets[2]!)).toEqual([
			'original /DCIM/100APPLE/IMG_0008.MOV',
			'render /PhotoData/Mutations/DCIM/100APPLE/IMG_0008/Adjustments/FullSizeRender.mov',
		]);
	});

	it('keeps names repeated after IMG_9999 apart, keyed on the full path', () => {
		const assets = groupAssets(scanned(['/DCIM/100APPLE/IMG_0001.HEIC', '/DCIM/110APPLE/IMG_0001.HEIC', '/DCIM/110APPLE/IMG_0001.MOV']));
		expect(assets.map((a) => [a.id, a.kind])).toEqual([
			['/DCIM/100APPLE/IMG_0001.HEIC', 'photo'],
			['/DCIM/110APPLE/IMG_0001.HEIC', 'live-photo'],
		]);
	});

	it('pairs iCloud downloads by UUID and makes do with orphans', () => {
		const uuid = '5DFF04F5-0433-46BC-A581-BCF150F36E2A';
		const assets = groupAssets(
			scanned([
				`/PhotoData/CPLAssets/group101/${uuid}.HEIC`,
				`/PhotoData/CPLAssets/group101/${uuid}.MOV`,
				'/DCIM/100APPLE/IMG_0009.AAE',
				'/PhotoData/Mutations/DCIM/100APPLE/IMG_0010/Adjustments/FullSizeRender.heic',
				'/DCIM/100APPLE/IMG_0011.DNG',
				'/DCIM/100APPLE/IMG_0011.JPG',
			]),
		);
		expect(assets.map((a) => [a.id, a.kind])).toEqual([
			['/DCIM/100APPLE/IMG_0009.AAE', 'other'],
			['/DCIM/100APPLE/IMG_0011.JPG', 'photo'],
			['/PhotoData/CPLAssets/group101/5DFF04F5-0433-46BC-A581-BCF150F36E2A.HEIC', 'live-photo'],
			['/PhotoData/Mutations/DCIM/100APPLE/IMG_0010/Adjustments/FullSizeRender.heic', 'photo'],
		]);
		expect(roles(assets[1]!)).toEqual(['original /DCIM/100APPLE/IMG_0011.JPG', 'original /DCIM/100APPLE/IMG_0011.DNG']);
	});

	const segment = fc.oneof(
		fc.constantFrom('DCIM', '100APPLE', '101APPLE', 'PhotoData', 'Mutations', 'CPLAssets', 'group1', 'Adjustments', 'IMG_0001', 'IMG_E0001', ''),
		fc.string({ maxLength: 6 }).map((s) => s.replace(/\//g, '')),
	);
	const name = fc.oneof(
		fc.tuple(fc.constantFrom('IMG_', 'IMG_E', 'IMG_O', 'img_', ''), fc.constantFrom('0001', '0002', '9999', 'X'), fc.constantFrom('.HEIC', '.MOV', '.AAE', '.PNG', '.jpg', '.mp4', '.plist', '', '.')).map(([p, n, e]) => p + n + e),
		fc.constantFrom('FullSizeRender.heic', 'FullSizeRender.mov', 'Adjustments.plist', '.', '..', 'Été.JPG'.normalize('NFD')),
		fc.string({ maxLength: 12 }),
	);
	const path = fc.tuple(fc.array(segment, { maxLength: 6 }), name).map(([dirs, n]) => `/${[...dirs, n].join('/')}`);

	it('puts every file in exactly one non-empty asset, for any paths', () => {
		fc.assert(
			fc.property(fc.array(path, { maxLength: 60 }), (paths) => {
				const files = scanned(paths);
				const assets = groupAssets(files);
				const seen = new Map<string, number>();
				for (const asset of assets) {
					expect(asset.files.length).toBeGreaterThan(0);
					expect(asset.primary).toBe(asset.files[0]);
					expect(asset.id).toBe(asset.primary.path);
					expect(asset.bytes).toBe(asset.files.reduce((sum, f) => sum + f.size, 0));
					for (const file of asset.files) {
						// sizes are unique per input file, so they identify it
						seen.set(String(file.size), (seen.get(String(file.size)) ?? 0) + 1);
					}
				}
				expect(seen.size).toBe(files.length);
				for (const count of seen.values()) expect(count).toBe(1);
				expect(new Set(assets.map((a) => a.id)).size).toBe(assets.length);
			}),
			{ numRuns: 400 },
		);
	});
});
