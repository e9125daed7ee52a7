import { DeviceError } from '../errors';
import { AFC_HEADER_LENGTH, AFC_MAGIC } from './constants';

/**
 * An AFC packet is `header (40 bytes) | header-payload | payload`. The header's five fields are u64
 * little-endian: magic, entire length, this length (header + header-payload), packet number, operation.
 */
export interface AfcHeader {
	entireLength: number;
	thisLength: number;
	packetNumber: number;
	operation: number;
}

export interface AfcPacket {
	header: AfcHeader;
	/**
	 * Everything after the header: header-payload then payload. Clients disagree on where parameters
	 * go (libimobiledevice puts them in the header-payload, pymobiledevice3 in either), so readers take
	 * the two parts as one, as libimobiledevice's own reader does.
	 */
	body: Uint8Array;
}

const MAGIC_BYTES = new TextEncoder().encode(AFC_MAGIC);
const TWO_32 = 2 ** 32;

/** A u64 that must be exact as a number: above 2^53 it cannot be, and no honest length is that big. */
export function readU64(view: DataView, offset: number, what: string): number {
	const low = view.getUint32(offset, true);
	const high = view.getUint32(offset + 4, true);
	if (high >= 0x200000) {
		throw new DeviceError('too-large', `The iPhone's file service sent a ${what} too large to be real.`);
	}
	return high * TWO_32 + low;
}

function writeU64(view: DataView, offset: number, value: number): void {
	view.setBigUint64(offset, BigInt(value), true);
}

/** Writes the 40-byte header into `target` (at its start). */
export function writeHeader(target: Uint8Array, header: AfcHeader): void {
	target.set(MAGIC_BYTES, 0);
	const view = new DataView(target.buffer, target.byteOffset, AFC_HEADER_LENGTH);
	writeU64(view, 8, header.entireLength);
	writeU64(view, 16, header.thisLength);
	writeU64(view, 24, header.packetNumber);
	writeU64(view, 32, header.operation);
}

/**
 * One packet as one buffer, so that it leaves in one write (and one mux packet: sending the header and
 * the rest separately is a suspected cause of slow AFC, libimobiledevice#530).
 */
export function encodePacket(
	packetNumber: number,
	operation: number,
	headerPayload: Uint8Array = new Uint8Array(0),
	payload: Uint8Array = new Uint8Array(0),
): Uint8Array {
	const thisLength = AFC_HEADER_LENGTH + headerPayload.byteLength;
	const entireLength = thisLength + payload.byteLength;
	const packet = new Uint8Array(entireLength);
	writeHeader(packet, { entireLength, thisLength, packetNumber, operation });
	packet.set(headerPayload, AFC_HEADER_LENGTH);
	packet.set(payload, thisLength);
	return packet;
}

/** Only the header of a packet whose payload is sent separately (large data replies: no copy). */
export function encodeHeader(header: AfcHeader): Uint8Array {
	const bytes = new Uint8Array(AFC_HEADER_LENGTH);
	writeHeader(bytes, header);
	return bytes;
}

/** Reads and checks a header from the first 40 bytes of `bytes`. */
export function decodeHeader(bytes: Uint8Array): AfcHeader {
	for (let i = 0; i < MAGIC_BYTES.length; i++) {
		if (bytes[i] !== MAGIC_BYTES[i]) {
			throw new DeviceError('protocol', "The iPhone's file service sent something that is not an AFC packet.");
		}
	}
	const view = new DataView(bytes.buffer, bytes.byteOffset, AFC_HEADER_LENGTH);
	const header: AfcHeader = {
		entireLength: readU64(view, 8, 'packet length'),
		thisLength: readU64(view, 16, 'packet length'),
		packetNumber: readU64(view, 24, 'packet number'),
		operation: readU64(view, 32, 'operation code'),
	};
	if (header.thisLength < AFC_HEADER_LENGTH || header.entireLength < header.thisLength) {
		throw new DeviceError(
			'protocol',
			`The iPhone's file service sent a packet whose lengths do not add up ` +
				`(${header.thisLength} of ${header.entireLength} bytes).`,
		);
	}
	return header;
}
