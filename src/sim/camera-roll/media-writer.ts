import { ByteWriter } from '../../lib/bytes';

/**
 * The byte writer with what media files add: ISO-BMFF/QuickTime boxes, whose 32-bit size is patched in
 * once their body is written. Builds the small structured headers of synthetic media files.
 */
export class MediaWriter extends ByteWriter {
	/** Writes a box: 32-bit size, type, then whatever `body` writes. */
	box(type: string, body: (writer: this) => void): this {
		const start = this.length;
		this.u32(0).ascii(type);
		body(this);
		this.setU32(start, this.length - start);
		return this;
	}

	/** A box that is a "full box": version and 24-bit flags after the type. */
	fullBox(type: string, version: number, flags: number, body: (writer: this) => void): this {
		return this.box(type, (w) => {
			w.u32(((version & 0xff) << 24) | (flags & 0xffffff));
			body(w);
		});
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
