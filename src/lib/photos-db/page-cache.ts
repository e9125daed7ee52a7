/**
 * Pages of the database held in memory, at most `maxBytes` of them: the least recently used page goes
 * first. A scan of a large table passes through it chunk by chunk, so memory stays bounded whatever
 * the database's size; the pages a query is running over are the most recent, never the ones evicted.
 */
export class PageCache {
	readonly #pages = new Map<number, Uint8Array>();
	readonly #maxPages: number;

	constructor(maxBytes: number, pageSize: number) {
		this.#maxPages = Math.max(16, Math.floor(maxBytes / pageSize));
	}

	get capacity(): number {
		return this.#maxPages;
	}

	get(page: number): Uint8Array | undefined {
		const content = this.#pages.get(page);
		if (content === undefined) return undefined;
		this.#pages.delete(page);
		this.#pages.set(page, content);
		return content;
	}

	has(page: number): boolean {
		return this.#pages.has(page);
	}

	set(page: number, content: Uint8Array): void {
		this.#pages.delete(page);
		this.#pages.set(page, content);
		while (this.#pages.size > this.#maxPages) {
			const oldest = this.#pages.keys().next().value as number;
			this.#pages.delete(oldest);
		}
	}
}
