/**
 * Where a still's EXIF block ends, read from the container's own structure in its first bytes, so that
 * the scanner fetches just that much of each photo instead of a fixed large head: a JPEG's APP1
 * segment, a HEIF's `Exif` item (through `iinf` and `iloc`), a PNG's `eXIf` chunk.
 *
 * `{ end }`: the EXIF block ends at that file offset; for a HEIF, `tiffStart` is where its TIFF
 * header is (in `head`), when the item is one extent in the file. `{ needs }`: the structure goes on past the head
 * (a HEIF `meta` with many tiles is ~30 KiB): ask again with that many bytes. `'none'`: the structure says there is none
 * (a JPEG's scan data, a PNG's image data or a HEIF's item list came first). `'unknown'`: the head is
 * too short, the format keeps EXIF elsewhere (TIFF, DNG), or something is malformed: the caller reads
 * its usual amount. Every offset is checked against `head`; nothing here throws.
 */
export type ExifExtent = { end: number; tiffStart?: number } | { needs: number } | 'none' | 'unknown';

const MAX_BOXES = 64;
/** A tiled HEIF lists an item per tile (48 for a 12 MP photo, more with depth and thumbnails). */
const MAX_ITEMS = 4096;
/**
 * Extents an `iloc` may list in all: a tiled 48 MP photo has a few hundred. Extents may take no bytes
 * at all (field sizes of 0), so without this a few kilobytes could ask for 4096 × 65,535 of them.
 */
const MAX_EXTENTS = 4096;

export function exifExtent(head: Uint8Array): ExifExtent {
	if (head.length < 12) return 'unknown';
	const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
	if (head[0] === 0xff && head[1] === 0xd8) return jpegExif(head, view);
	if (view.getUint32(0) === 0x89504e47 && view.getUint32(4) === 0x0d0a1a0a) return pngExif(head, view);
	if (fourCC(head, 4) === 'ftyp') return heifExif(head, view);
	return 'unknown';
}

function fourCC(bytes: Uint8Array, at: number): string {
	return String.fromCharCode(bytes[at]!, bytes[at + 1]!, bytes[at + 2]!, bytes[at + 3]!);
}

/** Segments after SOI: APP1 `Exif\0\0` is the block; SOS (scan data) or EOI means there is none. */
function jpegExif(head: Uint8Array, view: DataView): ExifExtent {
	let at = 2;
	for (let count = 0; count < MAX_BOXES; count++) {
		if (at + 4 > head.length) return 'unknown';
		if (head[at] !== 0xff) return 'unknown';
		const marker = head[at + 1]!;
		if (marker === 0xff) {
			at++; // fill byte
			continue;
		}
		if (marker === 0xd9 || marker === 0xda) return 'none';
		if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
			at += 2;
			continue;
		}
		const length = view.getUint16(at + 2);
		if (length < 2) return 'unknown';
		if (marker === 0xe1 && at + 10 <= head.length && fourCC(head, at + 4) === 'Exif' && head[at + 8] === 0) {
			return { end: at + 2 + length };
		}
		at += 2 + length;
	}
	return 'unknown';
}

/** Chunks after the signature: `eXIf` is the block; image data (`IDAT`) or the end means there is none. */
function pngExif(head: Uint8Array, view: DataView): ExifExtent {
	let at = 8;
	for (let count = 0; count < MAX_BOXES; count++) {
		if (at + 8 > head.length) return 'unknown';
		const length = view.getUint32(at);
		const type = fourCC(head, at + 4);
		if (type === 'eXIf') return { end: at + 12 + length };
		if (type === 'IDAT' || type === 'IEND') return 'none';
		at += 12 + length;
	}
	return 'unknown';
}

interface Box {
	type: string;
	body: number;
	end: number;
}

/** Boxes in `[from, to)` of `head`; stops at one that does not fit. */
function* boxes(head: Uint8Array, view: DataView, from: number, to: number, max = MAX_BOXES): Generator<Box> {
	let at = from;
	for (let count = 0; count < max && at + 8 <= to && at + 8 <= head.length; count++) {
		let size = view.getUint32(at);
		let body = at + 8;
		if (size === 1) {
			if (at + 16 > to || at + 16 > head.length) return;
			const big = view.getBigUint64(at + 8);
			if (big > BigInt(Number.MAX_SAFE_INTEGER)) return;
			size = Number(big);
			body = at + 16;
		} else if (size === 0) {
			size = to - at;
		}
		if (size < body - at) return;
		yield { type: fourCC(head, at + 4), body, end: at + size };
		at += size;
	}
}

/** ISO BMFF: the top-level `meta`, its `iinf` for the `Exif` item's id and its `iloc` for where it lies. */
function heifExif(head: Uint8Array, view: DataView): ExifExtent {
	let meta: Box | undefined;
	for (const box of boxes(head, view, 0, Number.MAX_SAFE_INTEGER)) {
		if (box.type === 'meta') {
			meta = box;
			break;
		}
		if (box.type === 'mdat') return 'unknown';
	}
	if (meta === undefined) return 'unknown';
	// The whole `meta` must be in the head: its item list and locations are all we look at.
	if (meta.end > head.length) return { needs: meta.end };
	let exifId: number | undefined;
	let sawItems = false;
	let iloc: Box | undefined;
	for (const child of boxes(head, view, meta.body + 4, meta.end)) {
		if (child.end > meta.end) return 'unknown';
		if (child.type === 'iinf') {
			sawItems = true;
			exifId = exifItemId(head, view, child);
		} else if (child.type === 'iloc') {
			iloc = child;
		}
	}
	if (!sawItems) return 'unknown';
	if (exifId === undefined) return 'none';
	if (iloc === undefined) return 'unknown';
	const item = itemExtent(view, iloc, exifId, meta.end);
	if (item === undefined) return 'unknown';
	const tiffStart = item.start === undefined ? undefined : tiffHeaderAt(head, view, item.start, item.end);
	return tiffStart === undefined ? { end: item.end } : { end: item.end, tiffStart };
}

/**
 * An `Exif` item is a 32-bit offset to the TIFF header (past `Exif\0\0`, usually 6), then the block:
 * where the header is, when it is in `head` and looks like one (`II*\0` or `MM\0*`).
 */
function tiffHeaderAt(head: Uint8Array, view: DataView, start: number, end: number): number | undefined {
	if (start + 4 > head.length) return undefined;
	const at = start + 4 + view.getUint32(start);
	if (at + 8 > Math.min(end, head.length)) return undefined;
	const little = head[at] === 0x49 && head[at + 1] === 0x49 && head[at + 2] === 0x2a && head[at + 3] === 0;
	const big = head[at] === 0x4d && head[at + 1] === 0x4d && head[at + 2] === 0 && head[at + 3] === 0x2a;
	return little || big ? at : undefined;
}

/** The id of the first `infe` (version 2 or 3) whose item type is `Exif`. */
function exifItemId(head: Uint8Array, view: DataView, iinf: Box): number | undefined {
	if (iinf.body + 6 > iinf.end) return undefined;
	const version = head[iinf.body]!;
	const first = iinf.body + 4 + (version === 0 ? 2 : 4);
	for (const infe of boxes(head, view, first, iinf.end, MAX_ITEMS)) {
		if (infe.type !== 'infe' || infe.body + 4 > infe.end) continue;
		const infeVersion = head[infe.body]!;
		if (infeVersion !== 2 && infeVersion !== 3) continue;
		const idSize = infeVersion === 2 ? 2 : 4;
		const typeAt = infe.body + 4 + idSize + 2;
		if (typeAt + 4 > infe.end) continue;
		if (fourCC(head, typeAt) === 'Exif') return idSize === 2 ? view.getUint16(infe.body + 4) : view.getUint32(infe.body + 4);
	}
	return undefined;
}

/**
 * The file offset where item `id`'s last extent ends, per `iloc` (versions 0–2): construction method 0
 * is the file itself, 1 is the `idat` inside `meta` (so within `metaEnd`). Anything else: `undefined`.
 * `start`: where the item begins, when it is a single extent in the file.
 */
function itemExtent(view: DataView, iloc: Box, id: number, metaEnd: number): { start?: number; end: number } | undefined {
	let at = iloc.body;
	const end = iloc.end;
	const need = (bytes: number) => at + bytes <= end;
	const uint = (size: number): number | undefined => {
		if (!need(size)) return undefined;
		let value: number;
		if (size === 0) value = 0;
		else if (size === 4) value = view.getUint32(at);
		else if (size === 8) {
			const big = view.getBigUint64(at);
			if (big > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
			value = Number(big);
		} else return undefined;
		at += size;
		return value;
	};
	if (!need(4 + 2)) return undefined;
	const version = view.getUint8(at);
	if (version > 2) return undefined;
	at += 4;
	const sizes = view.getUint16(at);
	at += 2;
	const offsetSize = sizes >> 12;
	const lengthSize = (sizes >> 8) & 0xf;
	const baseOffsetSize = (sizes >> 4) & 0xf;
	const indexSize = version === 0 ? 0 : sizes & 0xf;
	const itemCount = version < 2 ? (need(2) ? view.getUint16(at) : undefined) : need(4) ? view.getUint32(at) : undefined;
	if (itemCount === undefined) return undefined;
	at += version < 2 ? 2 : 4;
	let extentsLeft = MAX_EXTENTS;
	for (let item = 0; item < Math.min(itemCount, MAX_ITEMS); item++) {
		const itemId = version < 2 ? (need(2) ? view.getUint16(at) : undefined) : need(4) ? view.getUint32(at) : undefined;
		if (itemId === undefined) return undefined;
		at += version < 2 ? 2 : 4;
		let method = 0;
		if (version > 0) {
			if (!need(2)) return undefined;
			method = view.getUint16(at) & 0xf;
			at += 2;
		}
		if (!need(2)) return undefined;
		at += 2; // data_reference_index
		const base = uint(baseOffsetSize);
		if (base === undefined || !need(2)) return undefined;
		const extents = view.getUint16(at);
		at += 2;
		extentsLeft -= extents;
		if (extentsLeft < 0) return undefined;
		let last = 0;
		let first = 0;
		for (let extent = 0; extent < extents; extent++) {
			if (indexSize > 0 && uint(indexSize) === undefined) return undefined;
			const offset = uint(offsetSize);
			const length = uint(lengthSize);
			if (offset === undefined || length === undefined) return undefined;
			if (extent === 0) first = base + offset;
			// A length of 0 runs to the end of the file: no bound from here.
			last = length === 0 ? Number.POSITIVE_INFINITY : Math.max(last, base + offset + length);
		}
		if (itemId !== id) continue;
		if (method === 1) return { end: metaEnd };
		if (method !== 0 || extents === 0 || !Number.isFinite(last)) return undefined;
		return extents === 1 ? { start: first, end: last } : { end: last };
	}
	return undefined;
}
