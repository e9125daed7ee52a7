/**
 * Cuts a byte stream into messages the way a protocol analyser does: it copies only the first bytes
 * of each message (its header, as many as the reader asks for) and lets the rest go by counted,
 * unread, or hands it on as views (the payload of a usbmux packet to the connection it belongs to).
 * No payload is ever copied. A reader that does not recognise what it sees loses the stream; the
 * cutter then waits for a boundary (`feed(…, true)`: the start of a transfer, of a TCP payload) to try
 * again.
 */

/** What a reader decides on the first bytes of a message. */
export type Verdict =
	/** Show me `more` bytes of this message first (the header is longer than it first looked). */
	| { more: number }
	/** The header is read: the next `pass` bytes are the rest of the message, given to `to` if set. */
	| { pass: number; to?: (bytes: Uint8Array, boundary: boolean) => void }
	/** This is not a message I know: stop until the next boundary. */
	| 'lost';

export interface FrameReader {
	/** Bytes to look at first at the start of each message (at least 1). */
	readonly start: number;
	/** The first bytes of a message: a view, valid only during the call. */
	head(bytes: Uint8Array): Verdict;
}

/** Bytes a cutter may copy into headers, shared by every cutter a transfer reaches. */
export interface ExamineBudget {
	left: number;
}

/** Up to this many bytes, a header is copied a byte at a time: cheaper than a view to copy from. */
const SMALL_COPY = 64;

export class FrameCutter {
	readonly #reader: FrameReader;
	readonly #maxHead: number;
	#head: Uint8Array;
	#fill = 0;
	#want: number;
	#pass = 0;
	#to: ((bytes: Uint8Array, boundary: boolean) => void) | undefined;
	/** The next piece handed on is the first of the message's rest: for usbmux, where a TCP payload begins. */
	#passStarts = false;
	#lost = false;

	constructor(reader: FrameReader, maxHead: number) {
		this.#reader = reader;
		this.#maxHead = maxHead;
		this.#want = reader.start;
		this.#head = new Uint8Array(Math.min(maxHead, 64));
	}

	get lost(): boolean {
		return this.#lost;
	}

	/** Stops reading until the next boundary (the bytes were not seen whole). */
	lose(): void {
		this.#lost = true;
	}

	/**
	 * The next piece of the stream. `boundary`: a message may begin where this piece begins (a new
	 * transfer for usbmux, a new TCP payload for a connection), where a lost stream is taken up again.
	 */
	feed(bytes: Uint8Array, boundary: boolean, budget: ExamineBudget): void {
		if (this.#lost) {
			if (!boundary) return;
			this.#lost = false;
			this.#restart();
		}
		const end = bytes.byteLength;
		let offset = 0;
		while (offset < end) {
			if (this.#pass > 0) {
				const n = Math.min(this.#pass, end - offset);
				this.#to?.(bytes.subarray(offset, offset + n), this.#passStarts);
				this.#passStarts = false;
				this.#pass -= n;
				offset += n;
				if (this.#pass === 0) this.#restart();
				continue;
			}
			const n = Math.min(this.#want - this.#fill, end - offset);
			if (n > budget.left) {
				this.#lost = true;
				return;
			}
			budget.left -= n;
			const head = this.#head;
			if (n <= SMALL_COPY) for (let i = 0; i < n; i++) head[this.#fill + i] = bytes[offset + i]!;
			else head.set(bytes.subarray(offset, offset + n), this.#fill);
			this.#fill += n;
			offset += n;
			if (this.#fill < this.#want) return;
			const verdict = this.#reader.head(this.#head.subarray(0, this.#fill));
			if (verdict === 'lost') {
				this.#lost = true;
				return;
			}
			if ('more' in verdict) {
				const want = this.#fill + verdict.more;
				if (verdict.more <= 0 || want > this.#maxHead) {
					this.#lost = true;
					return;
				}
				this.#grow(want);
				this.#want = want;
				continue;
			}
			this.#pass = verdict.pass;
			this.#to = verdict.to;
			this.#passStarts = true;
			if (this.#pass === 0) this.#restart();
		}
	}

	#restart(): void {
		this.#fill = 0;
		this.#pass = 0;
		this.#to = undefined;
		this.#want = this.#reader.start;
	}

	#grow(size: number): void {
		if (size <= this.#head.byteLength) return;
		const grown = new Uint8Array(Math.min(this.#maxHead, Math.max(size, this.#head.byteLength * 2)));
		grown.set(this.#head.subarray(0, this.#fill));
		this.#head = grown;
	}
}
