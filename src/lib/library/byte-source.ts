import { concatBytes } from '../bytes';
import type { DeviceFiles } from './device-files';

/**
 * Random access to a file's bytes for the metadata readers, under a budget: a hostile file can make
 * a reader ask again and again, so every source counts reads and bytes and refuses past its limits.
 */
export interface ByteSource {
	readonly size: number;
	/** Up to `length` bytes at `offset`; fewer only at the end of the file. */
	read(offset: number, length: number): Promise<Uint8Array>;
}

/** Thrown when a reader wants more than its budget: the file yields no metadata, nothing more. */
export class ReadBudgetExceeded extends Error {
	override readonly name = 'ReadBudgetExceeded';
}

/** The phone failed to give the bytes (an iCloud placeholder, or the connection). Carries the cause. */
export class FileReadFailed extends Error {
	override readonly name = 'FileReadFailed';
	constructor(
		readonly path: string,
		override readonly cause: unknown,
	) {
		super(`Could not read ${path}.`);
	}
}

export interface ReadBudget {
	/** Device reads (each opens the file at an offset). */
	maxReads: number;
	/** Bytes fetched in total. */
	maxBytes: number;
	/** Bytes fetched per read, so that nearby requests are answered from the same window. */
	window: number;
}

/** Windows of 16 KiB: a still's first read, a movie's box headers and `moov` children come in one or two. */
export const DEFAULT_READ_BUDGET: ReadBudget = { maxReads: 16, maxBytes: 2 * 1024 * 1024, window: 16 * 1024 };

/** A file on the phone read through `DeviceFiles.read`, one window at a time, the stream cancelled after each. */
export class DeviceFileSource implements ByteSource {
	readonly size: number;
	readonly #files: DeviceFiles;
	readonly #path: string;
	readonly #budget: ReadBudget;
	#cached: { offset: number; bytes: Uint8Array } | undefined;
	reads = 0;
	bytesFetched = 0;

	constructor(files: DeviceFiles, path: string, size: number, budget: ReadBudget = DEFAULT_READ_BUDGET) {
		this.#files = files;
		this.#path = path;
		this.size = size;
		this.#budget = budget;
	}

	/** `window`: the least to fetch from the phone when the bytes are not at hand (the budget's window by default). */
	async read(offset: number, length: number, window = this.#budget.window): Promise<Uint8Array> {
		const end = Math.min(this.size, offset + Math.max(0, length));
		if (offset < 0 || offset >= end) return new Uint8Array(0);
		const cached = this.#cached;
		if (cached !== undefined && offset >= cached.offset && end <= cached.offset + cached.bytes.length) {
			return cached.bytes.subarray(offset - cached.offset, end - cached.offset);
		}
		const want = Math.min(this.size - offset, Math.max(end - offset, window));
		if (this.reads + 1 > this.#budget.maxReads || this.bytesFetched + want > this.#budget.maxBytes) {
			throw new ReadBudgetExceeded(`Reading ${this.#path} would pass its budget.`);
		}
		this.reads++;
		const bytes = await this.#fetch(offset, want);
		this.bytesFetched += bytes.length;
		this.#cached = { offset, bytes };
		return bytes.subarray(0, Math.min(bytes.length, end - offset));
	}

	/** Reads `want` bytes from `offset` (fewer if the file ends); a refusal is a `FileReadFailed`. */
	async #fetch(offset: number, want: number): Promise<Uint8Array> {
		try {
			return await readFilePiece(this.#files, this.#path, offset, want);
		} catch (error) {
			throw new FileReadFailed(this.#path, error);
		}
	}
}

/** `want` bytes of a file from `offset` (fewer if it ends): in one piece, or from a stream then cancelled. */
export async function readFilePiece(files: DeviceFiles, path: string, offset: number, want: number): Promise<Uint8Array> {
	if (files.readRange !== undefined) return files.readRange(path, offset, want);
	const reader = files.read(path, offset, want).getReader();
	const chunks: Uint8Array[] = [];
	let total = 0;
	let done = false;
	try {
		while (total < want) {
			const next = await reader.read();
			if (next.done) {
				done = true;
				break;
			}
			const take = next.value.subarray(0, want - total);
			if (take.length > 0) {
				chunks.push(take);
				total += take.length;
			}
		}
	} finally {
		if (!done) await reader.cancel().catch(() => undefined);
		reader.releaseLock();
	}
	return chunks.length === 1 ? chunks[0]! : concatBytes(chunks);
}

/** Bytes already in memory, with the same budget rules (for tests and for callers that hold a head). */
export class MemorySource implements ByteSource {
	readonly #bytes: Uint8Array;
	reads = 0;

	constructor(bytes: Uint8Array) {
		this.#bytes = bytes;
	}

	get size(): number {
		return this.#bytes.length;
	}

	async read(offset: number, length: number): Promise<Uint8Array> {
		this.reads++;
		if (offset < 0 || length <= 0) return new Uint8Array(0);
		return this.#bytes.subarray(offset, Math.min(this.#bytes.length, offset + length));
	}
}
