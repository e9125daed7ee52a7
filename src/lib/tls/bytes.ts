import { malformed } from './tls-error';

import { concatBytes } from '../bytes';

export { concatBytes, equalBytes, toHex } from '../bytes';

/**
 * WebCrypto's types want views on a plain ArrayBuffer. Our bytes always are (they come from channels
 * and from our own allocations), so this only narrows the type, without a copy.
 */
export function asBufferSource(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
	return bytes as Uint8Array<ArrayBuffer>;
}

/** Builds a TLS structure: big-endian integers and length-prefixed vectors. */
export class ByteWriter {
	#parts: Uint8Array[] = [];

	u8(value: number): this {
		return this.bytes(Uint8Array.of(value & 0xff));
	}

	u16(value: number): this {
		return this.bytes(Uint8Array.of((value >>> 8) & 0xff, value & 0xff));
	}

	u24(value: number): this {
		return this.bytes(Uint8Array.of((value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff));
	}

	bytes(value: Uint8Array): this {
		this.#parts.push(value);
		return this;
	}

	/** A vector with a length prefix of `prefixBytes` bytes (1, 2 or 3). */
	vector(prefixBytes: 1 | 2 | 3, body: Uint8Array | ((writer: ByteWriter) => void)): this {
		const content = body instanceof Uint8Array ? body : build(body);
		const max = 2 ** (8 * prefixBytes) - 1;
		if (content.length > max) throw new RangeError(`vector of ${content.length} bytes exceeds ${max}`);
		if (prefixBytes === 1) this.u8(content.length);
		else if (prefixBytes === 2) this.u16(content.length);
		else this.u24(content.length);
		return this.bytes(content);
	}

	finish(): Uint8Array<ArrayBuffer> {
		return concatBytes(this.#parts);
	}
}

export function build(write: (writer: ByteWriter) => void): Uint8Array<ArrayBuffer> {
	const writer = new ByteWriter();
	write(writer);
	return writer.finish();
}

/**
 * Reads a TLS structure that came from the peer. Every read is bounds-checked; running short, or
 * leaving bytes over at `end()`, is a `decode_error` naming the message (`what`).
 */
export class ByteParser {
	readonly #bytes: Uint8Array;
	readonly #what: string;
	#offset = 0;

	constructor(bytes: Uint8Array, what: string) {
		this.#bytes = bytes;
		this.#what = what;
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

	bytes(length: number): Uint8Array {
		if (length > this.remaining) throw malformed(this.#what);
		const out = this.#bytes.subarray(this.#offset, this.#offset + length);
		this.#offset += length;
		return out;
	}

	vector(prefixBytes: 1 | 2 | 3, min = 0): Uint8Array {
		const length = prefixBytes === 1 ? this.u8() : prefixBytes === 2 ? this.u16() : this.u24();
		if (length < min) throw malformed(this.#what);
		return this.bytes(length);
	}

	/** A list of 16-bit values in a vector with a `prefixBytes` length (odd lengths are malformed). */
	u16List(prefixBytes: 1 | 2, min = 0): number[] {
		const body = this.vector(prefixBytes, min);
		if (body.length % 2 !== 0) throw malformed(this.#what);
		const out: number[] = [];
		for (let i = 0; i < body.length; i += 2) out.push((body[i]! << 8) | body[i + 1]!);
		return out;
	}

	end(): void {
		if (this.remaining !== 0) throw malformed(this.#what);
	}
}
