import { DeviceError } from '../errors';
import { AFC_HEADER_LENGTH } from './constants';
import { decodeHeader, type AfcHeader, type AfcPacket } from './packet';

/**
 * Says how many body bytes (everything after the 40-byte header) a packet with this header may carry,
 * or throws to refuse the packet outright (a reply to a request that was never sent, say). Called
 * before anything is allocated for the body.
 */
export type AfcBodyLimit = (header: AfcHeader) => number;

/**
 * Cuts a byte stream into AFC packets, whatever the chunking (sans-IO: bytes in, packets out). A body
 * that arrives whole inside one chunk is handed out as a view of that chunk; one spread over chunks is
 * gathered into a buffer of exactly the announced size, after the size was checked against the limit.
 * After a thrown error the stream is out of step and the decoder must not be used again.
 */
export class AfcPacketDecoder {
	readonly #limit: AfcBodyLimit;
	readonly #headerBytes = new Uint8Array(AFC_HEADER_LENGTH);
	#headerFilled = 0;
	#header: AfcHeader | undefined;
	#body: Uint8Array | undefined;
	#bodyFilled = 0;
	#failed = false;

	constructor(limit: AfcBodyLimit) {
		this.#limit = limit;
	}

	/** Bytes held for the packet being assembled, including the body buffer already allocated for it. */
	get heldBytes(): number {
		return this.#headerFilled + (this.#body?.byteLength ?? 0);
	}

	/** True between packets: nothing of a next packet has arrived yet. */
	get idle(): boolean {
		return this.#headerFilled === 0 && this.#header === undefined;
	}

	/** The packets completed by `chunk`, in order. Throws a `DeviceError` on a malformed or refused packet. */
	push(chunk: Uint8Array): AfcPacket[] {
		if (this.#failed) throw new DeviceError('protocol', 'The file connection is out of step and cannot be used.');
		try {
			return this.#push(chunk);
		} catch (error) {
			this.#failed = true;
			throw error;
		}
	}

	#push(chunk: Uint8Array): AfcPacket[] {
		const packets: AfcPacket[] = [];
		let at = 0;
		for (;;) {
			if (this.#header === undefined) {
				if (at === chunk.byteLength) break;
				let headerBytes: Uint8Array;
				if (this.#headerFilled === 0 && chunk.byteLength - at >= AFC_HEADER_LENGTH) {
					headerBytes = chunk.subarray(at, at + AFC_HEADER_LENGTH);
					at += AFC_HEADER_LENGTH;
				} else {
					const n = Math.min(AFC_HEADER_LENGTH - this.#headerFilled, chunk.byteLength - at);
					this.#headerBytes.set(chunk.subarray(at, at + n), this.#headerFilled);
					this.#headerFilled += n;
					at += n;
					if (this.#headerFilled < AFC_HEADER_LENGTH) break;
					headerBytes = this.#headerBytes;
				}
				const header = decodeHeader(headerBytes);
				const bodyLength = header.entireLength - AFC_HEADER_LENGTH;
				const limit = this.#limit(header);
				if (bodyLength > limit) {
					throw new DeviceError(
						'too-large',
						`The iPhone's file service announced a ${bodyLength}-byte reply where at most ${limit} bytes were expected.`,
					);
				}
				this.#headerFilled = 0;
				this.#header = header;
			}
			const header = this.#header;
			const bodyLength = header.entireLength - AFC_HEADER_LENGTH;
			if (this.#body === undefined) {
				if (chunk.byteLength - at >= bodyLength) {
					packets.push({ header, body: chunk.subarray(at, at + bodyLength) });
					at += bodyLength;
					this.#header = undefined;
					continue;
				}
				// Wait for the next chunk before allocating: a sender that writes the header and the data
				// separately delivers the whole body in one piece, which then needs no copy.
				if (at === chunk.byteLength) break;
				this.#body = new Uint8Array(bodyLength);
				this.#bodyFilled = 0;
			}
			const body = this.#body;
			const n = Math.min(body.byteLength - this.#bodyFilled, chunk.byteLength - at);
			body.set(chunk.subarray(at, at + n), this.#bodyFilled);
			this.#bodyFilled += n;
			at += n;
			if (this.#bodyFilled < body.byteLength) break;
			packets.push({ header, body });
			this.#header = undefined;
			this.#body = undefined;
		}
		return packets;
	}
}
