import { writeU32 } from '../bytes';
import { PageCache } from './page-cache';
import { DatabaseProblem, type ReadMeter } from './problems';
import type { WalSnapshot } from './wal';

/** Most bytes asked of the phone in one read: the AFC client reads a range in one request. */
const MAX_RANGE_BYTES = 1024 * 1024;

export interface ImageSource {
	readMain(offset: number, length: number): Promise<Uint8Array>;
	readWal(offset: number, length: number): Promise<Uint8Array>;
}

/**
 * The database as of one moment, page by page: the main file's pages, overlaid with the WAL's
 * committed pages, sized as the last commit says. SQLite reads it synchronously (`read`) from the
 * page cache only; a page not in the cache makes the read fail and is noted in `missing`, and the
 * query runner fetches the missing pages (`fetchMissing`, asynchronously, over AFC range reads) and
 * runs the query again. Only the pages a query touches are ever read from the phone.
 *
 * Page 1 is shown as a rollback-journal database (file format bytes 18 and 19 set to 1, in-header size
 * made valid) so that SQLite looks for no WAL or shared memory of its own (fileformat2.html, "The
 * Database Header").
 */
export class DatabaseImage {
	readonly pageSize: number;
	readonly pageCount: number;
	/** Pages a failed read asked for since the last fetch. */
	readonly missing = new Set<number>();
	readonly #mainPages: number;
	readonly #wal: WalSnapshot | undefined;
	readonly #cache: PageCache;
	readonly #source: ImageSource;
	readonly #meter: ReadMeter;
	#readAhead = 1;
	#lastFetched = -1;

	constructor(options: {
		pageSize: number;
		mainBytes: number;
		wal: WalSnapshot | undefined;
		maxCacheBytes: number;
		source: ImageSource;
		meter: ReadMeter;
	}) {
		this.pageSize = options.pageSize;
		this.#mainPages = Math.floor(options.mainBytes / options.pageSize);
		this.#wal = options.wal;
		this.pageCount = options.wal?.databasePages ?? this.#mainPages;
		this.#cache = new PageCache(options.maxCacheBytes, options.pageSize);
		this.#source = options.source;
		this.#meter = options.meter;
	}

	get sizeBytes(): number {
		return this.pageCount * this.pageSize;
	}

	/** Pages a fetch may bring at once without evicting what it brought. */
	get batchPages(): number {
		return Math.floor(this.#cache.capacity / 2);
	}

	/** A page's content from the WAL, while the WAL is read: it saves reading the page again later. */
	offerPage(page: number, content: Uint8Array): void {
		if (page >= 1 && page <= this.pageCount) this.#store(page, content.slice());
	}

	/**
	 * Copies `dest.length` bytes from `offset` into `dest`. False when a page is not in memory (it is
	 * added to `missing`), or when the range lies past the end (SQLite never asks for that).
	 */
	read(offset: number, dest: Uint8Array): boolean {
		if (offset < 0 || offset + dest.length > this.sizeBytes) return false;
		let complete = true;
		let done = 0;
		while (done < dest.length) {
			const at = offset + done;
			const page = Math.floor(at / this.pageSize) + 1;
			const within = at % this.pageSize;
			const take = Math.min(this.pageSize - within, dest.length - done);
			const content = this.#cache.get(page);
			if (content === undefined) {
				this.missing.add(page);
				complete = false;
			} else if (complete) {
				dest.set(content.subarray(within, within + take), done);
			}
			done += take;
		}
		return complete;
	}

	/** Whether a page is in memory now. */
	has(page: number): boolean {
		return this.#cache.has(page);
	}

	/**
	 * Reads the missing pages from the phone, and a few after each: a run of misses on consecutive
	 * pages (a table laid out in order, an overflow chain) doubles how far ahead the next fetch reads.
	 */
	async fetchMissing(): Promise<void> {
		const wanted = [...this.missing].sort((a, b) => a - b);
		this.missing.clear();
		if (wanted.length === 0) return;
		const first = wanted[0]!;
		this.#readAhead = first > this.#lastFetched && first <= this.#lastFetched + this.#readAhead + 1 ? Math.min(this.#readAhead * 2, 64) : 1;
		const pages = new Set<number>();
		for (const page of wanted) {
			for (let next = page; next < page + this.#readAhead && next <= this.pageCount; next++) {
				if (!this.#cache.has(next)) pages.add(next);
			}
		}
		await this.fetch([...pages]);
		this.#lastFetched = wanted[wanted.length - 1]! + this.#readAhead - 1;
	}

	/**
	 * Brings `pages` into memory, in as few reads as their order allows: runs of consecutive pages of
	 * the main file in one range read each, pages from the WAL one by one. At most `batchPages` at once.
	 */
	async fetch(pages: readonly number[]): Promise<void> {
		const sorted = [...new Set(pages)].filter((page) => page >= 1 && page <= this.pageCount && !this.#cache.has(page)).sort((a, b) => a - b);
		if (sorted.length > this.batchPages) {
			throw new DatabaseProblem('too-large', 'A query of the Photos database needs more pages at once than the page cache holds.');
		}
		const reads: Promise<void>[] = [];
		let run: number[] = [];
		const flushRun = () => {
			if (run.length > 0) reads.push(this.#readMainRun(run));
			run = [];
		};
		for (const page of sorted) {
			const walOffset = this.#wal?.pages.get(page);
			if (walOffset !== undefined) {
				reads.push(this.#readWalPage(page, walOffset));
			} else if (page > this.#mainPages) {
				// Past the main file and not in the WAL: SQLite reads such a page as zeros.
				this.#store(page, new Uint8Array(this.pageSize));
			} else {
				const last = run[run.length - 1];
				if (last !== undefined && (page !== last + 1 || (run.length + 1) * this.pageSize > MAX_RANGE_BYTES)) flushRun();
				run.push(page);
			}
		}
		flushRun();
		await Promise.all(reads);
	}

	async #readMainRun(run: readonly number[]): Promise<void> {
		const first = run[0]!;
		const length = run.length * this.pageSize;
		this.#meter.charge(length);
		const bytes = await this.#source.readMain((first - 1) * this.pageSize, length);
		for (let index = 0; index < run.length; index++) {
			const content = new Uint8Array(this.pageSize);
			content.set(bytes.subarray(index * this.pageSize, (index + 1) * this.pageSize));
			this.#store(first + index, content);
		}
	}

	async #readWalPage(page: number, offset: number): Promise<void> {
		this.#meter.charge(this.pageSize);
		const bytes = await this.#source.readWal(offset, this.pageSize);
		const content = new Uint8Array(this.pageSize);
		content.set(bytes.subarray(0, this.pageSize));
		this.#store(page, content);
	}

	#store(page: number, content: Uint8Array): void {
		if (page === 1 && content.length >= 100) {
			content[18] = 1;
			content[19] = 1;
			writeU32(content, 28, this.pageCount);
			content.copyWithin(92, 24, 28);
		}
		this.#cache.set(page, content);
	}
}
