import { MediaWriter, crc32 } from './media-writer';
import { type CaptureMoment, exifDateTime, exifOffset, isoLocal, isoUtc, quickTimeDate } from './capture-moment';

/**
 * The structured parts of synthetic media files. A synthetic file is `prefix`, then filler, then
 * `suffix`; the parts carry the metadata a real iPhone file carries where a real file carries it
 * (EXIF DateTimeOriginal in a JPEG's APP1 or a HEIC's Exif item, Apple's MakerNote with the Live
 * Photo id, QuickTime's mvhd and `com.apple.quicktime.*` keys in a `moov` at the end of a MOV), so the
 * scanner finds capture dates the way it finds them on a phone. The parts are small and rebuilt on
 * every read that touches them, so nothing per file is kept.
 */
export interface MediaParts {
	prefix: Uint8Array;
	suffix: Uint8Array;
}

export interface StillDescription {
	moment: CaptureMoment;
	make: string;
	model: string;
	/** Whether the camera wrote OffsetTimeOriginal (iPhones since iOS 14 do, older cameras do not). */
	writesOffset: boolean;
	/** The Live Photo id (MakerNote MediaGroupUUID); absent for plain stills. */
	mediaGroupUuid?: string | undefined;
	width: number;
	height: number;
}

/** A Live Photo still of an iPhone 15 Pro with its zone written, for tests of the readers. */
export const SAMPLE_STILL: StillDescription = {
	moment: { epochMs: Date.UTC(2024, 6, 1, 12, 34, 56, 789), offsetMinutes: 120 },
	make: 'Apple',
	model: 'iPhone 15 Pro',
	writesOffset: true,
	mediaGroupUuid: 'AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE',
	width: 5712,
	height: 4284,
};

/** A whole file of `size` bytes from its parts, zeros between them, as the phone would serve it. */
export function assembleMedia(parts: MediaParts, size: number): Uint8Array {
	const file = new Uint8Array(size);
	file.set(parts.prefix);
	file.set(parts.suffix, size - parts.suffix.length);
	return file;
}

export interface MovieDescription {
	moment: CaptureMoment;
	model: string;
	/** `com.apple.quicktime.content.identifier`, for the video half of a Live Photo. */
	contentIdentifier?: string | undefined;
	durationMs: number;
	/** `qt` writes an iPhone MOV (moov at the end); `mp4` an MP4 with the moov first. */
	container: 'qt' | 'mp4';
}

// ---------------------------------------------------------------------------------------------
// TIFF / EXIF

type TiffValue =
	| { type: 'ascii'; text: string }
	| { type: 'short'; values: number[] }
	| { type: 'long'; values: number[] }
	| { type: 'slong'; values: number[] }
	| { type: 'byte'; values: number[] }
	| { type: 'undefined'; bytes: Uint8Array };

interface TiffEntry {
	tag: number;
	value: TiffValue;
}

const TIFF_TYPE = { byte: 1, ascii: 2, short: 3, long: 4, undefined: 7, slong: 9 } as const;
const TAG_EXIF_IFD = 0x8769;

function encodeValue(value: TiffValue, littleEndian: boolean): { type: number; count: number; data: Uint8Array } {
	// Straight into a buffer of the right size: a header has dozens of values, and a first scan reads
	// tens of thousands of headers.
	switch (value.type) {
		case 'ascii': {
			const data = new Uint8Array(value.text.length + 1);
			for (let i = 0; i < value.text.length; i++) data[i] = value.text.charCodeAt(i) & 0xff;
			return { type: TIFF_TYPE.ascii, count: value.text.length + 1, data };
		}
		case 'short': {
			const data = new Uint8Array(value.values.length * 2);
			const view = new DataView(data.buffer);
			value.values.forEach((v, i) => view.setUint16(i * 2, v, littleEndian));
			return { type: TIFF_TYPE.short, count: value.values.length, data };
		}
		case 'long':
		case 'slong': {
			const data = new Uint8Array(value.values.length * 4);
			const view = new DataView(data.buffer);
			value.values.forEach((v, i) => view.setUint32(i * 4, v >>> 0, littleEndian));
			return { type: TIFF_TYPE[value.type], count: value.values.length, data };
		}
		case 'byte':
			return { type: TIFF_TYPE.byte, count: value.values.length, data: Uint8Array.from(value.values) };
		case 'undefined':
			return { type: TIFF_TYPE.undefined, count: value.bytes.length, data: value.bytes };
	}
}

/** Writes one IFD at the writer's position (relative offsets from `origin`); returns where the next-IFD field is. */
function writeIfd(w: MediaWriter, origin: number, entries: TiffEntry[]): { nextIfdField: number; pointerFields: Map<number, number> } {
	const sorted = [...entries].sort((a, b) => a.tag - b.tag);
	const encoded = sorted.map((entry) => ({ tag: entry.tag, ...encodeValue(entry.value, w.littleEndian) }));
	const ifdStart = w.length;
	let dataAt = ifdStart + 2 + encoded.length * 12 + 4;
	const pointerFields = new Map<number, number>();
	w.u16(encoded.length);
	const outOfLine: Uint8Array[] = [];
	for (const entry of encoded) {
		w.u16(entry.tag).u16(entry.type).u32(entry.count);
		if (entry.tag === TAG_EXIF_IFD) pointerFields.set(entry.tag, w.length);
		if (entry.data.length <= 4) {
			w.bytes(entry.data).zeros(4 - entry.data.length);
		} else {
			w.u32(dataAt - origin);
			outOfLine.push(entry.data);
			dataAt += entry.data.length + (entry.data.length & 1);
		}
	}
	const nextIfdField = w.length;
	w.u32(0);
	for (const data of outOfLine) {
		w.bytes(data);
		if (data.length & 1) w.u8(0); // values start on word boundaries
	}
	return { nextIfdField, pointerFields };
}

/** A TIFF structure (the body of an EXIF block, or a whole DNG header): IFD0 pointing to an Exif IFD. */
function tiff(ifd0: TiffEntry[], exif: TiffEntry[], littleEndian: boolean): Uint8Array {
	const w = new MediaWriter({ littleEndian });
	w.ascii(littleEndian ? 'II' : 'MM').u16(42).u32(8);
	const { pointerFields } = writeIfd(w, 0, [...ifd0, { tag: TAG_EXIF_IFD, value: { type: 'long', values: [0] } }]);
	const exifAt = w.length;
	w.setU32(pointerFields.get(TAG_EXIF_IFD)!, exifAt);
	writeIfd(w, 0, exif);
	return w.finish();
}

/** Apple's MakerNote: `Apple iOS\0`, version 1, `MM`, an IFD whose offsets count from the note's start. */
function appleMakerNote(mediaGroupUuid: string | undefined): Uint8Array {
	const w = new MediaWriter();
	w.ascii('Apple iOS').u8(0).u16(1).ascii('MM');
	const entries: TiffEntry[] = [{ tag: 0x0001, value: { type: 'slong', values: [14] } }];
	if (mediaGroupUuid !== undefined) entries.push({ tag: 0x0011, value: { type: 'ascii', text: mediaGroupUuid } });
	writeIfd(w, 0, entries);
	return w.finish();
}

function stillTiff(still: StillDescription, littleEndian: boolean, extraIfd0: TiffEntry[] = []): Uint8Array {
	const ifd0: TiffEntry[] = [
		{ tag: 0x010f, value: { type: 'ascii', text: still.make } },
		{ tag: 0x0110, value: { type: 'ascii', text: still.model } },
		{ tag: 0x0112, value: { type: 'short', values: [1] } },
		{ tag: 0x0132, value: { type: 'ascii', text: exifDateTime(still.moment) } },
		...extraIfd0,
	];
	const exif: TiffEntry[] = [
		{ tag: 0x9003, value: { type: 'ascii', text: exifDateTime(still.moment) } },
		{ tag: 0x9004, value: { type: 'ascii', text: exifDateTime(still.moment) } },
		{ tag: 0x9291, value: { type: 'ascii', text: String(still.moment.epochMs % 1000).padStart(3, '0') } },
		{ tag: 0xa002, value: { type: 'long', values: [still.width] } },
		{ tag: 0xa003, value: { type: 'long', values: [still.height] } },
	];
	if (still.writesOffset) exif.push({ tag: 0x9011, value: { type: 'ascii', text: exifOffset(still.moment.offsetMinutes) } });
	if (still.make === 'Apple') exif.push({ tag: 0x927c, value: { type: 'undefined', bytes: appleMakerNote(still.mediaGroupUuid) } });
	return tiff(ifd0, exif, littleEndian);
}

// ---------------------------------------------------------------------------------------------
// Stills

/** A baseline JPEG: SOI, APP1 Exif, SOF0, SOS, then filler as scan data, EOI at the end. */
export function jpegParts(still: StillDescription): MediaParts {
	const exifTiff = stillTiff(still, false);
	const w = new MediaWriter();
	w.u16(0xffd8);
	w.u16(0xffe1).u16(2 + 6 + exifTiff.length).ascii('Exif').u16(0).bytes(exifTiff);
	w.u16(0xffc0).u16(17).u8(8).u16(still.height).u16(still.width).u8(3);
	w.u8(1).u8(0x22).u8(0).u8(2).u8(0x11).u8(1).u8(3).u8(0x11).u8(1);
	w.u16(0xffda).u16(12).u8(3).u8(1).u8(0x00).u8(2).u8(0x11).u8(3).u8(0x11).u8(0).u8(63).u8(0);
	return { prefix: w.finish(), suffix: Uint8Array.of(0xff, 0xd9) };
}

/**
 * A HEIF still laid out as an iPhone writes it: ftyp, meta (hdlr, pitm, iinf, iloc) and one mdat
 * holding the Exif item followed by the image item (the filler). Needs the file size for iloc.
 */
export function heicParts(still: StillDescription, fileSize: number): MediaParts {
	const exifTiff = stillTiff(still, false);
	const exifItem = new MediaWriter().u32(6).ascii('Exif').u16(0).bytes(exifTiff).finish();
	const w = new MediaWriter();
	w.box('ftyp', (b) => b.ascii('heic').u32(0).ascii('mif1').ascii('heic'));
	const ilocFields: number[] = [];
	w.fullBox('meta', 0, 0, (meta) => {
		meta.fullBox('hdlr', 0, 0, (b) => b.u32(0).ascii('pict').zeros(12).u8(0));
		meta.fullBox('pitm', 0, 0, (b) => b.u16(1));
		meta.fullBox('iinf', 0, 0, (b) => {
			b.u16(2);
			b.fullBox('infe', 2, 0, (e) => e.u16(1).u16(0).ascii('hvc1').u8(0));
			b.fullBox('infe', 2, 0, (e) => e.u16(2).u16(0).ascii('Exif').u8(0));
		});
		meta.fullBox('iloc', 0, 0, (b) => {
			b.u8(0x44).u8(0x00).u16(2);
			for (const id of [1, 2]) {
				b.u16(id).u16(0).u16(1);
				ilocFields.push(b.length);
				b.u32(0).u32(0);
			}
		});
	});
	const mdatStart = w.length;
	w.u32(fileSize - mdatStart).ascii('mdat');
	const exifAt = w.length;
	w.bytes(exifItem);
	const imageAt = w.length;
	const [imageField, exifField] = ilocFields as [number, number];
	w.setU32(imageField, imageAt);
	w.setU32(imageField + 4, Math.max(0, fileSize - imageAt));
	w.setU32(exifField, exifAt);
	w.setU32(exifField + 4, exifItem.length);
	return { prefix: w.finish(), suffix: new Uint8Array(0) };
}

/** An Apple ProRAW DNG: a little-endian TIFF with DNGVersion in IFD0 and the same EXIF as a HEIC. */
export function dngParts(still: StillDescription): MediaParts {
	const prefix = stillTiff(still, true, [
		{ tag: 0x00fe, value: { type: 'long', values: [0] } },
		{ tag: 0x0100, value: { type: 'long', values: [still.width] } },
		{ tag: 0x0101, value: { type: 'long', values: [still.height] } },
		{ tag: 0xc612, value: { type: 'byte', values: [1, 6, 0, 0] } },
	]);
	return { prefix, suffix: new Uint8Array(0) };
}

function pngChunk(w: MediaWriter, type: string, body: Uint8Array): void {
	const typed = new MediaWriter().ascii(type).bytes(body).finish();
	w.u32(body.length).bytes(typed).u32(crc32(typed));
}

/**
 * A screenshot PNG as iOS writes it: IHDR, sRGB, an XMP iTXt chunk with UserComment "Screenshot" and
 * DateCreated (no EXIF date: the date comes from the file's times), one IDAT of filler, IEND.
 */
export function pngParts(moment: CaptureMoment, width: number, height: number, fileSize: number): MediaParts {
	const w = new MediaWriter();
	w.u8(0x89).ascii('PNG\r\n').u8(0x1a).ascii('\n');
	pngChunk(w, 'IHDR', new MediaWriter().u32(width).u32(height).u8(8).u8(2).u8(0).u8(0).u8(0).finish());
	pngChunk(w, 'sRGB', Uint8Array.of(0));
	const xmp =
		'<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="XMP Core 6.0.0">\n' +
		'   <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n' +
		'      <rdf:Description rdf:about=""\n' +
		'            xmlns:exif="http://ns.adobe.com/exif/1.0/"\n' +
		'            xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/">\n' +
		'         <exif:UserComment>Screenshot</exif:UserComment>\n' +
		`         <photoshop:DateCreated>${isoLocal(moment)}</photoshop:DateCreated>\n` +
		'      </rdf:Description>\n' +
		'   </rdf:RDF>\n' +
		'</x:xmpmeta>\n';
	pngChunk(w, 'iTXt', new MediaWriter().ascii('XML:com.adobe.xmp').zeros(5).utf8(xmp).finish());
	const suffix = new MediaWriter();
	suffix.u32(0); // the IDAT's CRC: filler does not have a meaningful one
	pngChunk(suffix, 'IEND', new Uint8Array(0));
	const idatLength = fileSize - w.length - 8 - suffix.length;
	w.u32(Math.max(0, idatLength)).ascii('IDAT');
	return { prefix: w.finish(), suffix: suffix.finish() };
}

// ---------------------------------------------------------------------------------------------
// Movies

const MAC_EPOCH_OFFSET_S = 2_082_844_800;

function movieHeader(w: MediaWriter, movie: MovieDescription): void {
	const created = Math.floor(movie.moment.epochMs / 1000) + MAC_EPOCH_OFFSET_S;
	w.fullBox('mvhd', 0, 0, (b) => {
		b.u32(created).u32(created).u32(600).u32(Math.round((movie.durationMs * 600) / 1000));
		b.u32(0x00010000).u16(0x0100).zeros(10);
		for (const m of [0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000]) b.u32(m);
		b.zeros(24).u32(2);
	});
}

/** QuickTime metadata: `meta` (a plain box in QuickTime) with hdlr `mdta`, keys and ilst. */
function quickTimeMetadata(w: MediaWriter, movie: MovieDescription): void {
	const items: [string, string][] = [
		['com.apple.quicktime.make', 'Apple'],
		['com.apple.quicktime.model', movie.model],
		['com.apple.quicktime.software', '18.5'],
		['com.apple.quicktime.creationdate', quickTimeDate(movie.moment)],
	];
	if (movie.contentIdentifier !== undefined) items.push(['com.apple.quicktime.content.identifier', movie.contentIdentifier]);
	w.box('meta', (meta) => {
		meta.fullBox('hdlr', 0, 0, (b) => b.u32(0).ascii('mdta').zeros(12).u8(0));
		meta.fullBox('keys', 0, 0, (b) => {
			b.u32(items.length);
			for (const [key] of items) b.box('mdta', (k) => k.ascii(key));
		});
		meta.box('ilst', (b) => {
			items.forEach(([, value], index) => {
				// An item's type field is the 1-based index of its key, not a four-character code.
				const start = b.length;
				b.u32(0).u32(index + 1);
				b.box('data', (d) => d.u32(1).u32(0).utf8(value));
				b.setU32(start, b.length - start);
			});
		});
	});
}

function moov(movie: MovieDescription): Uint8Array {
	const w = new MediaWriter();
	w.box('moov', (b) => {
		movieHeader(b, movie);
		quickTimeMetadata(b, movie);
	});
	return w.finish();
}

/** Writes the mdat header for `payload` bytes: 32-bit size when it fits, else the 64-bit form. */
function mdatHeader(w: MediaWriter, payload: number, spareWide: boolean): void {
	if (payload + 8 <= 0xffffffff) {
		if (spareWide) w.u32(8).ascii('wide'); // what iPhones write, so the header can grow in place
		w.u32(payload + 8).ascii('mdat');
	} else {
		w.u32(1).ascii('mdat').u64(payload + 16);
	}
}

/**
 * An iPhone MOV (ftyp `qt  `, wide, mdat, then moov at the end) or an MP4 (ftyp `mp42`, moov, mdat).
 * The filler is the media data.
 */
export function movieParts(movie: MovieDescription, fileSize: number): MediaParts {
	const movieBox = moov(movie);
	const w = new MediaWriter();
	if (movie.container === 'qt') {
		w.box('ftyp', (b) => b.ascii('qt  ').u32(0).ascii('qt  '));
		const payload = fileSize - w.length - 16 - movieBox.length;
		mdatHeader(w, payload, true);
		return { prefix: w.finish(), suffix: movieBox };
	}
	w.box('ftyp', (b) => b.ascii('mp42').u32(1).ascii('isom').ascii('mp42'));
	w.bytes(movieBox);
	const headerSize = fileSize - w.length > 0xffffffff ? 16 : 8;
	mdatHeader(w, fileSize - w.length - headerSize, false);
	return { prefix: w.finish(), suffix: new Uint8Array(0) };
}

// ---------------------------------------------------------------------------------------------
// Sidecars

export interface AdjustmentDescription {
	editorBundleId: 'com.apple.Photos' | 'com.apple.camera';
	editedAtMs: number;
	/** Opaque adjustment data (the real thing is a compressed archive). */
	data: Uint8Array;
}

function base64Lines(data: Uint8Array): string {
	let binary = '';
	for (let i = 0; i < data.length; i++) binary += String.fromCharCode(data[i]!);
	const text = btoa(binary);
	const lines: string[] = [];
	for (let i = 0; i < text.length; i += 68) lines.push(`\t${text.slice(i, i + 68)}`);
	return lines.join('\n');
}

/** An AAE sidecar / Adjustments.plist, an XML plist shaped like the real `IMG_3582.AAE`. */
export function adjustmentPlist(adjustment: AdjustmentDescription): Uint8Array {
	const renderTypes = adjustment.editorBundleId === 'com.apple.camera' ? 24576 : 24578;
	const text =
		'<?xml version="1.0" encoding="UTF-8"?>\n' +
		'<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n' +
		'<plist version="1.0">\n<dict>\n' +
		'\t<key>adjustmentBaseVersion</key>\n\t<integer>0</integer>\n' +
		`\t<key>adjustmentData</key>\n\t<data>\n${base64Lines(adjustment.data)}\n\t</data>\n` +
		`\t<key>adjustmentEditorBundleID</key>\n\t<string>${adjustment.editorBundleId}</string>\n` +
		'\t<key>adjustmentFormatIdentifier</key>\n\t<string>com.apple.photo</string>\n' +
		'\t<key>adjustmentFormatVersion</key>\n\t<string>1.11</string>\n' +
		`\t<key>adjustmentRenderTypes</key>\n\t<integer>${renderTypes}</integer>\n` +
		`\t<key>adjustmentTimestamp</key>\n\t<date>${isoUtc(adjustment.editedAtMs)}</date>\n` +
		'</dict>\n</plist>\n';
	return new TextEncoder().encode(text);
}
