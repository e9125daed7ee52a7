import { beforeAll, describe, expect, it } from 'vitest';
import { DeviceError, isDeviceError } from '../errors';
import { type CameraRollFile, type CameraRollProfile, PROFILES, type RealMedia, VirtualCameraRoll } from '../../sim/camera-roll';
import { loadRealMedia } from '../../sim/camera-roll/real-media-node';
import { movieParts } from '../../sim/camera-roll/synthetic-media';
import { describeAssets, groupAssets, isOnlyInICloud, localDateTime, scanCameraRoll, summarizeStorage, type DescribedAsset } from '.';
import { MemoryVfs } from '../../testing/library/memory-vfs';
import { VfsDeviceFiles } from '../../testing/library/vfs-device-files';

let realMedia: RealMedia;
beforeAll(async () => {
	realMedia = await loadRealMedia();
});

const UUID = '602FEBB7-6B59-4799-96E6-9C8484D873C7';

/** A few hundred items with every feature turned up, numbered to wrap after IMG_9999. */
const MEDIUM: CameraRollProfile = {
	...PROFILES.typical,
	items: 400,
	firstNumber: 9_850,
	gapShare: 0, // so that the numbers after the wrap surely reach the real IMG_0102
	imports: 4,
	iCloudShare: 0.15,
	placeholderShare: 0.08,
	editedShare: 0.25,
	cameraAdjustmentShare: 0.1,
	mix: { ...PROFILES.typical.mix, video: 4 },
	video: { minBytes: 5_000_000, maxBytes: 40_000_000, skew: 2 },
};

async function scanAndDescribe(roll: VirtualCameraRoll) {
	const files = new VfsDeviceFiles(roll);
	const scan = await scanCameraRoll(files);
	const assets = groupAssets(scan.files);
	const described = await describeAssets(files, assets);
	return { files, scan, assets, described };
}

describe('the real fixtures on a virtual iPhone', () => {
	it('finds one Live Photo with its AAEs, a screenshot dated by its XMP, and the README dates', async () => {
		const roll = new VirtualCameraRoll({ profile: 'small', realMedia });
		const { files, scan, assets, described } = await scanAndDescribe(roll);
		expect(scan.missingRoots).toEqual(['/PhotoData/CPLAssets', '/PhotoData/Mutations']);
		expect(scan.skipped).toEqual([]);
		expect(scan.files).toHaveLength(8);
		expect(assets).toHaveLength(5);

		const byId = new Map(described.map((a) => [a.id, a]));
		const live = byId.get('/DCIM/103APPLE/IMG_3582.HEIC')!;
		expect(live.kind).toBe('live-photo');
		expect(live.livePhotoId).toBe(UUID);
		expect(live.files.map((f) => [f.role, f.path])).toEqual([
			['original', '/DCIM/103APPLE/IMG_3582.HEIC'],
			['live-video', '/DCIM/103APPLE/IMG_3582.MOV'],
			['adjustments', '/DCIM/103APPLE/IMG_3582.AAE'],
			['adjustments', '/DCIM/103APPLE/IMG_O3582.AAE'],
		]);
		expect(live.captureDate).toMatchObject({ source: 'exif', offsetMinutes: -300 });
		expect(localDateTime(live.captureDate)).toBe('2025-05-26T09:27:06');

		const screenshot = byId.get('/DCIM/102APPLE/IMG_2908.PNG')!;
		expect(screenshot.kind).toBe('screenshot');
		expect(screenshot.captureDate).toEqual({ epochMs: Date.UTC(2015, 8, 27, 16, 29, 28), offsetMinutes: undefined, floating: true, source: 'xmp' });

		const expected: [string, string, string, number | undefined][] = [
			['/DCIM/100APPLE/IMG_0102.HEIC', 'exif', '2021-08-06T11:32:22', -420],
			['/DCIM/101APPLE/IMG_1064.JPG', 'exif', '2020-02-04T19:07:38', undefined],
			['/DCIM/103APPLE/IMG_3539.MOV', 'quicktime-metadata', '2016-01-18T15:20:40', -420],
		];
		for (const [id, source, local, offset] of expected) {
			const asset = byId.get(id)!;
			expect(asset.captureDate.source, id).toBe(source);
			expect(asset.captureDate.offsetMinutes, id).toBe(offset);
			expect(localDateTime(asset.captureDate), id).toBe(local);
			expect(asset.availability).toBe('on-iphone');
		}
		expect(byId.get('/DCIM/103APPLE/IMG_3539.MOV')!.kind).toBe('video');

		// Every stream was cancelled or ran to its end, and stills were read only at their head.
		expect(files.log.streamsOpened).toBeGreaterThanOrEqual(6);
		expect(files.log.bytesRead).toBeLessThan(files.log.streamsOpened * (128 + 64) * 1024);
	});
});

describe('a virtual library with every feature', () => {
	let roll: VirtualCameraRoll;
	let planned: Map<string, CameraRollFile>;
	let result: Awaited<ReturnType<typeof scanAndDescribe>>;

	beforeAll(async () => {
		roll = new VirtualCameraRoll({ profile: MEDIUM, seed: 11, realMedia });
		planned = new Map([...roll.files()].map((f) => [f.path, f]));
		result = await scanAndDescribe(roll);
	});

	it('finds exactly the camera-roll files, with their sizes and times', () => {
		const expected = [...planned.values()].filter((f) => f.tag !== 'library-database');
		expect(result.scan.files.map((f) => f.path)).toEqual(expected.map((f) => f.path).sort());
		for (const file of result.scan.files) {
			const plan = planned.get(file.path)!;
			expect([file.size, file.birthTime, file.modifiedTime]).toEqual([plan.size, plan.birthTimeMs, plan.modifiedTimeMs]);
		}
		expect(result.scan.missingRoots).toEqual([]);
	});

	it('makes one asset per planned item', () => {
		expect(result.assets).toHaveLength(MEDIUM.items);
		expect(result.described).toHaveLength(MEDIUM.items);
		const kinds = new Set(result.described.map((a) => a.kind));
		expect(kinds).toEqual(new Set(['photo', 'live-photo', 'video', 'screenshot']));
	});

	it('reads the capture dates the simulator wrote, and Live Photo ids', () => {
		let checked = 0;
		for (const asset of result.described) {
			const plan = planned.get(asset.primary.path)!;
			if (asset.availability === 'in-icloud') continue;
			if (plan.tag === 'screenshot' || plan.tag === 'real') continue;
			const capture = plan.capture!;
			if (plan.tag === 'import') {
				// Canon writes no zone: a floating wall-clock time.
				expect(asset.captureDate).toMatchObject({ source: 'exif', floating: true });
				expect(asset.captureDate.epochMs).toBe(capture.epochMs + capture.offsetMinutes * 60_000);
			} else if (asset.kind === 'video') {
				expect(asset.captureDate.source).toBe('quicktime-metadata');
				expect(asset.captureDate.epochMs).toBe(Math.floor(capture.epochMs / 1000) * 1000);
				expect(asset.captureDate.offsetMinutes).toBe(capture.offsetMinutes);
			} else {
				expect(asset.captureDate.source).toBe('exif');
				expect(asset.captureDate.epochMs).toBe(capture.epochMs);
			}
			if (asset.kind === 'live-photo') expect(asset.livePhotoId).toBe(plan.liveId);
			checked++;
		}
		expect(checked).toBeGreaterThan(250);
	});

	it('dates screenshots by their XMP wall-clock time, downloaded ones too, and reports placeholders as in iCloud, not as failures', () => {
		const screenshots = result.described.filter((a) => a.kind === 'screenshot' && a.availability === 'on-iphone');
		expect(screenshots.length).toBeGreaterThan(10);
		expect(screenshots.some((s) => s.primary.path.startsWith('/PhotoData/CPLAssets/'))).toBe(true);
		for (const s of screenshots.filter((s) => planned.get(s.primary.path)!.tag === 'screenshot')) {
			const capture = planned.get(s.primary.path)!.capture!;
			const wallClock = Math.floor((capture.epochMs + capture.offsetMinutes * 60_000) / 1000) * 1000;
			expect(s.captureDate, s.primary.path).toEqual({ epochMs: wallClock, offsetMinutes: undefined, floating: true, source: 'xmp' });
		}
		const inICloud = result.described.filter((a) => a.availability === 'in-icloud');
		const placeholderItems = new Set(
			[...planned.values()].filter((f) => f.unreadable).map((f) => f.path.replace(/\.[A-Z0-9]+$/, '')),
		);
		expect(inICloud.length).toBe(placeholderItems.size);
		expect(inICloud.length).toBeGreaterThan(10);
		for (const asset of inICloud) {
			expect(planned.get(asset.primary.path)!.unreadable).toBe(true);
			expect(asset.unreadableFiles).toContain(asset.primary.path);
			expect(asset.captureDate.source).toBe('file-birth-time');
		}
		expect(result.described.filter((asset) => isOnlyInICloud(asset))).toHaveLength(inICloud.length);
		const summary = summarizeStorage(result.described);
		expect(summary.total.bytes).toBe(result.scan.files.reduce((s, f) => s + f.size, 0));
		expect(summary.total.files).toBe(result.scan.files.length);
		const byKind = Object.values(summary.byKind).reduce((s, t) => s + t.bytes, 0);
		expect(byKind).toBe(summary.total.bytes);
		expect(summary.byKind.video.bytes).toBe(result.described.filter((a) => a.kind === 'video').reduce((s, a) => s + a.bytes, 0));
	});

	it('keeps repeated names after the wrap as separate assets', () => {
		const byName = new Map<string, DescribedAsset[]>();
		for (const asset of result.described) {
			if (!asset.folder.startsWith('/DCIM/')) continue;
			byName.set(asset.baseName, [...(byName.get(asset.baseName) ?? []), asset]);
		}
		const repeated = [...byName.values()].filter((list) => list.length > 1);
		expect(repeated.length).toBeGreaterThan(0);
		for (const list of repeated) expect(new Set(list.map((a) => a.folder)).size).toBe(list.length);
	});

	it('bounds concurrent stat calls', async () => {
		expect(result.files.log.maxStatsInFlight).toBeGreaterThan(1);
		expect(result.files.log.maxStatsInFlight).toBeLessThanOrEqual(16);
		const files = new VfsDeviceFiles(roll);
		const progress: number[] = [];
		await scanCameraRoll(files, { concurrency: 3, onProgress: (p) => progress.push(p.filesFound) });
		expect(files.log.maxStatsInFlight).toBeLessThanOrEqual(3);
		expect(progress.at(-1)).toBe(result.scan.files.length);
	});

	it('copies exactly the new ones on a second run', async () => {
		const again = new VirtualCameraRoll({ profile: MEDIUM, seed: 11, realMedia });
		const before = new Set(groupAssets((await scanCameraRoll(new VfsDeviceFiles(again))).files).map((a) => a.id));
		const added = again.addPhotos(5);
		const after = groupAssets((await scanCameraRoll(new VfsDeviceFiles(again))).files);
		const fresh = after.filter((a) => !before.has(a.id));
		expect(fresh.map((a) => a.id)).toEqual(added);
		expect(after).toHaveLength(before.size + 5);
	});
});

describe('failures', () => {
	it('stops on a lost connection, in the scan and in reading dates', async () => {
		const roll = new VirtualCameraRoll({ profile: 'small', realMedia });
		const files = new VfsDeviceFiles(roll);
		const assets = groupAssets((await scanCameraRoll(files)).files);
		files.failWith = new DeviceError('unplugged', 'The iPhone was disconnected.');
		const scanError = await scanCameraRoll(files).catch((e: unknown) => e);
		expect(isDeviceError(scanError, 'unplugged')).toBe(true);
		const describeError = await describeAssets(files, assets).catch((e: unknown) => e);
		expect(isDeviceError(describeError, 'unplugged')).toBe(true);
	});

	it('stops on any failure that is not about one file, instead of skipping everything', async () => {
		const files = new VfsDeviceFiles(new VirtualCameraRoll({ profile: 'small', realMedia }));
		const stat = files.stat.bind(files);
		files.stat = async (path) => {
			if (path.endsWith('IMG_0102.HEIC')) throw new DeviceError('tls', 'The secure connection failed.');
			return stat(path);
		};
		expect(isDeviceError(await scanCameraRoll(files).catch((e: unknown) => e), 'tls')).toBe(true);
	});

	it('tells a file the phone refuses from one kept in iCloud', async () => {
		const roll = new VirtualCameraRoll({ profile: 'small', realMedia });
		roll.setUnreadable('/DCIM/100APPLE/IMG_0102.HEIC');
		const files = new VfsDeviceFiles(roll);
		const read = files.read.bind(files);
		files.read = (path, offset) => {
			if (path.endsWith('IMG_1064.JPG')) {
				return new ReadableStream({ pull: () => Promise.reject(new DeviceError('file-permission', 'no')) });
			}
			return read(path, offset);
		};
		const described = await describeAssets(files, groupAssets((await scanCameraRoll(files)).files));
		expect(described.map((a) => a.availability)).toEqual(['in-icloud', 'unavailable', 'on-iphone', 'on-iphone', 'on-iphone']);
		expect(described.filter((asset) => isOnlyInICloud(asset)).map((asset) => asset.bytes)).toEqual([437_204]);
	});

	it('stops when aborted', async () => {
		const controller = new AbortController();
		controller.abort(new Error('stop'));
		const files = new VfsDeviceFiles(new VirtualCameraRoll({ profile: 'small' }));
		await expect(scanCameraRoll(files, { signal: controller.signal })).rejects.toThrow('stop');
	});

	it('skips hidden names, and files that vanish between list and stat', async () => {
		const vfs = new MemoryVfs({
			'/DCIM/100APPLE/IMG_0001.JPG': { bytes: new Uint8Array(10), birthTimeMs: 1 },
			'/DCIM/100APPLE/._IMG_0001.JPG': { bytes: new Uint8Array(10) },
			'/DCIM/100APPLE/IMG_0002.JPG': { bytes: new Uint8Array(10) },
			'/DCIM/100APPLE/Sub/IMG_0003.JPG': { bytes: new Uint8Array(10) },
			'/DCIM/.MISC/Info.plist': { bytes: new Uint8Array(10) },
			'/DCIM/stray.txt': { bytes: new Uint8Array(10) },
		});
		const files = new VfsDeviceFiles(vfs);
		const stat = files.stat.bind(files);
		files.stat = async (path) => {
			if (path.endsWith('IMG_0002.JPG')) throw new DeviceError('file-not-found', 'gone');
			return stat(path);
		};
		const scan = await scanCameraRoll(files);
		expect(scan.files.map((f) => f.path)).toEqual(['/DCIM/100APPLE/IMG_0001.JPG']);
		expect(scan.skipped).toEqual([
			{ path: '/DCIM/.MISC', reason: 'hidden' },
			{ path: '/DCIM/100APPLE/._IMG_0001.JPG', reason: 'hidden' },
			{ path: '/DCIM/100APPLE/IMG_0002.JPG', reason: 'vanished' },
			{ path: '/DCIM/100APPLE/Sub', reason: 'not-a-file' },
			{ path: '/DCIM/stray.txt', reason: 'not-a-file' },
		]);
	});

	it('gives hostile or truncated media a file-time date, not an error', async () => {
		const heic = realMedia.get('IMG_3582.HEIC')!;
		const vfs = new MemoryVfs({
			'/DCIM/100APPLE/IMG_0001.HEIC': { bytes: heic.slice(0, 3000), birthTimeMs: 1_700_000_000_000 },
			'/DCIM/100APPLE/IMG_0002.MOV': { bytes: Uint8Array.of(0, 0, 0, 1, 0x6d, 0x6f, 0x6f, 0x76, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), birthTimeMs: 1_700_000_000_001 },
			'/DCIM/100APPLE/IMG_0003.JPG': { bytes: new Uint8Array(0), birthTimeMs: 0, modifiedTimeMs: 1_700_000_000_002 },
		});
		const files = new VfsDeviceFiles(vfs);
		const described = await describeAssets(files, groupAssets((await scanCameraRoll(files)).files));
		expect(described.map((a) => [a.captureDate.source, a.captureDate.epochMs, a.availability])).toEqual([
			['file-birth-time', 1_700_000_000_000, 'on-iphone'],
			['file-birth-time', 1_700_000_000_001, 'on-iphone'],
			['file-modified-time', 1_700_000_000_002, 'on-iphone'],
		]);
	});
});

describe('Live Photo confirmation', () => {
	const otherMovie = (id: string) => {
		const size = 40_000;
		const { prefix, suffix } = movieParts(
			{ moment: { epochMs: Date.parse('2025-05-26T14:27:06Z'), offsetMinutes: -300 }, model: 'iPhone 15 Pro', contentIdentifier: id, durationMs: 2000, container: 'qt' },
			size,
		);
		const bytes = new Uint8Array(size);
		bytes.set(prefix);
		bytes.set(suffix, size - suffix.length);
		return bytes;
	};

	it('keeps a pair whose ids match and splits a pair whose ids differ', async () => {
		const vfs = new MemoryVfs({
			'/DCIM/100APPLE/IMG_0001.HEIC': { bytes: realMedia.get('IMG_3582.HEIC')! },
			'/DCIM/100APPLE/IMG_0001.MOV': { bytes: otherMovie(UUID) },
			'/DCIM/100APPLE/IMG_0002.HEIC': { bytes: realMedia.get('IMG_3582.HEIC')! },
			'/DCIM/100APPLE/IMG_0002.MOV': { bytes: otherMovie('11111111-2222-4333-8444-555555555555') },
			'/DCIM/100APPLE/IMG_0002.AAE': { bytes: realMedia.get('IMG_3582.AAE')! },
		});
		const files = new VfsDeviceFiles(vfs);
		const assets = groupAssets((await scanCameraRoll(files)).files);
		expect(assets.map((a) => a.kind)).toEqual(['live-photo', 'live-photo']);
		const described = await describeAssets(files, assets);
		expect(described.map((a) => [a.id, a.kind, a.livePhotoId, a.files.length])).toEqual([
			['/DCIM/100APPLE/IMG_0001.HEIC', 'live-photo', UUID, 2],
			['/DCIM/100APPLE/IMG_0002.HEIC', 'photo', UUID, 2],
			['/DCIM/100APPLE/IMG_0002.MOV', 'video', '11111111-2222-4333-8444-555555555555', 1],
		]);
		const unconfirmed = await describeAssets(files, assets, { confirmLivePairs: false });
		expect(unconfirmed.map((a) => a.kind)).toEqual(['live-photo', 'live-photo']);
	});
});

describe('the huge library', () => {
	it('scans 30,000 items across wrapped folders', async () => {
		const roll = new VirtualCameraRoll({ profile: 'huge', seed: 5 });
		const scan = await scanCameraRoll(new VfsDeviceFiles(roll), { concurrency: 32 });
		const expected = [...roll.files()].filter((f) => f.tag !== 'library-database').length;
		expect(scan.files).toHaveLength(expected);
		const assets = groupAssets(scan.files);
		expect(assets).toHaveLength(PROFILES.huge.items);
		expect(new Set(assets.map((a) => a.id)).size).toBe(assets.length);
		expect(summarizeStorage(assets).total.bytes).toBeGreaterThan(150e9);
	});
});
