import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FIXTURE_MEDIA_DIR } from '../../sim/camera-roll/real-media-node';
import { MediaWriter } from '../../sim/camera-roll/media-writer';
import { assembleMedia, heicParts, jpegParts, movieParts, SAMPLE_STILL } from '../../sim/camera-roll/synthetic-media';
import { DeviceFileSource, MemorySource } from './byte-source';
import { appleMediaGroupUuid, readImageMetadata } from './image-metadata';
import { readQuickTimeMetadata } from './quicktime-metadata';
import { sniffFormat } from './probe-file';
import { MemoryVfs } from '../../testing/library/memory-vfs';
import { VfsDeviceFiles } from '../../testing/library/vfs-device-files';

const FIXTURES = {
	live: 'osxphotos/IMG_3582.HEIC',
	liveMovie: 'osxphotos/IMG_3582.mov',
	heic: 'osxphotos/IMG_0102.HEIC',
	jpeg: 'osxphotos/IMG_1064.jpeg',
	screenshot: 'osxphotos/IMG_2908.PNG',
	movie: 'osxphotos/IMG_3539.MOV',
	iphone7: 'exiftool/Apple.jpg',
	skeleton: 'exiftool/QuickTime.heic',
	png: 'exiftool/PNG.png',
} as const;
const bytes: Partial<Record<keyof typeof FIXTURES, Uint8Array>> = {};
const fixture = (name: keyof typeof FIXTURES) => bytes[name]!;
const UUID = '602FEBB7-6B59-4799-96E6-9C8484D873C7';

beforeAll(async () => {
	for (const [name, path] of Object.entries(FIXTURES)) {
		bytes[name as keyof typeof FIXTURES] = new Uint8Array(await readFile(new URL(path, FIXTURE_MEDIA_DIR)));
	}
});

const head = (data: Uint8Array) => data.subarray(0, 128 * 1024);

describe('still metadata (EXIF, Apple MakerNote)', () => {
	it('reads the fixtures as the fixture README states', () => {
		expect(readImageMetadata(head(fixture('live')))).toEqual({
			captureDate: { epochMs: Date.parse('2025-05-26T09:27:06.603-05:00'), offsetMinutes: -300, floating: false },
			captureDateFrom: 'exif',
			mediaGroupUuid: UUID,
		});
		expect(readImageMetadata(head(fixture('heic'))).captureDate).toEqual({
			epochMs: Date.parse('2021-08-06T11:32:22.397-07:00'),
			offsetMinutes: -420,
			floating: false,
		});
		expect(readImageMetadata(head(fixture('jpeg'))).captureDate).toEqual({
			epochMs: Date.parse('2020-02-04T19:07:38.704Z'),
			offsetMinutes: undefined,
			floating: true,
		});
		expect(readImageMetadata(head(fixture('iphone7'))).captureDate?.epochMs).toBe(Date.parse('2016-09-28T18:18:05.813Z'));
		// A screenshot has no EXIF date; its XMP DateCreated is a wall-clock time.
		expect(readImageMetadata(head(fixture('screenshot')))).toEqual({
			captureDate: { epochMs: Date.UTC(2015, 8, 27, 16, 29, 28), offsetMinutes: undefined, floating: true },
			captureDateFrom: 'xmp',
		});
		expect(readImageMetadata(fixture('skeleton'))).toEqual({});
		expect(readImageMetadata(fixture('png'))).toEqual({});
		expect(readImageMetadata(new Uint8Array(0))).toEqual({});
	});

	it('takes the first XMP DateCreated that carries a date, wherever it is in the head', () => {
		const text = new TextEncoder().encode('<a photoshop:DateCreated="">…</a> photoshop:DateCreated  =  \'2019-03-04T05:06:07\' photoshop:DateCreated>2001-01-01T00:00:00');
		const png = fixture('png');
		const file = new Uint8Array(png.length + 5000 + text.length);
		file.set(png);
		file.set(text, png.length + 5000);
		expect(readImageMetadata(file)).toEqual({
			captureDate: { epochMs: Date.UTC(2019, 2, 4, 5, 6, 7), offsetMinutes: undefined, floating: true },
			captureDateFrom: 'xmp',
		});
	});

	it('reads what the simulator writes into synthetic HEIC and JPEG files', () => {
		const still = SAMPLE_STILL;
		for (const parts of [heicParts(still, 3000), jpegParts(still)]) {
			const file = assembleMedia(parts, 3000);
			expect(readImageMetadata(file)).toEqual({
				captureDate: { epochMs: still.moment.epochMs, offsetMinutes: 120, floating: false },
				captureDateFrom: 'exif',
				mediaGroupUuid: still.mediaGroupUuid,
			});
		}
	});

	it('tells containers apart by their first bytes', () => {
		expect(sniffFormat(fixture('live'))).toBe('image');
		expect(sniffFormat(fixture('jpeg'))).toBe('image');
		expect(sniffFormat(fixture('screenshot'))).toBe('image');
		expect(sniffFormat(fixture('movie'))).toBe('quicktime');
		expect(sniffFormat(new TextEncoder().encode('<?xml version="1.0"?><plist/>'))).toBe('unknown');
	});

	it('refuses broken MakerNotes', () => {
		const note = (count: number, offset: number, length: number) =>
			Array.from(new MediaWriter().ascii('Apple iOS').u8(0).u16(1).ascii('MM').u16(count).u16(0x11).u16(2).u32(length).u32(offset).u32(0).finish());
		expect(appleMediaGroupUuid(note(1, 30, 37))).toBeUndefined(); // value beyond the note
		expect(appleMediaGroupUuid(note(60_000, 30, 3))).toBeUndefined(); // entries beyond the note
		expect(appleMediaGroupUuid(note(1, 0, 0xffffffff))).toBeUndefined();
		expect(appleMediaGroupUuid([1, 2, 3])).toBeUndefined();
		expect(appleMediaGroupUuid(Array.from(new MediaWriter().ascii('Nikon').zeros(20).finish()))).toBeUndefined();
	});
});

describe('movie metadata (QuickTime boxes)', () => {
	it('reads the fixtures, hopping over mdat to the moov at the end', async () => {
		const live = new MemorySource(fixture('liveMovie'));
		expect(await readQuickTimeMetadata(live)).toEqual({
			creationDate: { epochMs: Date.parse('2025-05-26T09:27:06-05:00'), offsetMinutes: -300, floating: false },
			headerDate: { epochMs: Date.parse('2025-05-26T14:27:06Z'), offsetMinutes: undefined, floating: false },
			contentIdentifier: UUID,
		});
		expect(live.reads).toBeLessThan(40);
		const movie = await readQuickTimeMetadata(new MemorySource(fixture('movie')));
		expect(movie.creationDate).toEqual({ epochMs: Date.parse('2016-01-18T15:20:40-07:00'), offsetMinutes: -420, floating: false });
		expect(movie.contentIdentifier).toBeUndefined();
	});

	it('reads a synthetic MOV past 4 GiB and a synthetic MP4 with the moov first', async () => {
		const moment = { epochMs: Date.parse('2023-03-03T03:03:03Z'), offsetMinutes: -480 };
		for (const [container, size] of [
			['qt', 5_000_000_000],
			['mp4', 20_000],
		] as const) {
			const { prefix, suffix } = movieParts({ moment, model: 'iPhone 13 Pro', durationMs: 60_000, container, contentIdentifier: 'X' }, size);
			const source = {
				size,
				read: async (offset: number, length: number) => {
					const out = new Uint8Array(Math.max(0, Math.min(length, size - offset)));
					const put = (part: Uint8Array, at: number) => {
						for (let i = 0; i < out.length; i++) {
							const p = offset + i - at;
							if (p >= 0 && p < part.length) out[i] = part[p]!;
						}
					};
					put(prefix, 0);
					put(suffix, size - suffix.length);
					return out;
				},
			};
			const found = await readQuickTimeMetadata(source);
			expect(found.creationDate).toEqual({ epochMs: moment.epochMs, offsetMinutes: -480, floating: false });
			expect(found.headerDate?.epochMs).toBe(moment.epochMs);
			expect(found.contentIdentifier).toBe('X');
		}
	});

	it('stays inside its read budget on the phone and cancels every stream', async () => {
		const vfs = new MemoryVfs({ '/m.MOV': { bytes: fixture('liveMovie') } });
		const files = new VfsDeviceFiles(vfs);
		const source = new DeviceFileSource(files, '/m.MOV', fixture('liveMovie').length);
		expect((await readQuickTimeMetadata(source)).contentIdentifier).toBe(UUID);
		expect(source.reads).toBeLessThanOrEqual(3);
		expect(files.log.streamsOpened).toBe(source.reads);
		expect(files.log.streamsCancelled + 1).toBeGreaterThanOrEqual(files.log.streamsOpened); // the last may end by itself
		expect(files.log.bytesRead).toBeLessThan(300_000);
	});

	it('survives hostile boxes: sizes past the file, endless keys, 64-bit sizes', async () => {
		const hostile = [
			new MediaWriter().u32(0xffffffff).ascii('moov').zeros(100).finish(),
			new MediaWriter().u32(1).ascii('mdat').u32(0xffffffff).u32(0xffffffff).zeros(64).finish(),
			new MediaWriter().u32(0).ascii('moov').u32(0).ascii('meta').finish(),
			new MediaWriter()
				.box('moov', (m) =>
					m.box('meta', (meta) => {
						meta.fullBox('hdlr', 0, 0, (b) => b.u32(0).ascii('mdta').zeros(13));
						meta.fullBox('keys', 0, 0, (b) => b.u32(0xffffffff).u32(0xfffffff0).ascii('mdta'));
						meta.box('ilst', (b) => b.u32(0xffffff00).u32(1).zeros(8));
					}),
				)
				.finish(),
			new MediaWriter().box('moov', (m) => m.fullBox('mvhd', 1, 0, (b) => b.u32(0xffffffff).u32(0xffffffff))).finish(),
			new MediaWriter().u32(4).ascii('moov').finish(),
		];
		for (const data of hostile) {
			const source = new MemorySource(data);
			const found = await readQuickTimeMetadata(source);
			expect(found.creationDate).toBeUndefined();
			expect(source.reads).toBeLessThan(2000);
		}
	});
});

describe('robustness on mutated real media', () => {
	const mutate = (data: Uint8Array, edits: { at: number; value: number }[], cut: number) => {
		const copy = data.slice(0, Math.max(0, Math.floor(data.length * cut)));
		for (const { at, value } of edits) if (copy.length > 0) copy[at % copy.length] = value;
		return copy;
	};
	const edits = fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), { maxLength: 24 });
	const cut = fc.oneof(fc.constant(1), fc.double({ min: 0, max: 1, noNaN: true }));

	it('reads stills: no throw, only sane dates', () => {
		fc.assert(
			fc.property(fc.constantFrom<keyof typeof FIXTURES>('live', 'heic', 'jpeg', 'iphone7', 'screenshot'), edits, cut, (name, e, c) => {
				// The EXIF of these files sits in their first 40 KiB: mutate where it matters.
				const data = mutate(head(fixture(name)).subarray(0, 48 * 1024), e, c);
				const found = readImageMetadata(data);
				if (found.captureDate !== undefined) expect(Number.isFinite(found.captureDate.epochMs)).toBe(true);
				if (found.mediaGroupUuid !== undefined) expect(found.mediaGroupUuid.length).toBeLessThanOrEqual(256);
			}),
			{ numRuns: 300 },
		);
	});

	it('reads movies: no throw, bounded reads, through a budgeted source too', async () => {
		// Mutations aimed at the moov (the last 8 KiB of the Live Photo movie) and its header.
		const movie = fixture('liveMovie');
		const tailStart = movie.length - 8272;
		await fc.assert(
			fc.asyncProperty(
				fc.array(fc.record({ at: fc.nat(8272 + 40), value: fc.integer({ min: 0, max: 255 }) }), { maxLength: 16 }),
				cut,
				async (e, c) => {
					const copy = movie.slice();
					for (const { at, value } of e) copy[at < 40 ? at : tailStart + at - 40] = value;
					const data = copy.subarray(0, Math.floor(copy.length * c));
					const memory = new MemorySource(data);
					await readQuickTimeMetadata(memory);
					expect(memory.reads).toBeLessThan(64 + 512 + 4);
					const files = new VfsDeviceFiles(new MemoryVfs({ '/a.MOV': { bytes: data } }));
					const budgeted = new DeviceFileSource(files, '/a.MOV', data.length);
					const found = await readQuickTimeMetadata(budgeted);
					expect(budgeted.reads).toBeLessThanOrEqual(16);
					expect(files.log.bytesRead).toBeLessThanOrEqual(16 * 64 * 1024 + 64 * 1024);
					if (found.creationDate !== undefined) expect(Number.isFinite(found.creationDate.epochMs)).toBe(true);
				},
			),
			{ numRuns: 150 },
		);
	});
});
