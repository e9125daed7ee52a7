import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { groupAssets, type Asset, type CaptureDate } from '../library';
import { isSafeRelativePath, MAX_DEVICE_FOLDER_LENGTH, MAX_RELATIVE_PATH_LENGTH, pathKey } from './names';
import { DEFAULT_MAX_PATH_LENGTH, monthFolder, placeAsset, TakenPaths } from './placement';
import type { AssetPlacement } from './types';

const file = (path: string) => ({ path, size: 1, birthTime: 0, modifiedTime: 0 });
const assetsOf = (...paths: string[]) => groupAssets(paths.map(file));
const assetOf = (...paths: string[]) => {
	const [asset, ...rest] = assetsOf(...paths);
	expect(rest).toEqual([]);
	return asset!;
};

/** 2025-05-26 09:27 at UTC-5 (a stated offset). */
const MAY_2025: CaptureDate = { epochMs: Date.UTC(2025, 4, 26, 14, 27), offsetMinutes: -300, floating: false, source: 'exif' };

const pathsOf = (placement: AssetPlacement) => placement.files.map((placed) => placed.path);

describe('files kept under a name the person never saw', () => {
	const uuid = '1F0E3C2A-5B7D-4E9F-8A6B-0C1D2E3F4A5B';
	const download = (...names: string[]) => ({ ...assetOf(...names.map((name) => `/PhotoData/CPLAssets/group101/${name}`)), originalName: 'IMG_2682.HEIC' });

	it('are named after the Photos app\'s original file name, with the files that share their UUID', () => {
		const asset = download(`${uuid}.HEIC`, `${uuid}.MOV`);
		const placement = placeAsset(asset, { layout: 'by-month', captureDate: MAY_2025, taken: new TakenPaths() });
		expect(pathsOf(placement)).toEqual(['2025/05/IMG_2682.HEIC', '2025/05/IMG_2682.MOV']);
	});

	it('take a number when the name is taken, like any other', () => {
		const taken = new TakenPaths(['2025/05/IMG_2682.HEIC']);
		expect(pathsOf(placeAsset(download(`${uuid}.HEIC`), { layout: 'by-month', captureDate: MAY_2025, taken }))).toEqual(['2025/05/IMG_2682 (2).HEIC']);
	});

	it('keep their own extension, and the phone\'s names elsewhere: in DCIM and in the as-on-iPhone layout', () => {
		const jpeg = { ...assetOf(`/PhotoData/CPLAssets/group101/${uuid}.JPG`), originalName: 'holiday.jpeg' };
		expect(pathsOf(placeAsset(jpeg, { layout: 'by-month', captureDate: MAY_2025, taken: new TakenPaths() }))).toEqual(['2025/05/holiday.JPG']);
		const camera = { ...assetOf('/DCIM/100APPLE/IMG_0005.JPG'), originalName: 'DSC_0001.JPG' };
		expect(pathsOf(placeAsset(camera, { layout: 'by-month', captureDate: MAY_2025, taken: new TakenPaths() }))).toEqual(['2025/05/IMG_0005.JPG']);
		const mirrored = placeAsset(download(`${uuid}.HEIC`), { layout: 'as-on-iphone', captureDate: MAY_2025, taken: new TakenPaths() });
		expect(pathsOf(mirrored)).toEqual([`PhotoData/CPLAssets/group101/${uuid}.HEIC`]);
		// Without an original name, the UUID it is.
		expect(pathsOf(placeAsset(assetOf(`/PhotoData/CPLAssets/group101/${uuid}.HEIC`), { layout: 'by-month', captureDate: MAY_2025, taken: new TakenPaths() }))).toEqual([
			`2025/05/${uuid}.HEIC`,
		]);
	});
});

describe('by-month naming', () => {
	it('keeps a Live Photo, its edits and sidecars beside the photo, edits under Mutations named after it', () => {
		const asset = assetOf(
			'/DCIM/100APPLE/IMG_3582.HEIC',
			'/DCIM/100APPLE/IMG_3582.MOV',
			'/DCIM/100APPLE/IMG_E3582.HEIC',
			'/DCIM/100APPLE/IMG_3582.AAE',
			'/DCIM/100APPLE/IMG_O3582.AAE',
			'/PhotoData/Mutations/DCIM/100APPLE/IMG_3582/Adjustments/FullSizeRender.heic',
			'/PhotoData/Mutations/DCIM/100APPLE/IMG_3582/Adjustments/FullSizeRender.mov',
			'/PhotoData/Mutations/DCIM/100APPLE/IMG_3582/Adjustments/Adjustments.plist',
		);
		const placement = placeAsset(asset, { layout: 'by-month', captureDate: MAY_2025, taken: new TakenPaths() });
		expect(placement.copy).toBe(1);
		expect(Object.fromEntries(placement.files.map((placed) => [placed.devicePath, placed.path]))).toEqual({
			'/DCIM/100APPLE/IMG_3582.HEIC': '2025/05/IMG_3582.HEIC',
			'/DCIM/100APPLE/IMG_3582.MOV': '2025/05/IMG_3582.MOV',
			'/DCIM/100APPLE/IMG_E3582.HEIC': '2025/05/IMG_E3582.HEIC',
			'/DCIM/100APPLE/IMG_3582.AAE': '2025/05/IMG_3582.AAE',
			'/DCIM/100APPLE/IMG_O3582.AAE': '2025/05/IMG_O3582.AAE',
			'/PhotoData/Mutations/DCIM/100APPLE/IMG_3582/Adjustments/FullSizeRender.heic': '2025/05/IMG_3582 (edited).heic',
			'/PhotoData/Mutations/DCIM/100APPLE/IMG_3582/Adjustments/FullSizeRender.mov': '2025/05/IMG_3582 (edited).mov',
			'/PhotoData/Mutations/DCIM/100APPLE/IMG_3582/Adjustments/Adjustments.plist': '2025/05/IMG_3582 (edited) Adjustments.plist',
		});
		expect(placement.files.every((placed) => !placed.recorded)).toBe(true);
	});

	it('gives the second IMG_0001 (after the counter wrapped) a new number for all of its files', () => {
		const [first, second] = assetsOf('/DCIM/100APPLE/IMG_0001.HEIC', '/DCIM/100APPLE/IMG_0001.MOV', '/DCIM/110APPLE/IMG_0001.HEIC', '/DCIM/110APPLE/IMG_0001.MOV', '/DCIM/110APPLE/IMG_E0001.HEIC');
		const taken = new TakenPaths();
		const one = placeAsset(first!, { layout: 'by-month', captureDate: MAY_2025, taken });
		for (const placed of one.files) taken.add(placed.path);
		const two = placeAsset(second!, { layout: 'by-month', captureDate: MAY_2025, taken });
		expect(pathsOf(one)).toEqual(['2025/05/IMG_0001.HEIC', '2025/05/IMG_0001.MOV']);
		expect(two.copy).toBe(2);
		expect(pathsOf(two)).toEqual(['2025/05/IMG_0001 (2).HEIC', '2025/05/IMG_0001 (2).MOV', '2025/05/IMG_E0001 (2).HEIC']);
	});

	it('treats a taken name as taken whatever its case or Unicode form', () => {
		const taken = new TakenPaths(['2025/05/img_0001.heic']);
		const placement = placeAsset(assetOf('/DCIM/100APPLE/IMG_0001.HEIC', '/DCIM/100APPLE/IMG_0001.MOV'), {
			layout: 'by-month',
			captureDate: MAY_2025,
			taken,
		});
		expect(pathsOf(placement)).toEqual(['2025/05/IMG_0001 (2).HEIC', '2025/05/IMG_0001 (2).MOV']);
	});

	it('moves the whole asset on when only its movie’s name is taken', () => {
		const taken = new TakenPaths(['2025/05/IMG_0001.MOV']);
		const placement = placeAsset(assetOf('/DCIM/100APPLE/IMG_0001.HEIC', '/DCIM/100APPLE/IMG_0001.MOV'), {
			layout: 'by-month',
			captureDate: MAY_2025,
			taken,
		});
		expect(pathsOf(placement)).toEqual(['2025/05/IMG_0001 (2).HEIC', '2025/05/IMG_0001 (2).MOV']);
	});

	it('tells apart files of one asset whose names differ only in case', () => {
		const placement = placeAsset(assetOf('/DCIM/100APPLE/IMG_0001.HEIC', '/DCIM/100APPLE/IMG_0001.heic'), {
			layout: 'by-month',
			captureDate: MAY_2025,
			taken: new TakenPaths(),
		});
		expect(pathsOf(placement)).toEqual(['2025/05/IMG_0001.HEIC', '2025/05/IMG_0001 (#2).heic']);
	});

	it('sanitizes hostile names from the phone', () => {
		const placement = placeAsset(assetOf('/DCIM/100APPLE/..\\..\\CON:evil\u202egpj.HEIC'), {
			layout: 'as-on-iphone',
			captureDate: undefined,
			taken: new TakenPaths(),
		});
		expect(pathsOf(placement)).toEqual(['DCIM/100APPLE/_._.._CON_evil_gpj.HEIC']);
	});

	it('keeps recorded files where they are and puts a later edit beside them under the same number', () => {
		const asset = assetOf('/DCIM/110APPLE/IMG_0001.HEIC', '/DCIM/110APPLE/IMG_0001.MOV', '/DCIM/110APPLE/IMG_E0001.HEIC');
		const recorded = new Map([
			['/DCIM/110APPLE/IMG_0001.HEIC', '2025/05/IMG_0001 (2).HEIC'],
			['/DCIM/110APPLE/IMG_0001.MOV', '2025/05/IMG_0001 (2).MOV'],
		]);
		const taken = new TakenPaths(['2025/05/IMG_0001.HEIC', '2025/05/IMG_0001.MOV', ...recorded.values()], 'manifest');
		const placement = placeAsset(asset, { layout: 'by-month', captureDate: MAY_2025, taken, recorded });
		expect(placement.files).toEqual([
			{ devicePath: '/DCIM/110APPLE/IMG_0001.HEIC', path: '2025/05/IMG_0001 (2).HEIC', recorded: true },
			{ devicePath: '/DCIM/110APPLE/IMG_0001.MOV', path: '2025/05/IMG_0001 (2).MOV', recorded: true },
			{ devicePath: '/DCIM/110APPLE/IMG_E0001.HEIC', path: '2025/05/IMG_E0001 (2).HEIC', recorded: false },
		]);
	});

	it('points at a file in the folder that may be an unrecorded earlier copy', () => {
		const taken = new TakenPaths(['2025/05/IMG_0001.HEIC'], 'folder');
		taken.add('2025/05/IMG_0001.MOV', 'manifest');
		const placement = placeAsset(assetOf('/DCIM/100APPLE/IMG_0001.HEIC', '/DCIM/100APPLE/IMG_0001.MOV'), {
			layout: 'by-month',
			captureDate: MAY_2025,
			taken,
		});
		expect(placement.files.map((placed) => placed.possibleEarlierCopy)).toEqual(['2025/05/IMG_0001.HEIC', undefined]);
	});
});

describe('names from long phone names', () => {
	it('ends, and tells apart edits whose own long names differ only in case (the numbers are never cut off)', () => {
		const long = 'Adjusted render of the photo taken on the trip '.repeat(4);
		const asset = {
			id: 'IMG_0001',
			baseName: 'IMG_0001',
			files: [
				{ path: '/DCIM/100APPLE/IMG_0001.HEIC' },
				{ path: `/PhotoData/Mutations/DCIM/100APPLE/IMG_0001/Adjustments/${long}.HEIC` },
				{ path: `/PhotoData/Mutations/DCIM/100APPLE/IMG_0001/Adjustments/${long.toUpperCase()}.HEIC` },
				{ path: `/PhotoData/Mutations/DCIM/100APPLE/IMG_0001/Adjustments/${long.toLowerCase()}.heic` },
			],
		};
		const taken = new TakenPaths([]);
		const paths = pathsOf(placeAsset(asset, { layout: 'by-month', captureDate: MAY_2025, taken }));
		expect(new Set(paths.map(pathKey)).size).toBe(4);
		expect(paths.every(isSafeRelativePath)).toBe(true);
		expect(paths.filter((path) => path.includes(' (#')).length).toBe(2);
		// Taken again, each moves on to a copy number of its own, still whole.
		for (const path of paths) taken.add(path);
		const again = pathsOf(placeAsset({ ...asset, id: 'IMG_0001 again' }, { layout: 'by-month', captureDate: MAY_2025, taken }));
		expect(again.every((path) => path.includes(' (2)'))).toBe(true);
		expect(new Set([...paths, ...again].map(pathKey)).size).toBe(8);
	});
});

describe('as-on-iphone naming', () => {
	it('mirrors the phone’s folders, Mutations included', () => {
		const asset = assetOf('/DCIM/100APPLE/IMG_3582.HEIC', '/PhotoData/Mutations/DCIM/100APPLE/IMG_3582/Adjustments/FullSizeRender.heic');
		const placement = placeAsset(asset, { layout: 'as-on-iphone', captureDate: MAY_2025, taken: new TakenPaths(['DCIM/100APPLE/IMG_3582.HEIC']) });
		expect(pathsOf(placement)).toEqual([
			'DCIM/100APPLE/IMG_3582 (2).HEIC',
			'PhotoData/Mutations/DCIM/100APPLE/IMG_3582/Adjustments/FullSizeRender (2).heic',
		]);
	});
});

describe('monthFolder', () => {
	it('files a photo by the wall-clock time where it was taken', () => {
		// 23:30 on 31 December in New York is already January in UTC.
		const newYearsEve = { epochMs: Date.UTC(2025, 0, 1, 4, 30), offsetMinutes: -300, floating: false };
		expect(monthFolder(newYearsEve)).toBe('2024/12');
		const floating = { epochMs: Date.UTC(2024, 11, 31, 23, 30), offsetMinutes: undefined, floating: true };
		expect(monthFolder(floating, () => 600)).toBe('2024/12');
	});

	it('uses the computer’s zone for an instant without an offset', () => {
		const instant = { epochMs: Date.UTC(2025, 0, 31, 23, 30), offsetMinutes: undefined, floating: false };
		expect(monthFolder(instant)).toBe('2025/01');
		expect(monthFolder(instant, () => 120)).toBe('2025/02');
	});

	it('files assets without a usable date as Undated', () => {
		expect(monthFolder(undefined)).toBe('Undated');
		expect(monthFolder({ epochMs: 0, offsetMinutes: undefined, floating: false })).toBe('Undated');
		expect(monthFolder({ epochMs: Number.NaN, offsetMinutes: undefined, floating: false })).toBe('Undated');
		expect(monthFolder({ epochMs: 8.64e15, offsetMinutes: 840, floating: false })).toBe('Undated');
	});
});

// A camera roll where names repeat across folders (IMG_9999 wraps), with Live Photo movies, edits,
// sidecars, Mutations renders, case variants and hostile names.
const stems = fc.constantFrom('IMG_0001', 'IMG_0002', 'img_0001', 'IMG_9999', 'x:y', 'CON', '.hidden', 'a'.repeat(190));
const folders = fc.constantFrom('100APPLE', '101APPLE', '110APPLE');
const parts = fc.subarray(['.HEIC', '.MOV', '.AAE', 'E.HEIC', 'O.AAE', 'M.heic', 'M.plist', '.heic'], { minLength: 1 });
const rollArbitrary = fc
	.array(fc.tuple(folders, stems, parts), { minLength: 1, maxLength: 12 })
	.map((entries) => {
		const paths = new Set<string>();
		for (const [folder, stem, kinds] of entries) {
			for (const kind of kinds) {
				if (kind === 'E.HEIC' || kind === 'O.AAE') paths.add(`/DCIM/${folder}/${stem.replace(/^IMG_/, `IMG_${kind[0]}`)}${kind.slice(1)}`);
				else if (kind.startsWith('M')) paths.add(`/PhotoData/Mutations/DCIM/${folder}/${stem}/Adjustments/${kind === 'M.heic' ? 'FullSizeRender.heic' : 'Adjustments.plist'}`);
				else paths.add(`/DCIM/${folder}/${stem}${kind}`);
			}
		}
		return groupAssets([...paths].map(file));
	});
const dateArbitrary = fc.option(
	fc.record({
		epochMs: fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2020, 2, 1) }),
		offsetMinutes: fc.option(fc.integer({ min: -720, max: 840 }), { nil: undefined }),
		floating: fc.boolean(),
	}),
	{ nil: undefined },
);
const layoutArbitrary = fc.constantFrom('by-month' as const, 'as-on-iphone' as const);
const takenArbitrary = fc.array(fc.constantFrom('2020/01/IMG_0001.HEIC', '2020/02/img_0001 (2).mov', 'DCIM/100APPLE/IMG_0001.HEIC', '2020/01/IMG_0002 (3).AAE', 'Undated/IMG_9999.MOV'), { maxLength: 4 });

function placeAll(assets: readonly Asset[], dates: ReadonlyArray<CaptureDate | undefined>, layout: 'by-month' | 'as-on-iphone', preTaken: readonly string[]) {
	const taken = new TakenPaths(preTaken);
	return assets.map((asset, i) => {
		const placement = placeAsset(asset, { layout, captureDate: dates[i % dates.length], taken });
		for (const placed of placement.files) taken.add(placed.path);
		return placement;
	});
}

describe('placement properties', () => {
	const scenario = fc.tuple(rollArbitrary, fc.array(dateArbitrary, { minLength: 1, maxLength: 3 }), layoutArbitrary, takenArbitrary);
	const asDates = (dates: ReadonlyArray<{ epochMs: number; offsetMinutes: number | undefined; floating: boolean } | undefined>) =>
		dates.map((date) => (date === undefined ? undefined : { ...date, source: 'exif' as const }));

	it('never reuses a taken path, nor gives two files one path', () => {
		fc.assert(
			fc.property(scenario, ([assets, dates, layout, preTaken]) => {
				const placements = placeAll(assets, asDates(dates), layout, preTaken);
				const keys = placements.flatMap(pathsOf).map(pathKey);
				expect(new Set(keys).size).toBe(keys.length);
				for (const taken of preTaken) expect(keys).not.toContain(pathKey(taken));
			}),
			{ numRuns: 300 },
		);
	});

	it('gives every file of an asset the same disambiguation, and safe relative paths', () => {
		fc.assert(
			fc.property(scenario, ([assets, dates, layout, preTaken]) => {
				for (const placement of placeAll(assets, asDates(dates), layout, preTaken)) {
					for (const path of pathsOf(placement)) {
						expect(isSafeRelativePath(path)).toBe(true);
						const name = path.split('/').at(-1)!;
						if (placement.copy > 1) expect(name).toContain(` (${placement.copy})`);
						else expect(name).not.toMatch(/ \(\d+\)/);
					}
				}
			}),
			{ numRuns: 300 },
		);
	});

	it('keeps an asset’s files together in by-month', () => {
		fc.assert(
			fc.property(scenario, ([assets, dates, , preTaken]) => {
				for (const placement of placeAll(assets, asDates(dates), 'by-month', preTaken)) {
					const folders = new Set(pathsOf(placement).map((path) => path.slice(0, path.lastIndexOf('/'))));
					expect(folders.size).toBe(1);
				}
			}),
			{ numRuns: 200 },
		);
	});

	it('is deterministic', () => {
		fc.assert(
			fc.property(scenario, ([assets, dates, layout, preTaken]) => {
				expect(placeAll(assets, asDates(dates), layout, preTaken)).toEqual(placeAll(assets, asDates(dates), layout, preTaken));
			}),
			{ numRuns: 200 },
		);
	});
});

// Names a hostile phone may give: very long ones, Windows device names, characters no drive takes,
// folders nested deep; as the phone lays them out, or with edits named after them.
const hostileSegment = fc.oneof(
	fc.constantFrom('DCIM', '100APPLE', 'CON', 'nul.HEIC', 'COM1', 'x.lnk', ' . ', '..', 'IMG_0001.HEIC', 'FullSizeRender.heic'),
	fc.constantFrom('a'.repeat(300), '写'.repeat(120), '😀'.repeat(90), `${'Adjusted render '.repeat(20)}.HEIC`, `IMG_0001${'.HEIC'.repeat(40)}`),
	fc.string({ unit: 'binary', minLength: 1, maxLength: 300 }),
	fc.string({ unit: 'grapheme', minLength: 1, maxLength: 120 }),
);
const hostilePath = fc
	.tuple(fc.array(hostileSegment, { maxLength: 40 }), hostileSegment, fc.boolean())
	.map(([folders, name, mutation]) => (mutation ? `/PhotoData/Mutations/${folders.join('/')}/Adjustments/${name}` : `/${[...folders, name].join('/')}`));

describe('paths within what Windows allows', () => {
	it('shortens every path to its bound, never fails, and keeps them safe and apart', () => {
		fc.assert(
			fc.property(
				fc.array(hostilePath, { minLength: 1, maxLength: 6 }),
				layoutArbitrary,
				fc.option(fc.integer({ min: 60, max: MAX_RELATIVE_PATH_LENGTH }), { nil: undefined }),
				(paths, layout, maxPathLength) => {
					const taken = new TakenPaths();
					const placed: string[] = [];
					for (const asset of groupAssets(paths.map(file))) {
						// Twice: the second is numbered apart, its numbers whole within the bound.
						for (const id of [asset.id, `${asset.id} again`]) {
							const placement = placeAsset({ ...asset, id }, { layout, captureDate: MAY_2025, taken, maxPathLength });
							for (const { path } of placement.files) {
								expect(path.length).toBeLessThanOrEqual(maxPathLength ?? DEFAULT_MAX_PATH_LENGTH);
								expect(isSafeRelativePath(path)).toBe(true);
								if (id !== asset.id) expect(path.split('/').at(-1)).toContain(` (${placement.copy})`);
								taken.add(path);
								placed.push(path);
							}
						}
					}
					expect(new Set(placed.map(pathKey)).size).toBe(placed.length);
				},
			),
			{ numRuns: 300 },
		);
	});

	it('leaves ordinary paths as they are', () => {
		const asset = assetOf('/DCIM/100APPLE/IMG_3582.HEIC', '/PhotoData/Mutations/DCIM/100APPLE/IMG_3582/Adjustments/FullSizeRender.heic');
		const placement = placeAsset(asset, { layout: 'as-on-iphone', captureDate: MAY_2025, taken: new TakenPaths() });
		expect(pathsOf(placement)).toEqual(['DCIM/100APPLE/IMG_3582.HEIC', 'PhotoData/Mutations/DCIM/100APPLE/IMG_3582/Adjustments/FullSizeRender.heic']);
		expect(DEFAULT_MAX_PATH_LENGTH).toBe(MAX_RELATIVE_PATH_LENGTH - MAX_DEVICE_FOLDER_LENGTH - 1);
	});

	it('gives way in order: the name first, then the folders, cut alike', () => {
		const long = 'a'.repeat(100);
		const asset = assetOf(`/DCIM/${'b'.repeat(40)}/${'c'.repeat(40)}/${long}.HEIC`);
		const [path] = pathsOf(placeAsset(asset, { layout: 'as-on-iphone', captureDate: MAY_2025, taken: new TakenPaths(), maxPathLength: 60 }));
		expect(path).toBe(`DCIM/${'b'.repeat(20)}/${'c'.repeat(20)}/aaaaaaaa.HEIC`);
		const [short] = pathsOf(placeAsset(asset, { layout: 'by-month', captureDate: MAY_2025, taken: new TakenPaths(), maxPathLength: 60 }));
		expect(short).toBe(`2025/05/${'a'.repeat(47)}.HEIC`);
	});
});
