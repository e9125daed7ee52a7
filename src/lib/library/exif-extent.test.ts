import { readFile } from 'node:fs/promises';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { MediaWriter } from '../../sim/camera-roll/media-writer';
import { FIXTURE_MEDIA_DIR } from '../../sim/camera-roll/real-media-node';
import { assembleMedia, heicParts, jpegParts, SAMPLE_STILL } from '../../sim/camera-roll/synthetic-media';
import { MemorySource } from './byte-source';
import { describeAssets, fileIdentity, knownMetadata } from './describe-assets';
import { exifExtent } from './exif-extent';
import { groupAssets } from './group-assets';
import { readImageMetadata } from './image-metadata';
import type { FileMetadata } from './probe-file';
import { FIRST_READ_BYTES, IMAGE_HEAD_BYTES, MOVIE_FIRST_READ_BYTES, probeFile } from './probe-file';
import { readQuickTimeMetadata } from './quicktime-metadata';
import { scanCameraRoll } from './scan';
import { MemoryVfs } from '../../testing/library/memory-vfs';
import { VfsDeviceFiles } from '../../testing/library/vfs-device-files';

const FIXTURES = {
	tiled: 'osxphotos/IMG_3582.HEIC',
	heic: 'osxphotos/IMG_0102.HEIC',
	jpeg: 'osxphotos/IMG_1064.jpeg',
	screenshot: 'osxphotos/IMG_2908.PNG',
	iphone7: 'exiftool/Apple.jpg',
	png: 'exiftool/PNG.png',
	movie: 'osxphotos/IMG_3582.mov',
} as const;
const bytes = {} as Record<keyof typeof FIXTURES, Uint8Array>;

beforeAll(async () => {
	for (const [name, path] of Object.entries(FIXTURES)) {
		bytes[name as keyof typeof FIXTURES] = new Uint8Array(await readFile(new URL(path, FIXTURE_MEDIA_DIR)));
	}
});

const still = SAMPLE_STILL;

const synthetic = assembleMedia;

describe('exifExtent', () => {
	it('finds where the EXIF ends in real stills, within the first read, with all the metadata before it', () => {
		for (const name of ['heic', 'jpeg', 'iphone7'] as const) {
			const extent = exifExtent(bytes[name].subarray(0, FIRST_READ_BYTES));
			expect(extent, name).toHaveProperty('end');
			const end = (extent as { end: number }).end;
			expect(readImageMetadata(bytes[name].subarray(0, end)), name).toEqual(readImageMetadata(bytes[name].subarray(0, IMAGE_HEAD_BYTES)));
			expect(end, name).toBeLessThan(FIRST_READ_BYTES);
		}
	});

	it('asks for the rest of a tiled HEIF `meta` (~31 KiB), then finds the Exif item past it', () => {
		const tiled = bytes.tiled;
		const first = exifExtent(tiled.subarray(0, FIRST_READ_BYTES));
		expect(first).toEqual({ needs: 31_628 });
		const second = exifExtent(tiled.subarray(0, 31_628));
		expect(second).toHaveProperty('end');
		const end = (second as { end: number }).end;
		expect(end).toBeLessThan(IMAGE_HEAD_BYTES);
		expect(readImageMetadata(tiled.subarray(0, end))).toEqual(readImageMetadata(tiled.subarray(0, IMAGE_HEAD_BYTES)));
		expect(readImageMetadata(tiled.subarray(0, end)).mediaGroupUuid).toBe('602FEBB7-6B59-4799-96E6-9C8484D873C7');
	});

	it('points at a HEIF’s TIFF header, which read alone says what the whole head says', () => {
		const heifs = [
			['heic', bytes.heic.subarray(0, FIRST_READ_BYTES)],
			['tiled', bytes.tiled.subarray(0, IMAGE_HEAD_BYTES)],
			['synthetic', synthetic(heicParts(still, 3_000_000), 3_000_000).subarray(0, FIRST_READ_BYTES)],
		] as const;
		for (const [name, head] of heifs) {
			const extent = exifExtent(head) as { end: number; tiffStart?: number };
			expect(extent.tiffStart, name).toBeGreaterThan(0);
			const tiff = head.subarray(extent.tiffStart!, extent.tiffStart! + 4);
			expect(String.fromCharCode(tiff[0]!, tiff[1]!), name).toMatch(/^(II|MM)$/);
			const whole = readImageMetadata(head.subarray(0, extent.end));
			expect(whole.captureDate, name).toBeDefined();
			expect(readImageMetadata(head.subarray(0, extent.end), extent.tiffStart), name).toEqual(whole);
		}
		// A JPEG's block is found, but only a HEIF's TIFF is pointed at.
		expect(exifExtent(bytes.jpeg.subarray(0, FIRST_READ_BYTES))).not.toHaveProperty('tiffStart');
	});

	it('reads the whole head for a date when the TIFF alone has none', () => {
		const head = bytes.screenshot;
		expect(readImageMetadata(head, 8)).toEqual(readImageMetadata(head));
		expect(readImageMetadata(head, 8).captureDateFrom).toBe('xmp');
	});

	it('says there is none when the image data comes first (PNG screenshots)', () => {
		expect(exifExtent(bytes.screenshot.subarray(0, FIRST_READ_BYTES))).toBe('none');
		expect(exifExtent(bytes.png)).toBe('none');
	});

	it('finds the simulator’s EXIF in its synthetic HEIC and JPEG files', () => {
		for (const file of [synthetic(heicParts(still, 3_000_000), 3_000_000), synthetic(jpegParts(still), 3_000_000)]) {
			const extent = exifExtent(file.subarray(0, FIRST_READ_BYTES)) as { end: number };
			expect(extent.end).toBeLessThan(FIRST_READ_BYTES);
			expect(readImageMetadata(file.subarray(0, extent.end)).mediaGroupUuid).toBe(still.mediaGroupUuid);
		}
	});

	it('leaves other formats to the usual head', () => {
		expect(exifExtent(bytes.movie.subarray(0, FIRST_READ_BYTES))).toBe('unknown'); // ftyp, then mdat: no meta
		expect(exifExtent(new Uint8Array([0x49, 0x49, 0x2a, 0, 8, 0, 0, 0, 0, 0, 0, 0]))).toBe('unknown'); // TIFF/DNG
		expect(exifExtent(new Uint8Array(4))).toBe('unknown');
	});

	it('never throws and never points outside what it was given to look at, on any truncation or corruption', () => {
		const sources = () => Object.values(bytes).map((b) => b.subarray(0, 40_000));
		fc.assert(
			fc.property(
				fc.integer({ min: 0, max: 6 }),
				fc.integer({ min: 0, max: 40_000 }),
				fc.array(fc.tuple(fc.nat(40_000), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
				(which, cut, pokes) => {
					const file = sources()[which]!.slice(0, cut);
					for (const [at, value] of pokes) if (at < file.length) file[at] = value;
					const extent = exifExtent(file);
					if (typeof extent === 'object' && 'needs' in extent) expect(extent.needs).toBeGreaterThan(file.length);
					if (typeof extent === 'object' && 'end' in extent) expect(Number.isSafeInteger(extent.end)).toBe(true);
				},
			),
			{ numRuns: 400 },
		);
		fc.assert(fc.property(fc.uint8Array({ maxLength: 2048 }), (random) => void exifExtent(random)));
	});
});

describe('probing reads only what the metadata needs', () => {
	it('reads each still’s EXIF with a small first read, and the same metadata as from the large head', async () => {
		const vfs = new MemoryVfs({
			'/a.HEIC': { bytes: bytes.tiled },
			'/b.HEIC': { bytes: bytes.heic },
			'/c.JPG': { bytes: bytes.jpeg },
			'/d.PNG': { bytes: bytes.screenshot },
		});
		for (const [path, name] of [['/a.HEIC', 'tiled'], ['/b.HEIC', 'heic'], ['/c.JPG', 'jpeg'], ['/d.PNG', 'screenshot']] as const) {
			const files = new VfsDeviceFiles(vfs);
			const probe = await probeFile(files, { path, size: bytes[name].length });
			expect(probe.readable).toBe(true);
			const metadata = (probe as { metadata: FileMetadata }).metadata;
			const expected = readImageMetadata(bytes[name].subarray(0, IMAGE_HEAD_BYTES));
			expect(metadata.captureDate?.epochMs, path).toBe(expected.captureDate?.epochMs);
			expect(metadata.liveId, path).toBe(expected.mediaGroupUuid);
			expect(files.log.bytesRead, path).toBeLessThanOrEqual(name === 'tiled' ? 16_384 + 31_628 + 40_908 : FIRST_READ_BYTES);
		}
	});

	it('reads a movie’s box headers with a small first read, then its moov where it lies, and finds what the whole file holds', async () => {
		const movie = bytes.movie;
		// The Live Photo movie: ftyp, wide, mdat, then moov (8,272 bytes) at the end.
		const moovAt = 2_970_203;
		expect(String.fromCharCode(...movie.subarray(moovAt + 4, moovAt + 8))).toBe('moov');
		const files = new VfsDeviceFiles(new MemoryVfs({ '/IMG_3582.MOV': { bytes: movie } }));
		const probe = await probeFile(files, { path: '/IMG_3582.MOV', size: movie.length });
		const whole = await readQuickTimeMetadata(new MemorySource(movie));
		expect(whole.contentIdentifier).toBeDefined();
		expect(probe).toEqual({
			readable: true,
			metadata: { captureDate: { ...whole.creationDate, source: 'quicktime-metadata' }, liveId: whole.contentIdentifier },
		});
		expect(files.log.bytesRead).toBe(MOVIE_FIRST_READ_BYTES + (movie.length - moovAt));
	});

	it('reads a still that is named as a movie as a still', async () => {
		const files = new VfsDeviceFiles(new MemoryVfs({ '/IMG_0102.MOV': { bytes: bytes.heic } }));
		const probe = await probeFile(files, { path: '/IMG_0102.MOV', size: bytes.heic.length });
		const expected = readImageMetadata(bytes.heic.subarray(0, IMAGE_HEAD_BYTES));
		expect(expected.captureDate).toBeDefined();
		expect((probe as { metadata: FileMetadata }).metadata.captureDate?.epochMs).toBe(expected.captureDate?.epochMs);
	});
});

describe('metadata remembered between scans', () => {
	it('reads no file twice when the phone shows the same files, and gives the same assets', async () => {
		const vfs = new MemoryVfs({
			'/DCIM/100APPLE/IMG_3582.HEIC': { bytes: bytes.tiled },
			'/DCIM/100APPLE/IMG_3582.MOV': { bytes: bytes.movie },
			'/DCIM/100APPLE/IMG_0102.HEIC': { bytes: bytes.heic },
		});
		const entries = new Map<string, FileMetadata>();
		const firstFiles = new VfsDeviceFiles(vfs);
		const scan = await scanCameraRoll(firstFiles);
		const first = await describeAssets(firstFiles, groupAssets(scan.files), { known: knownMetadata(entries) });
		expect(entries.size).toBe(3);
		expect(firstFiles.log.streamsOpened).toBeGreaterThan(0);

		const againFiles = new VfsDeviceFiles(vfs);
		const known = knownMetadata(entries);
		const again = await describeAssets(againFiles, groupAssets((await scanCameraRoll(againFiles)).files), { known });
		expect(again).toEqual(first);
		expect(againFiles.log.streamsOpened).toBe(0);
		expect(known.added).toBe(0);
	});

	it('reads a file again when its size or times changed', async () => {
		const vfs = new MemoryVfs({ '/DCIM/100APPLE/IMG_0102.HEIC': { bytes: bytes.heic } });
		const files = new VfsDeviceFiles(vfs);
		const [file] = (await scanCameraRoll(files)).files;
		const wrong: FileMetadata = { captureDate: { epochMs: 0, offsetMinutes: 0, floating: false, source: 'exif' } };
		const entries = new Map([[fileIdentity({ ...file!, modifiedTime: file!.modifiedTime + 1 }), wrong]]);
		const [asset] = await describeAssets(files, groupAssets([file!]), { known: knownMetadata(entries) });
		expect(asset!.captureDate.epochMs).toBe(Date.parse('2021-08-06T11:32:22.397-07:00'));
		expect(files.log.streamsOpened).toBeGreaterThan(0);
	});
});

describe('a HEIF whose iloc lists more extents than any photo', () => {
	/** ftyp, then meta with an Exif item (id 1) and an iloc of `items` items of `extents` 8-byte extents each, item 1 last. */
	function heif(items: number, extents: number): Uint8Array {
		const w = new MediaWriter();
		w.box('ftyp', (b) => b.ascii('heic').u32(0).ascii('mif1heic'));
		w.fullBox('meta', 0, 0, (meta) => {
			meta.fullBox('iinf', 0, 0, (iinf) => {
				iinf.u16(1);
				iinf.fullBox('infe', 2, 0, (infe) => infe.u16(1).u16(0).ascii('Exif').u8(0));
			});
			meta.fullBox('iloc', 1, 0, (iloc) => {
				iloc.u16(0x4400).u16(items);
				for (let item = items; item >= 1; item--) {
					iloc.u16(item).u16(0).u16(0).u16(extents);
					for (let extent = 0; extent < extents; extent++) iloc.u32(4096 + extent).u32(100);
				}
			});
		});
		return w.finish();
	}

	it('is not trusted past the bound, and within it is read', () => {
		expect(exifExtent(heif(2, 1))).toEqual({ end: 4196 });
		// 4,097 extents in all (a few kilobytes of iloc): no real photo has so many; the item is not located.
		expect(exifExtent(heif(2, 4096))).toBe('unknown');
		expect(exifExtent(heif(4097, 1))).toBe('unknown');
	});
});
