import type ExifReaderModule from 'exifreader';
import { loadAppChunk } from '../app-code';

type ExifReader = typeof ExifReaderModule;

let loaded: ExifReader | undefined;

/**
 * Loads ExifReader, a sixth of what the device worker would weigh otherwise, as a chunk of its own:
 * only reading a photo's EXIF needs it (a scan, a preview), and a scan with every date remembered
 * never does. Call (and await) before `exifReader()`; later calls cost nothing.
 */
export async function loadExifReader(): Promise<void> {
	loaded ??= (await loadAppChunk(() => import('exifreader'))).default;
}

/** The loaded ExifReader. Throws when `loadExifReader()` was not awaited first: a bug, never "no EXIF". */
export function exifReader(): ExifReader {
	if (loaded === undefined) throw new Error('ExifReader is used before loadExifReader() finished.');
	return loaded;
}

/** The loaded ExifReader, or undefined while it is loading: for what can do without (a preview). */
export function exifReaderIfLoaded(): ExifReader | undefined {
	return loaded;
}
