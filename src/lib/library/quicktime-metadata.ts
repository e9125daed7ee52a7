import { type ByteSource, ReadBudgetExceeded } from './byte-source';
import { type ParsedDate, parseIsoDate } from './capture-date';

/**
 * Reads a MOV/MP4's capture date and Live Photo id by walking its boxes: top-level boxes hop over
 * `mdat` (iPhones put `moov` at the end), then inside `moov` only `mvhd` and `meta` are read. Every
 * size the file announces is checked against the file and against small limits before anything is
 * read; a malformed file yields no metadata, never an exception or a large allocation.
 */
export interface QuickTimeMetadata {
	/** com.apple.quicktime.creationdate (local time with offset). */
	creationDate?: ParsedDate;
	/** The mvhd creation time, UTC. */
	headerDate?: ParsedDate;
	/** com.apple.quicktime.content.identifier: the Live Photo id. */
	contentIdentifier?: string;
}

const MAX_TOP_LEVEL_BOXES = 64;
const MAX_CHILD_BOXES = 512;
const MAX_META_BYTES = 256 * 1024;
const MAX_KEYS = 1024;
const MAX_VALUE_BYTES = 4096;
const MAC_EPOCH_OFFSET_S = 2_082_844_800;
const MIN_PLAUSIBLE_MS = Date.UTC(1990, 0, 1);
const MAX_PLAUSIBLE_MS = Date.UTC(2200, 0, 1);

const KEY_CREATION_DATE = 'com.apple.quicktime.creationdate';
const KEY_CONTENT_ID = 'com.apple.quicktime.content.identifier';

interface BoxHeader {
	type: string;
	start: number;
	/** Where the box's content begins. */
	body: number;
	end: number;
}

function fourCC(bytes: Uint8Array, at: number): string {
	return String.fromCharCode(bytes[at]!, bytes[at + 1]!, bytes[at + 2]!, bytes[at + 3]!);
}

/** Parses a box header from `bytes` (which start at file offset `start`); `undefined` if it is broken. */
function parseHeader(bytes: Uint8Array, start: number, limit: number): BoxHeader | undefined {
	if (bytes.length < 8) return undefined;
	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	const size32 = view.getUint32(0);
	const type = fourCC(bytes, 4);
	let size: number;
	let headerLength = 8;
	if (size32 === 1) {
		if (bytes.length < 16) return undefined;
		const big = view.getBigUint64(8);
		if (big > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
		size = Number(big);
		headerLength = 16;
	} else if (size32 === 0) {
		size = limit - start; // "to the end of the enclosing space"
	} else {
		size = size32;
	}
	if (size < headerLength || start + size > limit) return undefined;
	return { type, start, body: start + headerLength, end: start + size };
}

/** Walks sibling boxes in `[from, to)`, calling `visit` until it returns `true` or the boxes end. */
async function walkBoxes(
	source: ByteSource,
	from: number,
	to: number,
	maxBoxes: number,
	visit: (box: BoxHeader) => Promise<boolean>,
): Promise<void> {
	let at = from;
	for (let count = 0; count < maxBoxes && at + 8 <= to; count++) {
		const header = parseHeader(await source.read(at, 16), at, to);
		if (header === undefined) return;
		if (await visit(header)) return;
		at = header.end;
	}
}

/** What the movie says; whatever was found before a read budget ran out is kept. */
export async function readQuickTimeMetadata(source: ByteSource): Promise<QuickTimeMetadata> {
	const found: QuickTimeMetadata = {};
	try {
		await walkMovie(source, found);
	} catch (error) {
		if (!(error instanceof ReadBudgetExceeded)) throw error;
	}
	return found;
}

async function walkMovie(source: ByteSource, found: QuickTimeMetadata): Promise<void> {
	await walkBoxes(source, 0, source.size, MAX_TOP_LEVEL_BOXES, async (box) => {
		if (box.type !== 'moov') return false;
		await walkBoxes(source, box.body, box.end, MAX_CHILD_BOXES, async (child) => {
			if (child.type === 'mvhd') {
				const date = parseMovieHeader(await source.read(child.body, Math.min(child.end - child.body, 32)));
				if (date !== undefined) found.headerDate = date;
			} else if (child.type === 'meta' && child.end - child.start <= MAX_META_BYTES) {
				const meta = await source.read(child.start, child.end - child.start);
				parseMetadata(meta, found);
			}
			return false;
		});
		return true;
	});
}

/** mvhd: version, flags, then the creation time (32 or 64 bits, seconds since 1904, UTC). */
function parseMovieHeader(body: Uint8Array): ParsedDate | undefined {
	if (body.length < 8) return undefined;
	const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
	const version = body[0];
	let seconds: number;
	if (version === 1) {
		if (body.length < 12) return undefined;
		seconds = Number(view.getBigUint64(4));
	} else {
		seconds = view.getUint32(4);
	}
	const epochMs = (seconds - MAC_EPOCH_OFFSET_S) * 1000;
	if (!(epochMs >= MIN_PLAUSIBLE_MS && epochMs < MAX_PLAUSIBLE_MS)) return undefined; // 0 = unset
	return { epochMs, offsetMinutes: undefined, floating: false };
}

/** Children of a box held in memory: `[type, bodyStart, end]` relative to `bytes`. */
function* children(bytes: Uint8Array, from: number, to: number): Generator<[string, number, number]> {
	let at = from;
	for (let count = 0; count < MAX_CHILD_BOXES && at + 8 <= to; count++) {
		const header = parseHeader(bytes.subarray(at, Math.min(to, at + 16)), at, to);
		if (header === undefined) return;
		yield [header.type, header.body, header.end];
		at = header.end;
	}
}

/**
 * A `meta` box held in memory: QuickTime's (a plain box) or ISO's (a full box, four more bytes), with
 * `keys` (the names) and `ilst` (items whose type is the 1-based key index, each holding `data`).
 */
function parseMetadata(meta: Uint8Array, found: QuickTimeMetadata): void {
	if (meta.length < 12) return;
	const view = new DataView(meta.buffer, meta.byteOffset, meta.byteLength);
	const first = meta.length >= 16 && view.getUint32(8) === 0 ? 12 : 8;
	const keys: string[] = [];
	let list: [number, number] | undefined;
	for (const [type, body, end] of children(meta, first, meta.length)) {
		if (type === 'keys' && end - body >= 8) {
			const count = Math.min(view.getUint32(body + 4), MAX_KEYS);
			let at = body + 8;
			for (let i = 0; i < count && at + 8 <= end; i++) {
				const size = view.getUint32(at);
				if (size < 8 || at + size > end) break;
				keys.push(new TextDecoder().decode(meta.subarray(at + 8, at + Math.min(size, 8 + MAX_VALUE_BYTES))));
				at += size;
			}
		} else if (type === 'ilst') {
			list = [body, end];
		}
	}
	if (list === undefined) return;
	let at = list[0];
	for (let count = 0; count < MAX_KEYS && at + 8 <= list[1]; count++) {
		const size = view.getUint32(at);
		if (size < 8 || at + size > list[1]) return;
		const key = keys[view.getUint32(at + 4) - 1];
		if (key === KEY_CREATION_DATE || key === KEY_CONTENT_ID) {
			const text = firstTextValue(meta, view, at + 8, at + size);
			if (text !== undefined && key === KEY_CREATION_DATE) {
				const date = parseIsoDate(text);
				if (date !== undefined) found.creationDate = date;
			} else if (text !== undefined && text.length > 0) {
				found.contentIdentifier = text;
			}
		}
		at += size;
	}
}

/** The first `data` box of an item, if it holds UTF-8 text (well-known type 1). */
function firstTextValue(meta: Uint8Array, view: DataView, from: number, to: number): string | undefined {
	for (const [type, body, end] of children(meta, from, to)) {
		if (type !== 'data') continue;
		if (end - body < 8 || (view.getUint32(body) & 0xffffff) !== 1) return undefined;
		const value = meta.subarray(body + 8, Math.min(end, body + 8 + MAX_VALUE_BYTES));
		return new TextDecoder('utf-8', { fatal: false }).decode(value).replace(/\0+$/, '').trim();
	}
	return undefined;
}
