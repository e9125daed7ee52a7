/**
 * Reads a binary structure that came from the phone (or a peer), big-endian. Every read is
 * bounds-checked: running short, or leaving bytes over at `end()`, throws what `malformed()` makes,
 * so each protocol names the message that was wrong in its own terms.
 */
export class ByteReader {
	readonly #bytes: Uint8Array;
	readonly #malformed: () => Error;
	#offset = 0;

	constructor(bytes: Uint8Array, malformed: () => Error) {
		this.#bytes = bytes;
		this.#malformed = malformed;
	}

	get remaining(): number {
		return this.#bytes.length - this.#offset;
	}

	u8(): number {
		return this.bytes(1)[0]!;
	}

	u16(): number {
		const b = this.bytes(2);
		return (b[0]! << 8) | b[1]!;
	}

	u24(): number {
		const b = this.bytes(3);
		return (b[0]! << 16) | (b[1]! << 8) | b[2]!;
	}

	/** A view of the next `length` bytes. */
	bytes(length: number): Uint8Array {
		if (length > this.remaining) throw this.#malformed();
		const out = this.#bytes.subarray(this.#offset, this.#offset + length);
		this.#offset += length;
		return out;
	}

	/** A vector with a length prefix of `prefixBytes` bytes, at least `min` long. */
	vector(prefixBytes: 1 | 2 | 3, min = 0): Uint8Array {
		const length = prefixBytes === 1 ? this.u8() : prefixBytes === 2 ? this.u16() : this.u24();
		if (length < min) throw this.#malformed();
		return this.bytes(length);
	}

	/** A list of 16-bit values in a vector with a `prefixBytes` length (odd lengths are malformed). */
	u16List(prefixBytes: 1 | 2, min = 0): number[] {
		const body = this.vector(prefixBytes, min);
		if (body.length % 2 !== 0) throw this.#malformed();
		const out: number[] = [];
		for (let i = 0; i < body.length; i += 2) out.push((body[i]! << 8) | body[i + 1]!);
		return out;
	}

	end(): void {
		if (this.remaining !== 0) throw this.#malformed();
	}
}
