/**
 * The receiving half of a pseudo-TCP connection as a `ReadableStream` that knows when its consumer has
 * actually taken each chunk. Acknowledgments follow consumption, not arrival, so a slow reader slows the
 * sender down instead of piling data up here (protocol.md §2.5, "ACK policy").
 *
 * The stream has no queue of its own (high-water mark 0): a chunk is handed over only when a read is
 * waiting for it, and is counted as consumed at that moment. Everything else waits in `#chunks`.
 */
export interface InboundQueueEvents {
	/** The consumer took `bytes` more bytes. */
	consumed(bytes: number): void;
	/** The consumer cancelled the stream. */
	cancelled(reason: unknown): void;
}

export class InboundQueue {
	readonly readable: ReadableStream<Uint8Array>;
	readonly #events: InboundQueueEvents;
	#controller!: ReadableStreamDefaultController<Uint8Array>;
	#chunks: Uint8Array[] = [];
	#buffered = 0;
	#wakePull: (() => void) | undefined;
	/** Set once no more data will come: `error` undefined for a clean end. */
	#ending: { error: unknown } | undefined;
	#finished = false;

	constructor(events: InboundQueueEvents) {
		this.#events = events;
		this.readable = new ReadableStream<Uint8Array>(
			{
				start: (controller) => {
					this.#controller = controller;
				},
				pull: () => this.#pull(),
				cancel: (reason) => {
					this.#finished = true;
					this.#chunks = [];
					this.#buffered = 0;
					this.#events.cancelled(reason);
				},
			},
			{ highWaterMark: 0 },
		);
	}

	/** Bytes that arrived and that the consumer has not taken yet. */
	get buffered(): number {
		return this.#buffered;
	}

	push(chunk: Uint8Array): void {
		if (this.#ending !== undefined || this.#finished) return;
		const wake = this.#wakePull;
		if (wake !== undefined) {
			this.#wakePull = undefined;
			this.#controller.enqueue(chunk);
			this.#events.consumed(chunk.byteLength);
			wake();
			return;
		}
		this.#chunks.push(chunk);
		this.#buffered += chunk.byteLength;
	}

	/**
	 * No more data will arrive. The consumer still gets what is queued, then the end of the stream, or
	 * `error` if one is given.
	 */
	end(error?: unknown): void {
		if (this.#ending !== undefined || this.#finished) return;
		this.#ending = { error };
		const wake = this.#wakePull;
		if (wake !== undefined) {
			this.#wakePull = undefined;
			this.#finish();
			wake();
		}
	}

	#pull(): Promise<void> | undefined {
		const chunk = this.#chunks.shift();
		if (chunk !== undefined) {
			this.#buffered -= chunk.byteLength;
			this.#controller.enqueue(chunk);
			this.#events.consumed(chunk.byteLength);
			return undefined;
		}
		if (this.#ending !== undefined) {
			this.#finish();
			return undefined;
		}
		return new Promise((resolve) => {
			this.#wakePull = resolve;
		});
	}

	#finish(): void {
		if (this.#finished) return;
		this.#finished = true;
		const error = this.#ending?.error;
		if (error === undefined) this.#controller.close();
		else this.#controller.error(error);
	}
}
