import { DeviceError } from '../errors';
import { readU32 } from '../bytes';
import { MAX_PACKET_LENGTH, MUX_HEADER_V1_SIZE } from './constants';

/** The length field sits in bytes 4–7 of both header versions, so 8 bytes are enough to cut a packet. */
const LENGTH_PREFIX = MUX_HEADER_V1_SIZE;

/**
 * Cuts a byte stream into whole mux packets by the header's length field, whatever the pieces the USB
 * transfers delivered: a piece may hold part of a packet, or several. A packet that lies inside one piece
 * is returned as a view of it (no copy); only a packet split across pieces is gathered into a buffer of
 * its own, after its length has been checked.
 *
 * A length outside [minimumLength, maxLength] desynchronises the stream for good: `push` throws a
 * `DeviceError` ('protocol') then and on every later call.
 */
export class PacketReassembler {
	/** The smallest acceptable packet: the header size in force (8, then 16 for a v2 device). */
	minimumLength: number = MUX_HEADER_V1_SIZE;
	readonly #maxLength: number;
	readonly #head = new Uint8Array(LENGTH_PREFIX);
	#headFill = 0;
	#partial: Uint8Array | undefined;
	#partialFill = 0;
	#failure: DeviceError | undefined;
	#rejectedLength: number | undefined;

	constructor(maxLength: number = MAX_PACKET_LENGTH) {
		this.#maxLength = maxLength;
	}

	/** The length field that broke the stream, if one did. */
	get rejectedLength(): number | undefined {
		return this.#rejectedLength;
	}

	/** Bytes held for a packet not yet complete. */
	get pendingBytes(): number {
		return this.#headFill + this.#partialFill;
	}

	push(piece: Uint8Array): Uint8Array[] {
		if (this.#failure !== undefined) throw this.#failure;
		const packets: Uint8Array[] = [];
		const end = piece.byteLength;
		let offset = 0;
		while (offset < end) {
			const partial = this.#partial;
			if (partial !== undefined) {
				const n = Math.min(end - offset, partial.byteLength - this.#partialFill);
				partial.set(piece.subarray(offset, offset + n), this.#partialFill);
				this.#partialFill += n;
				offset += n;
				if (this.#partialFill === partial.byteLength) this.#finishPartial(packets);
				continue;
			}
			if (this.#headFill > 0 || end - offset < LENGTH_PREFIX) {
				const n = Math.min(end - offset, LENGTH_PREFIX - this.#headFill);
				this.#head.set(piece.subarray(offset, offset + n), this.#headFill);
				this.#headFill += n;
				offset += n;
				if (this.#headFill < LENGTH_PREFIX) break;
				const length = this.#checkLength(readU32(this.#head, 4));
				this.#headFill = 0;
				this.#partial = new Uint8Array(length);
				this.#partial.set(this.#head);
				this.#partialFill = LENGTH_PREFIX;
				if (length === LENGTH_PREFIX) this.#finishPartial(packets);
				continue;
			}
			const length = this.#checkLength(readU32(piece, offset + 4));
			if (end - offset >= length) {
				packets.push(piece.subarray(offset, offset + length));
				offset += length;
			} else {
				this.#partial = new Uint8Array(length);
				this.#partial.set(piece.subarray(offset));
				this.#partialFill = end - offset;
				offset = end;
			}
		}
		return packets;
	}

	#finishPartial(packets: Uint8Array[]): void {
		packets.push(this.#partial!);
		this.#partial = undefined;
		this.#partialFill = 0;
	}

	#checkLength(length: number): number {
		if (length >= this.minimumLength && length <= this.#maxLength) return length;
		this.#rejectedLength = length;
		this.#failure = new DeviceError(
			'protocol',
			`The iPhone sent data that does not follow the USB protocol (a packet announced ${length} bytes; ` +
				`the limits are ${this.minimumLength} to ${this.#maxLength}).`,
			{ advice: 'Unplug the iPhone, plug it back in and try again.' },
		);
		throw this.#failure;
	}
}
