/**
 * Builds binary structures: integers (big-endian unless asked otherwise), raw bytes, text and
 * length-prefixed vectors, into a buffer that grows as needed; a length may be patched in once known.
 * TLS messages, DER-free headers of the virtual iPhone's media files, test fixtures: one writer.
 */
export class ByteWriter {
	#bytes = new Uint8Array(256);
	#view = new DataView(this.#bytes.buffer);
	#length = 0;
	readonly littleEndian: boolean;

	constructor(options: { littleEndian?: boolean } = {}) {
		this.littleEndian = options.littleEndian ?? false;
	}

	get length(): number {
		return this.#length;
	}

	u8(value: number): this {
		this.#reserve(1);
		this.#view.setUint8(this.#length, value & 0xff);
		this.#length += 1;
		return this;
	}

	u16(value: number): this {
		this.#reserve(2);
		this.#view.setUint16(this.#length, value & 0xffff, this.littleEndian);
		this.#length += 2;
		return this;
	}

	/** 24 bits, always big-endian (TLS lengths). */
	u24(value: number): this {
		return this.u8(value >>> 16).u8(value >>> 8).u8(value);
	}

	u32(value: number): this {
		this.#reserve(4);
		this.#view.setUint32(this.#length, value >>> 0, this.littleEndian);
		this.#length += 4;
		return this;
	}

	u64(value: number): this {
		this.#reserve(8);
		this.#view.setBigUint64(this.#length, BigInt(value), this.littleEndian);
		this.#length += 8;
		return this;
	}

	bytes(data: Uint8Array): this {
		this.#reserve(data.length);
		this.#bytes.set(data, this.#length);
		this.#length += data.length;
		return this;
	}

	/** Latin-1/ASCII text, one byte per character (four-character codes, tags). */
	ascii(text: string): this {
		this.#reserve(text.length);
		for (let i = 0; i < text.length; i++) this.#bytes[this.#length + i] = text.charCodeAt(i) & 0xff;
		this.#length += text.length;
		return this;
	}

	utf8(text: string): this {
		return this.bytes(new TextEncoder().encode(text));
	}

	zeros(count: number): this {
		this.#reserve(count);
		this.#bytes.fill(0, this.#length, this.#length + count);
		this.#length += count;
		return this;
	}

	/** Overwrites the 32-bit value at `at` (a length written as 0 first). */
	setU32(at: number, value: number): void {
		this.#view.setUint32(at, value >>> 0, this.littleEndian);
	}

	/** A vector with a big-endian length prefix of `prefixBytes` bytes (1, 2 or 3), as TLS writes them. */
	vector(prefixBytes: 1 | 2 | 3, body: Uint8Array | ((writer: ByteWriter) => void)): this {
		const content = body instanceof Uint8Array ? body : build(body);
		const max = 2 ** (8 * prefixBytes) - 1;
		if (content.length > max) throw new RangeError(`vector of ${content.length} bytes exceeds ${max}`);
		if (prefixBytes === 1) this.u8(content.length);
		else if (prefixBytes === 2) this.u16(content.length);
		else this.u24(content.length);
		return this.bytes(content);
	}

	/** A copy of what was written, on a buffer of its own size. */
	finish(): Uint8Array<ArrayBuffer> {
		return this.#bytes.slice(0, this.#length);
	}

	#reserve(count: number): void {
		if (this.#length + count <= this.#bytes.length) return;
		const grown = new Uint8Array(Math.max(this.#bytes.length * 2, this.#length + count));
		grown.set(this.#bytes.subarray(0, this.#length));
		this.#bytes = grown;
		this.#view = new DataView(grown.buffer);
	}
}

/** What `write` writes, as bytes. */
export function build(write: (writer: ByteWriter) => void): Uint8Array<ArrayBuffer> {
	const writer = new ByteWriter();
	write(writer);
	return writer.finish();
}
