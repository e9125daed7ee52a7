import { asBufferSource } from '../bytes';
import {
	MAX_PLAINTEXT_LENGTH,
	RECORD_HEADER_LENGTH,
	TLS12,
	encodeRecordHeader,
	type ContentType,
	type TlsRecord,
} from './record-layer';
import { TlsError } from './tls-error';

const EXPLICIT_NONCE_LENGTH = 8;
const TAG_LENGTH = 16;
const subtle = () => globalThis.crypto.subtle;

/**
 * One direction of AES-GCM record protection (RFC 5288): a 4-byte implicit IV from the key block,
 * an 8-byte explicit nonce sent in each record (we send the sequence number), and the sequence number,
 * type, version and length as additional data.
 *
 * The sequence number is taken when `seal`/`open` is called, not when WebCrypto finishes, so several
 * records can be in flight at once and still be numbered in stream order.
 */
export class AesGcmRecordCipher {
	readonly #key: CryptoKey;
	readonly #fixedIv: Uint8Array;
	#sequence = 0;

	private constructor(key: CryptoKey, fixedIv: Uint8Array) {
		this.#key = key;
		this.#fixedIv = fixedIv;
	}

	static async create(key: Uint8Array, fixedIv: Uint8Array): Promise<AesGcmRecordCipher> {
		if (fixedIv.length !== 4) throw new RangeError('AES-GCM implicit IV must be 4 bytes');
		const cryptoKey = await subtle().importKey('raw', asBufferSource(key), 'AES-GCM', false, ['encrypt', 'decrypt']);
		return new AesGcmRecordCipher(cryptoKey, fixedIv.slice());
	}

	/** The whole protected record (header included) carrying `plaintext`. */
	async seal(type: ContentType, plaintext: Uint8Array): Promise<Uint8Array> {
		if (plaintext.length > MAX_PLAINTEXT_LENGTH) throw new RangeError('plaintext longer than one record');
		const sequence = this.#takeSequence();
		const nonce = this.#nonce(sequence);
		const additionalData = additionalDataFor(sequence, type, plaintext.length);
		let sealed: ArrayBuffer;
		try {
			sealed = await subtle().encrypt(
				{ name: 'AES-GCM', iv: nonce, additionalData, tagLength: TAG_LENGTH * 8 },
				this.#key,
				asBufferSource(plaintext),
			);
		} catch (cause) {
			throw new TlsError('the browser could not encrypt a record.', 'internal_error', { cause });
		}
		const fragmentLength = EXPLICIT_NONCE_LENGTH + sealed.byteLength;
		const out = new Uint8Array(RECORD_HEADER_LENGTH + fragmentLength);
		out.set(encodeRecordHeader(type, TLS12, fragmentLength));
		out.set(nonce.subarray(4), RECORD_HEADER_LENGTH);
		out.set(new Uint8Array(sealed), RECORD_HEADER_LENGTH + EXPLICIT_NONCE_LENGTH);
		return out;
	}

	/** The plaintext of a protected record; a `TlsError` (`bad_record_mac`) when it was tampered with. */
	async open(record: TlsRecord): Promise<Uint8Array> {
		const { fragment } = record;
		// Take the number even for a record we refuse, so numbering stays in step with the stream.
		const sequence = this.#takeSequence();
		if (fragment.length < EXPLICIT_NONCE_LENGTH + TAG_LENGTH) {
			throw new TlsError('it sent a protected record too short to be genuine.', 'bad_record_mac');
		}
		const plaintextLength = fragment.length - EXPLICIT_NONCE_LENGTH - TAG_LENGTH;
		if (plaintextLength > MAX_PLAINTEXT_LENGTH) {
			throw new TlsError(`it sent a record of ${plaintextLength} bytes, more than TLS allows.`, 'record_overflow');
		}
		const nonce = new Uint8Array(12);
		nonce.set(this.#fixedIv);
		nonce.set(fragment.subarray(0, EXPLICIT_NONCE_LENGTH), 4);
		try {
			const opened = await subtle().decrypt(
				{
					name: 'AES-GCM',
					iv: nonce,
					additionalData: additionalDataFor(sequence, record.type, plaintextLength),
					tagLength: TAG_LENGTH * 8,
				},
				this.#key,
				asBufferSource(fragment.subarray(EXPLICIT_NONCE_LENGTH)),
			);
			return new Uint8Array(opened);
		} catch (cause) {
			throw new TlsError('a protected record failed its integrity check (it was damaged or forged).', 'bad_record_mac', {
				cause,
			});
		}
	}

	#takeSequence(): number {
		const sequence = this.#sequence;
		// 2^53 records would take centuries; refusing beats wrapping silently.
		if (sequence >= Number.MAX_SAFE_INTEGER) throw new TlsError('the connection ran out of record numbers.', 'internal_error');
		this.#sequence = sequence + 1;
		return sequence;
	}

	#nonce(sequence: number): Uint8Array<ArrayBuffer> {
		const nonce = new Uint8Array(12);
		nonce.set(this.#fixedIv);
		writeUint64(nonce, 4, sequence);
		return nonce;
	}
}

function additionalDataFor(sequence: number, type: ContentType, length: number): Uint8Array<ArrayBuffer> {
	const aad = new Uint8Array(13);
	writeUint64(aad, 0, sequence);
	aad[8] = type;
	aad[9] = TLS12 >>> 8;
	aad[10] = TLS12 & 0xff;
	aad[11] = length >>> 8;
	aad[12] = length & 0xff;
	return aad;
}

function writeUint64(target: Uint8Array, offset: number, value: number): void {
	const view = new DataView(target.buffer, target.byteOffset, target.byteLength);
	view.setUint32(offset, Math.floor(value / 2 ** 32));
	view.setUint32(offset + 4, value >>> 0);
}
