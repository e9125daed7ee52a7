import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { VirtualReadError } from '../virtual-fs';
import { type CameraRollFile, PROFILES, REAL_ASSET_COUNT, REAL_MEDIA_FILES, type RealMedia, VirtualCameraRoll } from '.';
import { fillerByteReference } from './filler';
import { hashString } from './prng';
import { loadRealMedia } from './real-media-node';

let realMedia: RealMedia;
let typical: VirtualCameraRoll;
let typicalFiles: CameraRollFile[];

beforeAll(async () => {
	realMedia = await loadRealMedia();
	typical = new VirtualCameraRoll({ profile: 'typical', seed: 7, realMedia });
	typicalFiles = [...typical.files()];
});

/** Tags that start an item: one per asset the planner made. */
const ITEM_TAGS = new Set(['still', 'live-still', 'video', 'screenshot', 'raw', 'import']);

function itemCount(files: Iterable<CameraRollFile>): number {
	let count = REAL_ASSET_COUNT;
	for (const file of files) if (ITEM_TAGS.has(file.tag)) count++;
	return count;
}

/** SHA-256 of the file's bytes read through `VirtualFileSystem.read` in odd-sized pieces. */
async function hashThroughReads(roll: VirtualCameraRoll, path: string, piece = 1_048_573): Promise<string> {
	const hash = createHash('sha256');
	let offset = 0;
	for (;;) {
		const bytes = await roll.read(path, offset, piece);
		if (bytes.length === 0) break;
		hash.update(bytes);
		offset += bytes.length;
	}
	return hash.digest('hex');
}

/** Pairs of DCIM paths with the same file name in two APPLE folders. */
function repeatedNames(roll: VirtualCameraRoll): [string, string][] {
	const seen = new Map<string, string>();
	const repeated: [string, string][] = [];
	for (const folder of roll.list('/DCIM')!.filter((name) => name.endsWith('APPLE'))) {
		for (const name of roll.list(`/DCIM/${folder}`)!) {
			const path = `/DCIM/${folder}/${name}`;
			const earlier = seen.get(name);
			if (earlier !== undefined) repeated.push([earlier, path]);
			else seen.set(name, path);
		}
	}
	return repeated;
}

function listing(roll: VirtualCameraRoll): string[] {
	return [...roll.files()].map((f) => `${f.path} ${f.size} ${f.birthTimeMs} ${f.modifiedTimeMs} ${f.unreadable}`).sort();
}

describe('small profile: the real files under their phone names', () => {
	it('lists the AFC root like a real phone and the real files in their DCIM folders', async () => {
		const roll = new VirtualCameraRoll({ profile: 'small', realMedia });
		expect(roll.list('/')).toEqual([
			'AirFair',
			'Books',
			'DCIM',
			'Downloads',
			'MediaAnalysis',
			'PhotoData',
			'Photos',
			'PublicStaging',
			'Radio',
			'Recordings',
			'iTunes_Control',
		]);
		expect(roll.list('/DCIM')).toEqual(['100APPLE', '101APPLE', '102APPLE', '103APPLE']);
		expect(roll.list('/DCIM/103APPLE')).toEqual(['IMG_3539.MOV', 'IMG_3582.AAE', 'IMG_3582.HEIC', 'IMG_3582.MOV', 'IMG_O3582.AAE']);
		expect(roll.list('/PhotoData/CPLAssets')).toBeUndefined();
		expect(itemCount(roll.files())).toBe(PROFILES.small.items);
		for (const file of REAL_MEDIA_FILES) {
			const path = `${file.folder}/${file.phoneName}`;
			const entry = roll.stat(path)!;
			expect(entry.kind).toBe('file');
			expect(entry.size).toBe(file.size);
			expect(entry.birthTimeNs).toBe(BigInt(file.birthTimeMs) * 1_000_000n);
			expect(await hashThroughReads(roll, path, 65_521)).toBe(file.sha256);
			expect(await roll.expectedSha256(path)).toBe(file.sha256);
		}
	});

	it('keeps the same names and sizes without the real bytes, with synthetic content', async () => {
		const withBytes = new VirtualCameraRoll({ profile: 'small', realMedia });
		const without = new VirtualCameraRoll({ profile: 'small' });
		expect(listing(without)).toEqual(listing(withBytes));
		const path = '/DCIM/103APPLE/IMG_3582.HEIC';
		expect(await without.expectedSha256(path)).not.toBe(await withBytes.expectedSha256(path));
		expect(await hashThroughReads(without, path)).toBe(await without.expectedSha256(path));
	});
});

describe('typical profile', () => {
	it('has the advertised number of items and a realistic size', () => {
		expect(itemCount(typicalFiles)).toBe(PROFILES.typical.items);
		const bytes = typicalFiles.reduce((sum, f) => sum + f.size, 0);
		expect(bytes).toBe(typical.usedBytes);
		expect(bytes).toBeGreaterThan(10e9);
		expect(bytes).toBeLessThan(25e9);
		const heic = typicalFiles.filter((f) => f.tag === 'live-still' && f.path.endsWith('.HEIC'));
		expect(heic.length).toBeGreaterThan(900);
		for (const f of heic) expect(f.size >= 1_500_000 && f.size <= 3_000_000).toBe(true);
		const videos = typicalFiles.filter((f) => f.tag === 'video');
		expect(Math.min(...videos.map((f) => f.size))).toBeGreaterThanOrEqual(10e6);
		expect(Math.max(...videos.map((f) => f.size))).toBeLessThanOrEqual(1e9);
	});

	it('is the same library for the same seed and another for another seed', () => {
		const again = new VirtualCameraRoll({ profile: 'typical', seed: 7, realMedia });
		expect(listing(again)).toEqual(listing(typical));
		const other = new VirtualCameraRoll({ profile: 'typical', seed: 8, realMedia });
		expect(listing(other)).not.toEqual(listing(typical));
	});

	it('reads what expectedSha256 computes apart, for a file of every kind', async () => {
		const byTag = new Map<string, CameraRollFile>();
		for (const file of [...typicalFiles].sort((a, b) => a.size - b.size)) {
			if (!file.unreadable && !byTag.has(file.tag)) byTag.set(file.tag, file);
		}
		// A mid-sized video too: streamed end to end in odd pieces.
		const video = typicalFiles.find((f) => f.tag === 'video' && f.size > 60e6 && f.size < 150e6 && !f.unreadable);
		expect(video).toBeDefined();
		const samples = [...byTag.values(), video!];
		expect(new Set(samples.map((s) => s.tag))).toEqual(
			new Set(['real', 'still', 'live-still', 'live-video', 'video', 'screenshot', 'raw', 'render', 'render-live-video', 'adjustments', 'import', 'library-database']),
		);
		for (const file of samples) {
			expect(await hashThroughReads(typical, file.path), file.path).toBe(await typical.expectedSha256(file.path));
		}
	});

	it('scaled down, is the same library with smaller files whose bytes still read as they should', async () => {
		const scaled = new VirtualCameraRoll({ profile: { ...PROFILES.typical, sizeScale: 0.1 }, seed: 7, realMedia });
		const files = [...scaled.files()];
		const strip = (f: CameraRollFile) => `${f.path} ${f.birthTimeMs} ${f.modifiedTimeMs} ${f.unreadable} ${f.tag}`;
		expect(files.map(strip)).toEqual(typicalFiles.map(strip));
		const full = new Map(typicalFiles.map((f) => [f.path, f.size]));
		for (const f of files.filter((f) => f.tag === 'video' || f.tag === 'live-still')) {
			expect(f.size, f.path).toBeLessThanOrEqual(Math.max(64 * 1024, Math.round(full.get(f.path)! * 0.1)));
		}
		const bytes = files.reduce((sum, f) => sum + f.size, 0);
		expect(bytes).toBeLessThan(typical.usedBytes * 0.15);
		const samples = [files.find((f) => f.tag === 'live-still')!, files.find((f) => f.tag === 'video' && !f.unreadable)!];
		for (const file of samples) expect(await hashThroughReads(scaled, file.path), file.path).toBe(await scaled.expectedSha256(file.path));
	});

	it('wraps IMG numbers after IMG_9999 into a new folder', () => {
		const numbers = (folder: string) =>
			typical
				.list(folder)!
				.flatMap((name) => /^IMG_(\d{4})\./.exec(name)?.[1] ?? [])
				.map(Number);
		expect(Math.max(...numbers('/DCIM/105APPLE'))).toBeGreaterThan(9950);
		expect(Math.min(...numbers('/DCIM/106APPLE'))).toBeLessThan(50);
		expect(repeatedNames(typical).length).toBeGreaterThanOrEqual(1);
	});

	it('has Live Photo pairs sharing a base name and an id, AAE sidecars, edits in DCIM and in Mutations', () => {
		const live = typicalFiles.filter((f) => f.tag === 'live-still' && f.path.startsWith('/DCIM/'));
		expect(live.length).toBeGreaterThan(1000);
		for (const still of live.slice(0, 50)) {
			const movie = typical.file(still.path.replace(/\.(HEIC|JPG)$/, '.MOV'))!;
			expect(movie.tag).toBe('live-video');
			expect(movie.liveId).toBe(still.liveId);
		}
		const names = typicalFiles.map((f) => f.path);
		expect(names.some((p) => /^\/DCIM\/1\d\dAPPLE\/IMG_O\d{4}\.AAE$/.test(p))).toBe(true);
		expect(names.some((p) => /^\/DCIM\/1\d\dAPPLE\/IMG_E\d{4}\.(HEIC|JPG)$/.test(p))).toBe(true);
		expect(names.some((p) => /^\/DCIM\/1\d\dAPPLE\/IMG_\d{4}\.AAE$/.test(p))).toBe(true);
		const mutations = names.filter((p) => p.startsWith('/PhotoData/Mutations/DCIM/'));
		expect(mutations.some((p) => /\/IMG_\d{4}\/Adjustments\/FullSizeRender\.(heic|jpg)$/.test(p))).toBe(true);
		expect(mutations.some((p) => /\/IMG_\d{4}\/Adjustments\/Adjustments\.plist$/.test(p))).toBe(true);
		expect(mutations.some((p) => /\/IMG_\d{4}\/Adjustments\/FullSizeRender\.mov$/.test(p))).toBe(true);
		for (const path of mutations) {
			// Every edit belongs to an original that exists in DCIM.
			const [, folder, base] = /^\/PhotoData\/Mutations(\/DCIM\/\d{3}APPLE)\/(IMG_\d{4})\//.exec(path)!;
			expect(typical.list(folder!)!.some((name) => name.startsWith(`${base}.`))).toBe(true);
		}
	});

	it('has iCloud downloads named by UUID, and SD-card imports with NFC and NFD names', () => {
		const cpl = typicalFiles.filter((f) => f.path.startsWith('/PhotoData/CPLAssets/'));
		expect(cpl.length).toBeGreaterThan(200);
		for (const f of cpl) expect(f.path).toMatch(/^\/PhotoData\/CPLAssets\/group\d+\/[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}\.(HEIC|JPG|MOV|MP4|PNG)$/);
		const imports = typical.list('/DCIM/100IMPRT')!;
		expect(imports).toHaveLength(PROFILES.typical.imports);
		expect(imports).toContain('Café Zürich.JPG'.normalize('NFC'));
		expect(imports).toContain('Été à Zürich.JPG'.normalize('NFD'));
		expect(typical.stat(`/DCIM/100IMPRT/${'Été à Zürich.JPG'.normalize('NFD')}`)?.kind).toBe('file');
		expect(typical.stat(`/DCIM/100IMPRT/${'Été à Zürich.JPG'.normalize('NFC')}`)).toBeUndefined();
	});

	it('has placeholders that list and stat but whose reads fail as unreadable', async () => {
		const placeholders = typicalFiles.filter((f) => f.unreadable);
		expect(placeholders.length).toBeGreaterThan(20);
		for (const file of placeholders.slice(0, 10)) {
			const folder = file.path.slice(0, file.path.lastIndexOf('/'));
			expect(typical.list(folder)).toContain(file.path.slice(folder.length + 1));
			expect(typical.stat(file.path)?.size).toBe(file.size);
			const error = await typical.read(file.path, 0, 16).catch((e: unknown) => e);
			expect(error).toBeInstanceOf(VirtualReadError);
			expect((error as VirtualReadError).reason).toBe('unreadable');
		}
		const missing = await typical.read('/DCIM/100APPLE/IMG_0000.HEIC', 0, 16).catch((e: unknown) => e);
		expect((missing as VirtualReadError).reason).toBe('not-found');
	});

	it('dates files plausibly: written just after the capture, iCloud downloads later', () => {
		for (const file of typicalFiles) {
			expect(file.modifiedTimeMs).toBeGreaterThanOrEqual(file.birthTimeMs);
			if (file.capture === undefined || file.tag === 'render' || file.tag === 'render-live-video' || file.tag === 'import') continue;
			expect(file.birthTimeMs).toBeGreaterThanOrEqual(file.capture.epochMs);
			if (file.path.startsWith('/DCIM/')) expect(file.birthTimeMs - file.capture.epochMs).toBeLessThan(3_600_000);
		}
		const dir = typical.stat('/DCIM/104APPLE')!;
		expect(dir.kind).toBe('directory');
		expect(dir.modifiedTimeNs).toBeGreaterThanOrEqual(dir.birthTimeNs);
	});

	it('reports a capacity that holds the library', () => {
		const { totalBytes, freeBytes, blockSize } = typical.capacity;
		expect(blockSize).toBe(4096);
		expect(totalBytes).toBe(PROFILES.typical.capacityBytes);
		expect(totalBytes - freeBytes).toBeGreaterThan(typical.usedBytes);
		expect(freeBytes).toBeGreaterThan(0);
	});
});

describe('huge profile', () => {
	const huge = new VirtualCameraRoll({ profile: 'huge', seed: 3 });
	const files = [...huge.files()];

	it('has ~30,000 items, more than 150 GB, 25–40 APPLE folders and several wraps', () => {
		expect(itemCount(files)).toBe(PROFILES.huge.items);
		expect(huge.usedBytes).toBeGreaterThan(150e9);
		const folders = huge.list('/DCIM')!.filter((n) => n.endsWith('APPLE'));
		expect(folders.length).toBeGreaterThanOrEqual(25);
		expect(folders.length).toBeLessThanOrEqual(40);
		const withFirst = folders.filter((f) => huge.list(`/DCIM/${f}`)!.some((n) => n.startsWith('IMG_0001.')));
		expect(withFirst.length).toBeGreaterThanOrEqual(2);
		expect(huge.capacity.freeBytes).toBeGreaterThan(0);
	});

	it('repeats names across folders after the wraps, with different bytes', async () => {
		const repeated = repeatedNames(huge);
		expect(repeated.length).toBeGreaterThan(5000);
		const readable = (path: string) => !huge.file(path)!.unreadable;
		const pairs = repeated.filter(([a, b]) => readable(a) && readable(b)).slice(0, 20);
		expect(pairs.length).toBe(20);
		for (const [a, b] of pairs) {
			expect(a.slice(a.lastIndexOf('/'))).toBe(b.slice(b.lastIndexOf('/')));
			expect(Buffer.compare(await huge.read(a, 0, 4096), await huge.read(b, 0, 4096))).not.toBe(0);
		}
	});

	it('serves a video past 4 GiB: 64-bit mdat header, moov at the end, filler at far offsets', async () => {
		const big = files.find((f) => f.size === PROFILES.huge.longVideos[0])!;
		expect(big.size).toBeGreaterThan(2 ** 32);
		const head = await huge.read(big.path, 0, 36);
		const view = new DataView(head.buffer, head.byteOffset);
		expect(Buffer.from(head.subarray(4, 12)).toString('latin1')).toBe('ftypqt  ');
		expect(view.getUint32(20)).toBe(1);
		expect(Buffer.from(head.subarray(24, 28)).toString('latin1')).toBe('mdat');
		const moovAt = 20 + Number(view.getBigUint64(28));
		const moovHeader = await huge.read(big.path, moovAt, 8);
		expect(Buffer.from(moovHeader.subarray(4)).toString('latin1')).toBe('moov');
		expect(moovAt + new DataView(moovHeader.buffer, moovHeader.byteOffset).getUint32(0)).toBe(big.size);
		const key = hashString(big.path, huge.seed);
		for (const offset of [2 ** 32 - 5, 2 ** 32 + 123_457, big.size - 70_000]) {
			const bytes = await huge.read(big.path, offset, 64);
			for (let i = 0; i < 64; i++) expect(bytes[i]).toBe(fillerByteReference(key, offset + i));
		}
		expect((await huge.read(big.path, big.size - 10, 100)).length).toBe(10);
		expect((await huge.read(big.path, big.size + 10, 100)).length).toBe(0);
	});
});

describe('changes after creation', () => {
	it('adds photos that continue the numbering, dated after everything else', () => {
		const roll = new VirtualCameraRoll({ profile: 'small', realMedia });
		const added = roll.addPhotos(5);
		expect(added).toEqual([3583, 3584, 3585, 3586, 3587].map((n) => `/DCIM/103APPLE/IMG_${n}.HEIC`));
		const latest = Math.max(...[...roll.files()].filter((f) => !added.includes(f.path)).map((f) => f.modifiedTimeMs));
		for (const path of added) expect(roll.file(path)!.capture!.epochMs).toBeGreaterThan(latest);
		const live = roll.addPhotos(2, { live: true });
		expect(live).toEqual(['/DCIM/103APPLE/IMG_3588.HEIC', '/DCIM/103APPLE/IMG_3588.MOV', '/DCIM/103APPLE/IMG_3589.HEIC', '/DCIM/103APPLE/IMG_3589.MOV']);
	});

	it('moves to a new folder at the thousand and wraps after IMG_9999', () => {
		const roll = new VirtualCameraRoll({ profile: { ...PROFILES.small, firstNumber: 9998, firstFolder: 110 } });
		expect(roll.addPhotos(3)).toEqual(['/DCIM/110APPLE/IMG_9998.HEIC', '/DCIM/110APPLE/IMG_9999.HEIC', '/DCIM/111APPLE/IMG_0001.HEIC']);
		const next = new VirtualCameraRoll({ profile: { ...PROFILES.small, firstNumber: 3999, firstFolder: 104 } });
		expect(next.addPhotos(2)).toEqual(['/DCIM/104APPLE/IMG_3999.HEIC', '/DCIM/105APPLE/IMG_4000.HEIC']);
	});

	it('deletes a file', async () => {
		const roll = new VirtualCameraRoll({ profile: 'small', realMedia });
		const before = roll.usedBytes;
		expect(roll.delete('/DCIM/102APPLE/IMG_2908.PNG')).toBe(true);
		expect(roll.list('/DCIM/102APPLE')).toEqual([]);
		expect(roll.stat('/DCIM/102APPLE/IMG_2908.PNG')).toBeUndefined();
		expect(roll.usedBytes).toBe(before - 927_090);
		expect(((await roll.read('/DCIM/102APPLE/IMG_2908.PNG', 0, 1).catch((e: unknown) => e)) as VirtualReadError).reason).toBe('not-found');
		expect(roll.delete('/DCIM/102APPLE/IMG_2908.PNG')).toBe(false);
		expect(roll.delete('/DCIM/102APPLE')).toBe(false);
	});

	it('changes a file size while it is being read (cut short, or grown)', async () => {
		const roll = new VirtualCameraRoll({ profile: 'small', realMedia });
		const path = '/DCIM/103APPLE/IMG_3582.MOV';
		const original = (await roll.read(path, 0, 3_000_000)).slice(0, 1_000_000);
		roll.changeSizeWhileReading(path, { afterBytes: 500_000, newSize: 1_000_000 });
		const modifiedBefore = roll.stat(path)!.modifiedTimeNs;
		expect(roll.stat(path)!.size).toBe(2_978_475);
		const first = await roll.read(path, 0, 600_000);
		expect(first.length).toBe(600_000);
		expect(roll.stat(path)!.size).toBe(1_000_000);
		expect(roll.stat(path)!.modifiedTimeNs).toBeGreaterThan(modifiedBefore);
		expect((await roll.read(path, 600_000, 1_000_000)).length).toBe(400_000);
		expect(createHash('sha256').update(original).digest('hex')).toBe(await roll.expectedSha256(path));

		roll.changeSizeWhileReading(path, { afterBytes: 1, newSize: 1_500_000 });
		await roll.read(path, 0, 1);
		expect(roll.stat(path)!.size).toBe(1_500_000);
		expect(await hashThroughReads(roll, path)).toBe(await roll.expectedSha256(path));
	});

	it('turns a file into a placeholder and back', async () => {
		const roll = new VirtualCameraRoll({ profile: 'small', realMedia });
		roll.setUnreadable('/DCIM/100APPLE/IMG_0102.HEIC');
		expect(((await roll.read('/DCIM/100APPLE/IMG_0102.HEIC', 0, 1).catch((e: unknown) => e)) as VirtualReadError).reason).toBe('unreadable');
		roll.setUnreadable('/DCIM/100APPLE/IMG_0102.HEIC', false);
		expect((await roll.read('/DCIM/100APPLE/IMG_0102.HEIC', 0, 4)).length).toBe(4);
	});
});
