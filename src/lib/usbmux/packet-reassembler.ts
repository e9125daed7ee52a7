import { DeviceError } from '../errors';
import { readU32 } from '../bytes';
import { MAX_LEFTOVER_BYTES, MAX_PACKET_LENGTH, MUX_HEADER_V1_SIZE, MUX_HEADER_V2_SIZE, MUX_MAGIC } from './constants';

/**
 * Cuts the phone's IN transfers into mux packets, reading each transfer as usbmuxd does: as the start
 * of a packet, or the rest of one a full transfer left unfinished (src/device.c `device_data_input`).
 * A transfer is taken whole or not at all: it must be filled exactly by packets one after another (a
 * phone that coalesces is still read), the last of which may go on in the next transfer only if the
 * transfer ended after a whole number of USB packets. A real transfer ends on a short USB packet once
 * the phone's packet is over, so one that ends anywhere else ended a packet early.
 *
 * A transfer that does not fit (the tail of a packet the phone was sending when an earlier host went, a
 * length that does not match the transfer, no 0xFEEDFACE where a v2 header needs it) is dropped whole,
 * with any unfinished packet before it, as usbmuxd drops a transfer on "Incoming packet size mismatch";
 * the next transfer starts afresh. Packets inside one transfer are views of it (no copy); only a packet
 * over several transfers is gathered into a buffer of its own, after its length has been checked.
 *
 * `push` throws a `DeviceError` ('protocol'), then and on every later call, when a v2 header (its
 * marker leaves no doubt that it is one) announces a length outside [header, maxLength], or when more
 * than MAX_LEFTOVER_BYTES in a row had to be dropped.
 */
export class PacketReassembler {
	/** The header size in force: 8, then 16 for a v2 device (whose headers carry the marker). */
	minimumLength: number = MUX_HEADER_V1_SIZE;
	readonly #maxLength: number;
	readonly #usbPacketSize: number;
	#partial: Uint8Array | undefined;
	#partialFill = 0;
	#droppedInARow = 0;
	#droppedBytes = 0;
	#failure: DeviceError | undefined;
	#rejectedLength: number | undefined;

	/** @param usbPacketSize wMaxPacketSize of the IN endpoint */
	constructor(maxLength: number = MAX_PACKET_LENGTH, usbPacketSize = 512) {
		this.#maxLength = maxLength;
		this.#usbPacketSize = usbPacketSize;
	}

	/** The length field that broke the stream, if one did. */
	get rejectedLength(): number | undefined {
		return this.#rejectedLength;
	}

	/** Bytes held for a packet not yet complete. */
	get pendingBytes(): number {
		return this.#partialFill;
	}

	/** Bytes dropped so far: transfers that did not fit, and packets they left unfinished. */
	get droppedBytes(): number {
		return this.#droppedBytes;
	}

	/** The packets of one IN transfer (none if it was dropped). */
	push(transfer: Uint8Array): Uint8Array[] {
		if (this.#failure !== undefined) throw this.#failure;
		const end = transfer.byteLength;
		const partial = this.#partial;
		const continued = partial === undefined ? 0 : Math.min(end, partial.byteLength - this.#partialFill);
		const tail = this.#walk(transfer, continued);
		const unfinished = partial !== undefined && this.#partialFill + continued < partial.byteLength;
		if (tail === undefined || (unfinished && !this.#mayContinue(this.#partialFill + continued))) return this.#drop(end);
		const packets: Uint8Array[] = [];
		if (partial !== undefined) {
			partial.set(transfer.subarray(0, continued), this.#partialFill);
			this.#partialFill += continued;
			if (this.#partialFill < partial.byteLength) return packets;
			packets.push(partial);
			this.#partial = undefined;
			this.#partialFill = 0;
		}
		let offset = continued;
		while (offset < tail.start) {
			const length = readU32(transfer, offset + 4);
			packets.push(transfer.subarray(offset, offset + length));
			offset += length;
		}
		if (tail.length > 0) {
			this.#partial = new Uint8Array(tail.length);
			this.#partial.set(transfer.subarray(tail.start));
			this.#partialFill = end - tail.start;
		}
		this.#droppedInARow = 0;
		return packets;
	}

	/**
	 * Checks the packets from `offset` to the transfer's end: where the last one starts and how long it
	 * is when it goes on past the transfer (length 0 when the packets end with it), or undefined when
	 * they do not fit it.
	 */
	#walk(transfer: Uint8Array, offset: number): { start: number; length: number } | undefined {
		const end = transfer.byteLength;
		while (offset < end) {
			const length = this.#headerLength(transfer, offset);
			if (length === undefined) return undefined;
			if (offset + length > end) return this.#mayContinue(end - offset) ? { start: offset, length } : undefined;
			offset += length;
		}
		return { start: end, length: 0 };
	}

	/** The length of the packet whose header starts at `offset`, or undefined if no header can start there. */
	#headerLength(transfer: Uint8Array, offset: number): number | undefined {
		const headerSize = this.minimumLength;
		if (transfer.byteLength - offset < headerSize) return undefined;
		const length = readU32(transfer, offset + 4);
		const marked = headerSize === MUX_HEADER_V2_SIZE && readU32(transfer, offset + 8) === MUX_MAGIC;
		if (headerSize === MUX_HEADER_V2_SIZE && !marked) return undefined;
		if (length >= headerSize && length <= this.#maxLength) return length;
		if (marked) this.#fail(length);
		return undefined;
	}

	/** A packet may go on in the next transfer only after a whole number of USB packets of it. */
	#mayContinue(bytesOfIt: number): boolean {
		return bytesOfIt % this.#usbPacketSize === 0;
	}

	#drop(bytes: number): Uint8Array[] {
		const dropped = bytes + this.#partialFill;
		this.#partial = undefined;
		this.#partialFill = 0;
		this.#droppedBytes += dropped;
		this.#droppedInARow += dropped;
		if (this.#droppedInARow > MAX_LEFTOVER_BYTES) {
			this.#failure = new DeviceError(
				'protocol',
				`The iPhone sent data that does not follow the USB protocol (${this.#droppedInARow} bytes in a row that are not packets).`,
				{ advice: 'Unplug the iPhone, plug it back in and try again.' },
			);
			throw this.#failure;
		}
		return [];
	}

	#fail(length: number): never {
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
