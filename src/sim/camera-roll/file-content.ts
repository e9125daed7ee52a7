import { fillerBytes } from './filler';
import type { MediaParts } from './synthetic-media';

/** The bytes of one virtual file. */
export interface FileContent {
	readonly size: number;
	/** Bytes `[offset, offset + length)`, cut at the end of the file; a fresh buffer the caller owns. */
	read(offset: number, length: number): Uint8Array;
}

function clip(size: number, offset: number, length: number): number {
	return Math.max(0, Math.min(length, size - offset));
}

/** Bytes held in memory: the real fixture files and small sidecars. */
export class StoredContent implements FileContent {
	readonly #bytes: Uint8Array;

	constructor(bytes: Uint8Array) {
		this.#bytes = bytes;
	}

	get size(): number {
		return this.#bytes.length;
	}

	read(offset: number, length: number): Uint8Array {
		return this.#bytes.slice(offset, offset + clip(this.size, offset, length));
	}
}

/** A file the camera roll builds on first use (Photos.sqlite): its size meanwhile, and no bytes to read yet. */
export class UnbuiltContent implements FileContent {
	constructor(readonly size: number) {}

	read(): Uint8Array {
		throw new Error('This file is built on first use: prepare() it first.');
	}
}

/** No synthetic header or trailer is longer than this; reads further inside skip building them. */
const PARTS_BOUND = 64 * 1024;

/**
 * Parts built lately, by file: a scan reads each file's head and tail a few times in a row, and
 * rebuilding the boxes and IFDs for every read was most of the simulator's cost in a scan. A few
 * hundred entries of a few hundred bytes each.
 */
const recentParts = new Map<SyntheticContent, MediaParts>();
const RECENT_PARTS = 256;

/**
 * A synthetic file: `prefix`, filler, `suffix`. The parts are built when a read touches the first or
 * last 64 KiB (cheap: a few hundred bytes) and kept for the next few reads only, so a library of any
 * size holds nothing per file.
 */
export class SyntheticContent implements FileContent {
	readonly size: number;
	readonly #key: number;
	readonly #parts: () => MediaParts;

	constructor(size: number, key: number, parts: () => MediaParts) {
		this.size = size;
		this.#key = key;
		this.#parts = parts;
	}

	read(offset: number, length: number): Uint8Array {
		const count = clip(this.size, offset, length);
		const out = fillerBytes(this.#key, offset, count);
		if (count > 0 && (offset < PARTS_BOUND || offset + count > this.size - PARTS_BOUND)) {
			const { prefix, suffix } = this.#recentParts();
			if (prefix.length > PARTS_BOUND || suffix.length > PARTS_BOUND || prefix.length + suffix.length > this.size) {
				throw new Error(`Synthetic media parts do not fit a ${this.size}-byte file.`);
			}
			overlay(out, offset, prefix, 0);
			overlay(out, offset, suffix, this.size - suffix.length);
		}
		return out;
	}

	#recentParts(): MediaParts {
		let parts = recentParts.get(this);
		if (parts === undefined) {
			parts = this.#parts();
			if (recentParts.size >= RECENT_PARTS) recentParts.delete(recentParts.keys().next().value!);
			recentParts.set(this, parts);
		}
		return parts;
	}
}

/** Copies the part of `source` (which sits at file offset `sourceAt`) that falls inside `out` (at `outAt`). */
function overlay(out: Uint8Array, outAt: number, source: Uint8Array, sourceAt: number): void {
	const from = Math.max(outAt, sourceAt);
	const to = Math.min(outAt + out.length, sourceAt + source.length);
	if (from < to) out.set(source.subarray(from - sourceAt, to - sourceAt), from - outAt);
}

/**
 * A file whose size changed after it was made (the fault hook "size changes while being read"): the
 * old bytes up to the new size, then filler if it grew.
 */
export class ResizedContent implements FileContent {
	readonly size: number;
	readonly #inner: FileContent;
	readonly #key: number;

	constructor(inner: FileContent, size: number, key: number) {
		this.size = size;
		this.#inner = inner;
		this.#key = key;
	}

	read(offset: number, length: number): Uint8Array {
		const count = clip(this.size, offset, length);
		const innerCount = clip(Math.min(this.#inner.size, this.size), offset, count);
		if (innerCount === count) return this.#inner.read(offset, count);
		const out = new Uint8Array(count);
		if (innerCount > 0) out.set(this.#inner.read(offset, innerCount));
		const tailAt = offset + innerCount;
		out.set(fillerBytes(this.#key, tailAt, count - innerCount), innerCount);
		return out;
	}
}
