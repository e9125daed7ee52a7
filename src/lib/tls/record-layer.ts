import { concatBytes } from '../bytes';
import { TlsError } from './tls-error';

/** The record layer's framing (RFC 5246 §6.2): 1-byte type, 2-byte version, 2-byte length, fragment. */

export const CONTENT_TYPE = {
	changeCipherSpec: 20,
	alert: 21,
	handshake: 22,
	applicationData: 23,
} as const;
export type ContentType = (typeof CONTENT_TYPE)[keyof typeof CONTENT_TYPE];

export const TLS12 = 0x0303;
/** The version ClientHello records carry, as most clients send it, for old servers' sake. */
export const TLS10 = 0x0301;

export const RECORD_HEADER_LENGTH = 5;
/** The most plaintext one record may carry (2^14). */
export const MAX_PLAINTEXT_LENGTH = 16_384;
/** The most a protected record may carry (2^14 + 2048); anything longer is refused unread. */
export const MAX_CIPHERTEXT_LENGTH = MAX_PLAINTEXT_LENGTH + 2048;

export interface TlsRecord {
	type: ContentType;
	/** The version in the header, 0x0300–0x0303; which one is acceptable is the connection's call. */
	version: number;
	fragment: Uint8Array;
}

export function isContentType(value: number): value is ContentType {
	return value >= CONTENT_TYPE.changeCipherSpec && value <= CONTENT_TYPE.applicationData;
}

export function encodeRecordHeader(type: ContentType, version: number, length: number): Uint8Array<ArrayBuffer> {
	return Uint8Array.of(type, version >>> 8, version & 0xff, length >>> 8, length & 0xff);
}

export function encodeRecord(record: TlsRecord): Uint8Array<ArrayBuffer> {
	if (record.fragment.length > MAX_CIPHERTEXT_LENGTH) throw new RangeError('record fragment too long');
	const out = new Uint8Array(RECORD_HEADER_LENGTH + record.fragment.length);
	out.set(encodeRecordHeader(record.type, record.version, record.fragment.length));
	out.set(record.fragment, RECORD_HEADER_LENGTH);
	return out;
}

/**
 * Cuts a byte stream into records. It checks each header as soon as its five bytes are in, so a
 * hostile length is refused before anything waits for it, and it never consumes bytes it refuses:
 * what is left over (`takeBuffered`) is exactly what arrived after the last record handed out.
 */
export class RecordDeframer {
	#chunks: Uint8Array[] = [];
	#buffered = 0;

	get buffered(): number {
		return this.#buffered;
	}

	push(chunk: Uint8Array): void {
		if (chunk.length === 0) return;
		this.#chunks.push(chunk);
		this.#buffered += chunk.length;
	}

	/** Puts bytes back in front, as if they had not been read yet (records taken but not to be used). */
	pushFront(chunks: readonly Uint8Array[]): void {
		const kept = chunks.filter((chunk) => chunk.length > 0);
		this.#chunks.unshift(...kept);
		for (const chunk of kept) this.#buffered += chunk.length;
	}

	/** The next complete record, or `undefined` until more bytes arrive. Throws a `TlsError` on a bad header. */
	next(): TlsRecord | undefined {
		if (this.#buffered < RECORD_HEADER_LENGTH) return undefined;
		const header = this.#peek(RECORD_HEADER_LENGTH);
		const type = header[0]!;
		const version = (header[1]! << 8) | header[2]!;
		const length = (header[3]! << 8) | header[4]!;
		if (!isContentType(type)) {
			throw new TlsError('it sent data that is not a TLS record.', 'unexpected_message');
		}
		if (version < 0x0300 || version > TLS12) {
			throw new TlsError(`it sent a record of an unknown TLS version (0x${version.toString(16)}).`, 'protocol_version');
		}
		if (length > MAX_CIPHERTEXT_LENGTH) {
			throw new TlsError(`it announced a record of ${length} bytes, more than TLS allows.`, 'record_overflow');
		}
		if (this.#buffered < RECORD_HEADER_LENGTH + length) return undefined;
		this.#take(RECORD_HEADER_LENGTH);
		return { type, version, fragment: this.#take(length) };
	}

	/** Everything not yet handed out, in order; the deframer is empty afterwards. */
	takeBuffered(): Uint8Array {
		const out = this.#chunks.length === 1 ? this.#chunks[0]! : concatBytes(this.#chunks);
		this.#chunks = [];
		this.#buffered = 0;
		return out;
	}

	#peek(length: number): Uint8Array {
		const first = this.#chunks[0]!;
		if (first.length >= length) return first.subarray(0, length);
		const out = new Uint8Array(length);
		let filled = 0;
		for (const chunk of this.#chunks) {
			const n = Math.min(chunk.length, length - filled);
			out.set(chunk.subarray(0, n), filled);
			filled += n;
			if (filled === length) break;
		}
		return out;
	}

	#take(length: number): Uint8Array {
		this.#buffered -= length;
		const first = this.#chunks[0];
		if (first !== undefined && first.length >= length) {
			// The common case: the record lies in one chunk, hand out a view.
			if (first.length === length) this.#chunks.shift();
			else this.#chunks[0] = first.subarray(length);
			return first.subarray(0, length);
		}
		const out = new Uint8Array(length);
		let filled = 0;
		while (filled < length) {
			const chunk = this.#chunks[0]!;
			const n = Math.min(chunk.length, length - filled);
			out.set(chunk.subarray(0, n), filled);
			filled += n;
			if (n === chunk.length) this.#chunks.shift();
			else this.#chunks[0] = chunk.subarray(n);
		}
		return out;
	}
}
