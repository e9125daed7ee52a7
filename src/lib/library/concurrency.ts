/**
 * Lets at most `limit` calls run at once; the rest wait their turn in order. After the first failure
 * (or an abort) no waiting call starts: each rejects with that failure, so a lost connection stops a
 * scan promptly instead of queueing thousands of doomed requests.
 */
export class Limiter {
	readonly #limit: number;
	readonly #signal: AbortSignal | undefined;
	// A queue as an array and a head index: shift() would copy thousands of waiters on every call.
	#waiting: (() => void)[] = [];
	#head = 0;
	#running = 0;
	#failure: { error: unknown } | undefined;

	constructor(limit: number, signal?: AbortSignal) {
		this.#limit = Math.max(1, Math.floor(limit));
		this.#signal = signal;
	}

	async run<T>(task: () => Promise<T>): Promise<T> {
		if (this.#running >= this.#limit) await new Promise<void>((resolve) => this.#waiting.push(resolve));
		else this.#running++;
		try {
			if (this.#failure !== undefined) throw this.#failure.error;
			if (this.#signal?.aborted) throw this.#signal.reason;
			return await task();
		} finally {
			const next = this.#waiting[this.#head];
			if (next !== undefined) {
				this.#waiting[this.#head++] = undefined as never;
				if (this.#head === this.#waiting.length) {
					this.#waiting = [];
					this.#head = 0;
				}
				next();
			} else {
				this.#running--;
			}
		}
	}

	/** Makes every call that has not started yet reject with `error`. */
	fail(error: unknown): void {
		this.#failure ??= { error };
	}
}
