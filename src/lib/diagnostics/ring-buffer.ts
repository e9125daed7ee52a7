/**
 * The last `capacity` items pushed, oldest first: what a flight recorder keeps. Pushing never
 * allocates beyond the first `capacity` slots, so a flood costs nothing but the overwritten items.
 */
export class RingBuffer<T> {
	readonly capacity: number;
	readonly #items: T[] = [];
	#next = 0;
	/** Items pushed out to make room, over the buffer's life. */
	#dropped = 0;

	constructor(capacity: number) {
		this.capacity = Math.max(1, Math.floor(capacity));
	}

	push(item: T): void {
		if (this.#items.length < this.capacity) {
			this.#items.push(item);
			return;
		}
		this.#items[this.#next] = item;
		this.#next = (this.#next + 1) % this.capacity;
		this.#dropped += 1;
	}

	/** The newest item, if any. */
	get last(): T | undefined {
		if (this.#items.length === 0) return undefined;
		return this.#items[(this.#next + this.#items.length - 1) % this.#items.length];
	}

	get size(): number {
		return this.#items.length;
	}

	get dropped(): number {
		return this.#dropped;
	}

	/** The items, oldest first, in a new array. */
	toArray(): T[] {
		return [...this.#items.slice(this.#next), ...this.#items.slice(0, this.#next)];
	}
}
