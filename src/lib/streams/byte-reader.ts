import { DeviceError } from '../errors';

/**
 * Reads a byte stream by exact lengths, across whatever chunk boundaries the stream has. Framed
 * protocols (lockdown's length-prefixed plists, AFC's headers) sit on top of this.
 */
export class ByteReader {
	readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
	#chunks: Uint8Array[] = [];
	#buffered = 0;
	#ended = false;

	constructor(readable: ReadableStream<Uint8Array>) {
		this.#reader = readable.getReader();
	}

	/** Bytes received and not yet consumed. */
	get buffered(): number {
		return this.#buffered;
	}

	/**
	 * Exactly `length` bytes, or a `DeviceError` ('connection-closed') when the stream ends first.
	 * Callers check `length` against their own limits before asking: this allocates it.
	 */
	async readExactly(length: number): Promise<Uint8Array> {
		while (this.#buffered < length) {
			if (!(await this.#pull())) {
				throw new DeviceError(
					'connection-closed',
					`The connection ended in the middle of a message (${this.#buffered} of ${length} bytes arrived).`,
				);
			}
		}
		return this.#take(length);
	}

	/**
	 * Whatever is available, at most `max` bytes, waiting for at least one; `undefined` at the end of the
	 * stream. Lets bulk data pass through without being copied into one large buffer.
	 */
	async readSome(max: number): Promise<Uint8Array | undefined> {
		if (await this.atEnd()) return undefined;
		return this.#take(Math.min(max, this.#buffered));
	}

	/** Waits until a byte is available or the stream ends; true at the end. Consumes nothing. */
	async atEnd(): Promise<boolean> {
		while (this.#buffered === 0) if (!(await this.#pull())) return true;
		return false;
	}

	/** Stops reading; the stream underneath is cancelled. */
	async cancel(reason?: unknown): Promise<void> {
		this.#chunks = [];
		this.#buffered = 0;
		await this.#reader.cancel(reason).catch(() => undefined);
	}

	async #pull(): Promise<boolean> {
		if (this.#ended) return false;
		const { value, done } = await this.#reader.read();
		if (done) {
			this.#ended = true;
			return false;
		}
		if (value.byteLength > 0) {
			this.#chunks.push(value);
			this.#buffered += value.byteLength;
		}
		return true;
	}

	#take(length: number): Uint8Array {
		const first = this.#chunks[0];
		if (first !== undefined && first.byteLength >= length) {
			// The common case: no copy.
			if (first.byteLength === length) this.#chunks.shift();
			else this.#chunks[0] = first.subarray(length);
			this.#buffered -= length;
			return first.subarray(0, length);
		}
		const out = new Uint8Array(length);
		let filled = 0;
		while (filled < length) {
			const chunk = this.#chunks[0]!;
			const n = Math.min(chunk.byteLength, length - filled);
			out.set(chunk.subarray(0, n), filled);
			filled += n;
			if (n === chunk.byteLength) this.#chunks.shift();
			else this.#chunks[0] = chunk.subarray(n);
		}
		this.#buffered -= length;
		return out;
	}
}
