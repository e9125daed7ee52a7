import { DEFAULT_READ_BUDGET, DeviceFileSource, FileReadFailed, type ReadBudget } from './byte-source';
import type { CaptureDate } from './capture-date';
import type { DeviceFiles } from './device-files';
import { exifExtent } from './exif-extent';
import { isAbort, isFileLevelFailure } from './failures';
import { loadExifReader } from './exif-reader';
import { readImageMetadata } from './image-metadata';
import { parseMediaPath } from './media-path';
import { readQuickTimeMetadata } from './quicktime-metadata';

/** What one file's own bytes say about it. */
export interface FileMetadata {
	/** From EXIF or QuickTime metadata only; file times are the caller's fallback. */
	captureDate?: CaptureDate;
	/** The Live Photo id: MakerNote MediaGroupUUID of a still, content.identifier of a movie. */
	liveId?: string;
}

export type FileProbe =
	| { readable: true; metadata: FileMetadata }
	/** The phone listed the file but would not give its bytes: an iCloud placeholder. */
	| { readable: false; cause: unknown };

/**
 * The first read of every file: enough to tell the format, and to hold a JPEG's APP1 or a HEIF's
 * `meta` (item list and locations), which say how much more the EXIF needs.
 */
export const FIRST_READ_BYTES = 16 * 1024;

/**
 * The first read of a file named as a movie: its top-level box headers, which is all a camera's movie
 * holds before the media data (`ftyp`, `wide`, `mdat`; an iPhone's `moov` comes last and is read where it
 * lies). A 16 KiB first read would be nearly all media data: over a library, a third of what a scan reads.
 */
export const MOVIE_FIRST_READ_BYTES = 1024;

/** The most of a still that is read for its EXIF (from the start, so the container can be parsed). */
export const IMAGE_HEAD_BYTES = 128 * 1024;

export type ContainerFormat = 'image' | 'quicktime' | 'unknown';

const HEIF_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'hevm', 'hevs', 'mif1', 'msf1', 'avif', 'avis']);
const QUICKTIME_FIRST_BOXES = new Set(['moov', 'mdat', 'wide', 'free', 'skip', 'pnot']);

/** Tells stills from movies by their first bytes (names can lie; magic numbers rarely do). */
export function sniffFormat(head: Uint8Array): ContainerFormat {
	if (head.length < 12) return 'unknown';
	const [a, b, c, d] = head;
	if (a === 0xff && b === 0xd8 && c === 0xff) return 'image'; // JPEG
	if (a === 0x89 && b === 0x50 && c === 0x4e && d === 0x47) return 'image'; // PNG
	if ((a === 0x49 && b === 0x49 && c === 0x2a && d === 0) || (a === 0x4d && b === 0x4d && c === 0 && d === 0x2a)) return 'image'; // TIFF, DNG
	const type = String.fromCharCode(head[4]!, head[5]!, head[6]!, head[7]!);
	if (type === 'ftyp') {
		const brand = String.fromCharCode(head[8]!, head[9]!, head[10]!, head[11]!);
		return HEIF_BRANDS.has(brand) ? 'image' : 'quicktime';
	}
	return QUICKTIME_FIRST_BOXES.has(type) ? 'quicktime' : 'unknown';
}

/**
 * Reads the metadata of one file through `DeviceFiles.read`: the first 128 KiB of a still, or the
 * boxes of a movie, within a read budget, each stream cancelled once enough has arrived. A file the
 * phone will not give (a file-level error) is reported unreadable; any other read failure (a lost
 * connection) is thrown; a malformed file just has no metadata.
 */
export async function probeFile(
	files: DeviceFiles,
	file: { path: string; size: number },
	options: { budget?: ReadBudget; signal?: AbortSignal } = {},
): Promise<FileProbe> {
	const source = new DeviceFileSource(files, file.path, file.size, options.budget ?? DEFAULT_READ_BUDGET);
	try {
		// Named as a movie, read as little as a movie needs first; a still under a movie's name reads more below.
		const firstRead = parseMediaPath(file.path).mediaClass === 'video' ? MOVIE_FIRST_READ_BYTES : FIRST_READ_BYTES;
		const first = await source.read(0, firstRead, firstRead);
		const format = sniffFormat(first);
		if (format === 'image') {
			// Just as far as the EXIF block goes (most iPhone stills: within the first read); the usual
			// head when the structure does not say.
			let head = first;
			let extent = exifExtent(head);
			if (typeof extent === 'object' && 'needs' in extent && extent.needs <= IMAGE_HEAD_BYTES && extent.needs > head.length) {
				head = await source.read(0, extent.needs);
				extent = exifExtent(head);
			}
			const wanted =
				extent === 'none' ? 0 : extent === 'unknown' || 'needs' in extent ? IMAGE_HEAD_BYTES : Math.min(extent.end, IMAGE_HEAD_BYTES);
			if (wanted > head.length && head.length < file.size) {
				head = await source.read(0, wanted);
				// Now with the block in hand: a HEIF's TIFF header may lie past the first read (tiled photos).
				if (typeof extent === 'object' && 'end' in extent && extent.tiffStart === undefined) extent = exifExtent(head);
			}
			// The parser gets no more than the EXIF needs: it copies and walks what it is given.
			await loadExifReader();
			const image =
				typeof extent === 'object' && 'end' in extent ? readImageMetadata(head.subarray(0, extent.end), extent.tiffStart) : readImageMetadata(head);
			const metadata: FileMetadata = {};
			if (image.captureDate !== undefined) metadata.captureDate = { ...image.captureDate, source: image.captureDateFrom ?? 'exif' };
			if (image.mediaGroupUuid !== undefined) metadata.liveId = image.mediaGroupUuid;
			return { readable: true, metadata };
		}
		if (format === 'quicktime') {
			const movie = await readQuickTimeMetadata(source);
			const metadata: FileMetadata = {};
			if (movie.creationDate !== undefined) metadata.captureDate = { ...movie.creationDate, source: 'quicktime-metadata' };
			else if (movie.headerDate !== undefined) metadata.captureDate = { ...movie.headerDate, source: 'quicktime-header' };
			if (movie.contentIdentifier !== undefined) metadata.liveId = movie.contentIdentifier;
			return { readable: true, metadata };
		}
		return { readable: true, metadata: {} };
	} catch (error) {
		if (error instanceof FileReadFailed) {
			if (!isFileLevelFailure(error.cause)) throw error.cause;
			return { readable: false, cause: error.cause };
		}
		if (isAbort(error, options.signal)) throw error;
		return { readable: true, metadata: {} }; // over budget or malformed: no date from the content
	}
}
