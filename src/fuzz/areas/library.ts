import { DEFAULT_READ_BUDGET, MemorySource, type ByteSource } from '../../lib/library/byte-source';
import type { ParsedDate } from '../../lib/library/capture-date';
import { readEmbeddedThumbnail } from '../../lib/library/embedded-thumbnail';
import { readImageMetadata } from '../../lib/library/image-metadata';
import { probeFile } from '../../lib/library/probe-file';
import { readQuickTimeMetadata } from '../../lib/library/quicktime-metadata';
import { MemoryVfs } from '../../testing/library/memory-vfs';
import { VfsDeviceFiles } from '../../testing/library/vfs-device-files';
import { dngParts, heicParts, jpegParts, movieParts, pngParts, SAMPLE_STILL, type MediaParts } from '../../sim/camera-roll/synthetic-media';
import { concatBytes } from '../../lib/bytes';
import { expect } from '../contract';
import { mediaFile, type SeedCorpus } from '../corpus';
import { fuzzInputs, markerOffsets } from '../mutate';
import type { FuzzTarget } from '../run';

/**
 * The date and Live Photo readers on mutated real media. Photos are cut to their first 64 KiB (their
 * metadata sits in the first 40 KiB) and movies have their media data taken out (the `mdat` box kept,
 * emptied), so a case costs microseconds while keeping every structure the readers walk; edits favour
 * the neighbourhood of the metadata markers.
 */

const STILL_HEAD = 64 * 1024;
const STILL_MARKERS = ['Exif', 'MM\0*', 'II*\0', 'Apple iOS', 'iloc', 'iinf', 'iref', 'meta', 'eXIf', 'tEXt', 'iTXt', 'XML:com.adobe', 'photoshop:DateCreated'];
const MOVIE_MARKERS = ['moov', 'mvhd', 'meta', 'hdlr', 'keys', 'ilst', 'data', 'mdat', 'ftyp'];
const MIN_MS = Date.UTC(1969, 11, 31);
const MAX_MS = Date.UTC(2201, 0, 2);

const STILL = SAMPLE_STILL;

/** A synthetic file: its parts around a little filler. */
function synthetic(parts: MediaParts, filler = 256): Uint8Array {
	return concatBytes([parts.prefix, new Uint8Array(filler), parts.suffix]);
}

/** A movie without its media data: every top-level box kept, `mdat` emptied. */
export function withoutMediaData(movie: Uint8Array): Uint8Array {
	const view = new DataView(movie.buffer, movie.byteOffset, movie.byteLength);
	const parts: Uint8Array[] = [];
	for (let at = 0; at + 8 <= movie.length; ) {
		const size32 = view.getUint32(at);
		const size = size32 === 1 ? Number(view.getBigUint64(at + 8)) : size32 === 0 ? movie.length - at : size32;
		if (size < 8 || at + size > movie.length) break;
		const type = String.fromCharCode(...movie.subarray(at + 4, at + 8));
		parts.push(type === 'mdat' ? Uint8Array.of(0, 0, 0, 8, 0x6d, 0x64, 0x61, 0x74) : movie.subarray(at, at + size));
		at += size;
	}
	return concatBytes(parts);
}

function stillSeeds(corpus: SeedCorpus): Uint8Array[] {
	const real = [
		'osxphotos/IMG_3582.HEIC',
		'osxphotos/IMG_0102.HEIC',
		'osxphotos/IMG_1064.jpeg',
		'osxphotos/IMG_2908.PNG',
		'exiftool/Apple.jpg',
		'exiftool/PNG.png',
		'exiftool/QuickTime.heic',
	].map((path) => mediaFile(corpus, path).subarray(0, STILL_HEAD));
	const moment = STILL.moment;
	return [
		...real,
		synthetic(heicParts(STILL, 4096), 0),
		synthetic(jpegParts(STILL)),
		synthetic(jpegParts({ ...STILL, writesOffset: false, mediaGroupUuid: undefined })),
		synthetic(dngParts(STILL)),
		synthetic(pngParts(moment, 1170, 2532, 4096), 0),
	];
}

function movieSeeds(corpus: SeedCorpus): Uint8Array[] {
	const moment = { epochMs: Date.UTC(2023, 2, 3, 3, 3, 3), offsetMinutes: -480 };
	return [
		withoutMediaData(mediaFile(corpus, 'osxphotos/IMG_3582.mov')),
		withoutMediaData(mediaFile(corpus, 'osxphotos/IMG_3539.MOV')),
		mediaFile(corpus, 'exiftool/QuickTime.heic'),
		synthetic(movieParts({ moment, model: 'iPhone 13 Pro', durationMs: 3000, container: 'qt', contentIdentifier: 'AAAAAAAA-1111-4222-8333-444444444444' }, 9000), 0),
		synthetic(movieParts({ moment, model: 'iPhone 13 Pro', durationMs: 3000, container: 'mp4' }, 9000), 0),
	];
}

function checkDate(date: ParsedDate | undefined, what: string): void {
	if (date === undefined) return;
	expect(Number.isFinite(date.epochMs) && date.epochMs >= MIN_MS && date.epochMs < MAX_MS, `${what} of ${date.epochMs} ms came out`);
	expect(date.offsetMinutes === undefined || Math.abs(date.offsetMinutes) <= 14 * 60, `an offset of ${date.offsetMinutes} minutes came out`);
}

function checkLiveId(id: string | undefined): void {
	expect(id === undefined || (id.length > 0 && id.length <= 4096), `a Live Photo id of ${id?.length} characters came out`);
}

/** A source that counts what the reader asks of it. */
class CountingSource implements ByteSource {
	readonly #inner: MemorySource;
	reads = 0;
	largestRead = 0;

	constructor(bytes: Uint8Array) {
		this.#inner = new MemorySource(bytes);
	}

	get size(): number {
		return this.#inner.size;
	}

	read(offset: number, length: number): Promise<Uint8Array> {
		this.reads++;
		this.largestRead = Math.max(this.largestRead, length);
		return this.#inner.read(offset, length);
	}
}

/** quicktime-metadata.ts: MAX_TOP_LEVEL_BOXES, MAX_CHILD_BOXES (each box a header read, a child also its body) and MAX_META_BYTES. */
const MAX_MOVIE_READS = 64 + 512 * 2;
const MAX_META_BYTES = 256 * 1024;

export function libraryTargets(corpus: SeedCorpus): FuzzTarget[] {
	const stills = stillSeeds(corpus);
	const movies = movieSeeds(corpus);
	return [
		{
			name: 'library.image-metadata',
			description: 'readImageMetadata (ExifReader + Apple MakerNote) on mutated HEIC/JPEG/PNG/DNG heads (never throws)',
			inputs: fuzzInputs({ seeds: stills, hotSpots: (seed) => markerOffsets(seed, STILL_MARKERS), randomWeight: 0.05 }),
			mayThrow: 'nothing',
			quickCases: 1000,
			run(input) {
				const found = readImageMetadata(input.bytes);
				checkDate(found.captureDate, 'a capture date');
				checkLiveId(found.mediaGroupUuid);
			},
		},
		{
			name: 'library.embedded-thumbnail',
			description: 'readEmbeddedThumbnail (the EXIF thumbnail the page shows) on mutated HEIC/JPEG/PNG/DNG heads (never throws, bounded)',
			inputs: fuzzInputs({ seeds: stills, hotSpots: (seed) => markerOffsets(seed, STILL_MARKERS), randomWeight: 0.05 }),
			mayThrow: 'nothing',
			quickCases: 500,
			run(input) {
				const found = readEmbeddedThumbnail(input.bytes);
				if (found === undefined) return;
				expect(found.jpeg.byteLength <= 64 * 1024, `a ${found.jpeg.byteLength}-byte thumbnail`);
				expect(found.jpeg[0] === 0xff && found.jpeg[1] === 0xd8, 'a thumbnail that is not a JPEG');
			},
		},
		{
			name: 'library.quicktime-metadata',
			description: 'readQuickTimeMetadata over a MemorySource on mutated MOV/MP4/HEIF boxes (never throws, bounded reads)',
			inputs: fuzzInputs({ seeds: movies, hotSpots: (seed) => markerOffsets(seed, MOVIE_MARKERS), randomWeight: 0.05 }),
			mayThrow: 'nothing',
			quickCases: 1000,
			async run(input) {
				const source = new CountingSource(input.bytes);
				const found = await readQuickTimeMetadata(source);
				expect(source.reads <= MAX_MOVIE_READS, `${source.reads} reads of one movie`);
				expect(source.largestRead <= MAX_META_BYTES, `a read of ${source.largestRead} bytes`);
				checkDate(found.creationDate, 'a creation date');
				checkDate(found.headerDate, 'a header date');
				checkLiveId(found.contentIdentifier);
			},
		},
		{
			name: 'library.probe-file',
			description: 'probeFile through DeviceFiles with the read budget: sniffing, then the image or movie reader (never throws)',
			inputs: fuzzInputs({
				seeds: [...stills, ...movies],
				hotSpots: (seed) => markerOffsets(seed, [...STILL_MARKERS, ...MOVIE_MARKERS]),
				randomWeight: 0.05,
			}),
			mayThrow: 'nothing',
			quickCases: 1000,
			async run(input) {
				const files = new VfsDeviceFiles(new MemoryVfs({ '/DCIM/100APPLE/IMG_0001': { bytes: input.bytes } }), { chunkSize: 16 * 1024 });
				const probe = await probeFile(files, { path: '/DCIM/100APPLE/IMG_0001', size: input.bytes.length });
				expect(probe.readable, 'a readable file reported unreadable');
				if (probe.readable) {
					checkDate(probe.metadata.captureDate, 'a capture date');
					checkLiveId(probe.metadata.liveId);
				}
				expect(files.log.streamsOpened <= DEFAULT_READ_BUDGET.maxReads, `${files.log.streamsOpened} reads of one file`);
				expect(files.log.bytesRead <= DEFAULT_READ_BUDGET.maxBytes, `${files.log.bytesRead} bytes read of one file`);
			},
		},
	];
}
