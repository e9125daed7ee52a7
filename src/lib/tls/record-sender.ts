/** How much plaintext may be encrypting or waiting for the channel before a write waits. */
const MAX_IN_FLIGHT_BYTES = 512 * 1024;

/**
 * Writes records to the channel in the order they were queued, while their encryption runs ahead:
 * each `send` may get a promise still being sealed by WebCrypto, so several records are encrypted at
 * once but leave in sequence order. The first failure stops the queue and is reported once.
 */
export class RecordSender {
	readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
	readonly #onError: (error: unknown) => void;
	#tail: Promise<void> = Promise.resolve();
	#lastWrite: Promise<void> = Promise.resolve();
	/** Steps not yet done, oldest first (they finish in order, being chained). */
	#steps: Promise<void>[] = [];
	#inFlight = 0;
	#failure: { error: unknown } | undefined;

	constructor(writer: WritableStreamDefaultWriter<Uint8Array>, onError: (error: unknown) => void) {
		this.#writer = writer;
		this.#onError = onError;
	}

	/** True when every queued record has been handed to the channel. */
	get idle(): boolean {
		return this.#steps.length === 0;
	}

	/** Queues one whole record; `size` (its plaintext) counts toward the in-flight limit. */
	send(record: Uint8Array | Promise<Uint8Array>, size = 0): void {
		const ready = Promise.resolve(record);
		ready.catch(() => undefined);
		this.#inFlight += size;
		const step = this.#tail.then(async () => {
			const bytes = await ready;
			await this.#writer.ready;
			const write = this.#writer.write(bytes);
			write.catch((error: unknown) => {
				this.#failure ??= { error };
				this.#onError(error);
			});
			this.#lastWrite = write;
		});
		this.#tail = step;
		this.#steps.push(step);
		const done = () => {
			this.#inFlight -= size;
			this.#steps.shift();
		};
		step.then(done, (error: unknown) => {
			done();
			this.#failure ??= { error };
			this.#onError(error);
		});
	}

	/** Waits until the queue is short enough to take more; rejects if sending failed. */
	async whenReady(): Promise<void> {
		while (this.#inFlight > MAX_IN_FLIGHT_BYTES && this.#steps.length > 0) await this.#steps[0];
		if (this.#failure !== undefined) throw this.#failure.error;
	}

	/** Waits until every queued record has been handed to the channel. */
	flush(): Promise<void> {
		return this.#tail;
	}

	/** Waits until every queued record has been written by the channel. */
	async settle(): Promise<void> {
		await this.#tail;
		await this.#lastWrite;
	}
}
