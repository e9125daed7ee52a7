import { exifReader } from './exif-reader';
import { type ParsedDate, parseExifDate, parseIsoDate } from './capture-date';

/**
 * Reads a still's capture date (EXIF DateTimeOriginal + OffsetTimeOriginal + SubSecTimeOriginal, or
 * for a screenshot, which has no EXIF, its XMP photoshop:DateCreated) and Live Photo id (Apple
 * MakerNote tag 0x0011, MediaGroupUUID) from the first bytes of a HEIC, JPEG, DNG or PNG. ExifReader
 * does the container and EXIF parsing; Apple's MakerNote it leaves raw, and its XMP parsing needs a
 * DOMParser that workers lack, so those parts are read here. Anything malformed yields less
 * metadata, never an exception.
 */
export interface ImageMetadata {
	captureDate?: ParsedDate;
	/** Where `captureDate` came from. */
	captureDateFrom?: 'exif' | 'xmp';
	mediaGroupUuid?: string;
}

const EXIF_TAGS = ['DateTimeOriginal', 'OffsetTimeOriginal', 'SubSecTimeOriginal', 'MakerNote'];
const APPLE_MAKER_NOTE = 'Apple iOS\0';
const TAG_MEDIA_GROUP_UUID = 0x0011;
const MAX_MAKER_NOTE_ENTRIES = 512;

interface RawTag {
	value?: unknown;
	description?: unknown;
}

function text(tag: RawTag | undefined): string | undefined {
	if (tag === undefined) return undefined;
	if (typeof tag.description === 'string') return tag.description;
	if (Array.isArray(tag.value) && typeof tag.value[0] === 'string') return tag.value[0];
	return undefined;
}

/**
 * `tiffStart`: where in `head` a HEIF's EXIF TIFF header is (`exifExtent` finds it). ExifReader then
 * reads the TIFF alone, a third of the work of walking the HEIF's boxes for it; a block without a date
 * is read again the whole way, for an XMP date.
 */
export function readImageMetadata(head: Uint8Array, tiffStart?: number): ImageMetadata {
	if (tiffStart !== undefined && tiffStart >= 0 && tiffStart < head.length) {
		const found = metadataFromExif(parseExif(head.subarray(tiffStart)), head, false);
		if (found?.captureDate !== undefined) return found;
	}
	return metadataFromExif(parseExif(head), head, true) ?? {};
}

type ExifTags = Record<string, RawTag | undefined>;

/** The EXIF group ExifReader finds in `bytes`; `undefined` when it cannot read them. */
function parseExif(bytes: Uint8Array): ExifTags | undefined | 'unreadable' {
	// Outside the try: a reader not loaded is a bug to surface, not a photo without EXIF.
	const ExifReader = exifReader();
	try {
		// ExifReader wants an ArrayBuffer of exactly the data.
		const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
		return withoutStackTraces(() => ExifReader.loadView(new DataView(buffer), { expanded: true, includeTags: { exif: EXIF_TAGS } }))
			.exif as ExifTags | undefined;
	} catch {
		return 'unreadable';
	}
}

function metadataFromExif(exif: ExifTags | undefined | 'unreadable', head: Uint8Array, lookForXmp: boolean): ImageMetadata | undefined {
	if (exif === 'unreadable') return undefined;
	const found: ImageMetadata = {};
	const dateTime = text(exif?.['DateTimeOriginal']);
	if (dateTime !== undefined) {
		const date = parseExifDate(dateTime, text(exif?.['OffsetTimeOriginal']), text(exif?.['SubSecTimeOriginal']));
		if (date !== undefined) found.captureDate = date;
	}
	if (found.captureDate !== undefined) found.captureDateFrom = 'exif';
	else if (lookForXmp) {
		const created = xmpDateCreated(head);
		if (created !== undefined) Object.assign(found, { captureDate: created, captureDateFrom: 'xmp' });
	}
	const makerNote = exif?.['MakerNote']?.value;
	if (Array.isArray(makerNote)) {
		const uuid = appleMediaGroupUuid(makerNote);
		if (uuid !== undefined) found.mediaGroupUuid = uuid;
	}
	return found;
}

/**
 * Runs `parse` with V8's stack traces off. ExifReader looks for a HEIC's XMP and ICC items by
 * throwing and catching a TypeError when there are none (every iPhone HEIC), and `load` probes for
 * Node's Buffer the same way: capturing those stacks was a tenth of a first scan's parsing time.
 * (`loadView` skips the Buffer probe.) Parsing is synchronous, so nothing else runs meanwhile.
 */
function withoutStackTraces<T>(parse: () => T): T {
	const errors = Error as { stackTraceLimit?: number };
	const limit = errors.stackTraceLimit;
	errors.stackTraceLimit = 0;
	try {
		return parse();
	} finally {
		errors.stackTraceLimit = limit;
	}
}

/** Screenshots carry `photoshop:DateCreated`, a wall-clock time, in an XMP packet near the start. */
const XMP_DATE_NAME = 'photoshop:DateCreated';
const XMP_DATE_CREATED = /^photoshop:DateCreated(?:>\s*|\s*=\s*["'])([0-9][0-9T:.+\-Z]{9,40})/;
const XMP_NAME_BYTES = Uint8Array.from(XMP_DATE_NAME, (c) => c.charCodeAt(0));
/** The name, what may stand between it and the date (`>`, `="`, some spaces), and the longest date. */
const XMP_DATE_WINDOW = 256;
const latin1 = new TextDecoder('latin1');

/**
 * The first `photoshop:DateCreated` that carries a date. The name is looked for in the bytes and only
 * a window after each is decoded: decoding the whole 64 KiB as text for every photo without an EXIF
 * date cost a first scan more than its EXIF parsing.
 */
function xmpDateCreated(head: Uint8Array): ParsedDate | undefined {
	const region = head.subarray(0, MAX_XMP_SEARCH);
	const first = XMP_NAME_BYTES[0]!;
	for (let at = region.indexOf(first); at !== -1 && at + XMP_NAME_BYTES.length <= region.length; at = region.indexOf(first, at + 1)) {
		let same = true;
		for (let i = 1; i < XMP_NAME_BYTES.length && same; i++) same = region[at + i] === XMP_NAME_BYTES[i];
		if (!same) continue;
		const match = XMP_DATE_CREATED.exec(latin1.decode(region.subarray(at, at + XMP_DATE_WINDOW)));
		if (match !== null) return parseIsoDate(match[1]!);
	}
	return undefined;
}

/** The packet follows the header chunks; a screenshot's is within its first kilobytes. */
const MAX_XMP_SEARCH = 64 * 1024;

/**
 * Apple's MakerNote: `Apple iOS\0`, a 16-bit version, a byte-order mark (`MM`/`II`), then an IFD at
 * offset 14 whose value offsets count from the start of the note.
 */
export function appleMediaGroupUuid(note: readonly unknown[]): string | undefined {
	if (note.length < 16) return undefined;
	const bytes = Uint8Array.from(note, (v) => (typeof v === 'number' ? v & 0xff : 0));
	for (let i = 0; i < APPLE_MAKER_NOTE.length; i++) if (bytes[i] !== APPLE_MAKER_NOTE.charCodeAt(i)) return undefined;
	const order = String.fromCharCode(bytes[12]!, bytes[13]!);
	if (order !== 'MM' && order !== 'II') return undefined;
	const little = order === 'II';
	const view = new DataView(bytes.buffer);
	const count = Math.min(view.getUint16(14, little), MAX_MAKER_NOTE_ENTRIES);
	for (let i = 0; i < count; i++) {
		const entry = 16 + i * 12;
		if (entry + 12 > bytes.length) return undefined;
		if (view.getUint16(entry, little) !== TAG_MEDIA_GROUP_UUID || view.getUint16(entry + 2, little) !== 2) continue;
		const length = view.getUint32(entry + 4, little);
		const start = length <= 4 ? entry + 8 : view.getUint32(entry + 8, little);
		if (length === 0 || length > 256 || start + length > bytes.length) return undefined;
		const value = new TextDecoder().decode(bytes.subarray(start, start + length)).replace(/\0+$/, '').trim();
		return value.length > 0 ? value : undefined;
	}
	return undefined;
}
