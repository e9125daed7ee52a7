import { exifReaderIfLoaded } from './exif-reader';

/** Cameras write thumbnails of 160×120 (a few KiB); EXIF's APP1 segment cannot hold more than 64 KiB anyway. */
const MAX_THUMBNAIL_BYTES = 64 * 1024;

export interface EmbeddedThumbnail {
	jpeg: Uint8Array;
	/**
	 * EXIF Orientation (1–8) of the photo, which its thumbnail shares but does not carry: the thumbnail's
	 * pixels are stored as the sensor saw them, so a portrait photo's (6) must be turned to be shown upright.
	 */
	orientation: number;
}

/**
 * The JPEG thumbnail a still carries in its EXIF (IFD1), from the file's first bytes (a JPEG's or a
 * HEIC's: `IMAGE_HEAD_BYTES` reach its EXIF). Undefined when there is none, when it is cut off by the
 * end of `head`, or when it is not a whole JPEG (some files hold a placeholder there). Never throws.
 */
export function readEmbeddedThumbnail(head: Uint8Array): EmbeddedThumbnail | undefined {
	let image: unknown;
	let orientation: unknown;
	// A preview only: while the reader is still loading, the file shows without one.
	const ExifReader = exifReaderIfLoaded();
	if (ExifReader === undefined) return undefined;
	try {
		const buffer = head.buffer.slice(head.byteOffset, head.byteOffset + head.byteLength) as ArrayBuffer;
		const tags = ExifReader.load(buffer, { expanded: true, includeTags: { thumbnail: true, exif: ['Orientation'] } });
		image = tags.Thumbnail?.image;
		orientation = tags.exif?.Orientation?.value;
	} catch {
		return undefined;
	}
	if (!(image instanceof ArrayBuffer) || image.byteLength < 4 || image.byteLength > MAX_THUMBNAIL_BYTES) return undefined;
	const jpeg = new Uint8Array(image);
	const n = jpeg.length;
	// SOI at the start and EOI at the end: a whole JPEG, not a truncated one.
	if (jpeg[0] !== 0xff || jpeg[1] !== 0xd8 || jpeg[n - 2] !== 0xff || jpeg[n - 1] !== 0xd9) return undefined;
	return { jpeg, orientation: typeof orientation === 'number' && orientation >= 1 && orientation <= 8 ? orientation : 1 };
}
