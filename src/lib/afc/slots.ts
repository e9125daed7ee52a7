/**
 * A fixed number of places, handed out first come, first served. afcd has a limited number of file
 * slots ("No file slots", libimobiledevice#284), so the client never holds more open files than this.
 */
export class Slots {
	#free: number;
	readonly #waiting: (() => void)[] = [];

	constructor(count: number) {
		this.#free = count;
	}

	acquire(): Promise<void> {
		if (this.#free > 0 && this.#waiting.length === 0) {
			this.#free--;
			return Promise.resolve();
		}
		return new Promise((resolve) => this.#waiting.push(resolve));
	}

	release(): void {
		const next = this.#waiting.shift();
		if (next === undefined) this.#free++;
		else next();
	}
}
