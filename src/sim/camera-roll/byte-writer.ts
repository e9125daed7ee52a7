/**
 * Builds the small structured headers of synthetic media files (a few hundred bytes each): boxes,
 * IFDs, chunks. Grows as needed; lengths are patched in once known.
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
		this.#view.setUint8(this.#length, value);
		this.#length += 1;
		return this;
	}

	u16(value: number): this {
		this.#reserve(2);
		this.#view.setUint16(this.#length, value, this.littleEndian);
		this.#length += 2;
		return this;
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

	setU32(at: number, value: number): void {
		this.#view.setUint32(at, value >>> 0, this.littleEndian);
	}

	/** Writes an ISO-BMFF/QuickTime box: 32-bit size, type, then whatever `body` writes. */
	box(type: string, body: (writer: this) => void): this {
		const start = this.#length;
		this.u32(0).ascii(type);
		body(this);
		this.setU32(start, this.#length - start);
		return this;
	}

	/** A box that is a "full box": version and 24-bit flags after the type. */
	fullBox(type: string, version: number, flags: number, body: (writer: this) => void): this {
		return this.box(type, (w) => {
			w.u32(((version & 0xff) << 24) | (flags & 0xffffff));
			body(w);
		});
	}

	/** A copy of what was written. */
	toBytes(): Uint8Array {
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

const CRC_TABLE = (() => {
	const table = new Uint32Array(256);
	for (let n = 0; n < 256; n++) {
		let c = n;
		for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
		table[n] = c >>> 0;
	}
	return table;
})();

/** CRC-32 (PNG, zlib), for the small chunks of synthetic PNGs. */
export function crc32(data: Uint8Array): number {
	let c = 0xffffffff;
	for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
	return (c ^ 0xffffffff) >>> 0;
}
