import { DeviceError } from '../errors';
import { readU16, readU32, writeU16, writeU32 } from '../bytes';
import { MUX_HEADER_V1_SIZE, MUX_HEADER_V2_SIZE, MUX_MAGIC, type MuxHeaderSize } from './constants';

/** The mux header of one packet. Version-1 headers carry no sequence fields (both read as 0). */
export interface MuxHeader {
	protocol: number;
	/** Total packet length, header included. */
	length: number;
	txSeq: number;
	rxSeq: number;
}

/** Fills in the header at the start of `packet`, whose length is the packet's length. */
export function writeMuxHeader(
	packet: Uint8Array,
	headerSize: MuxHeaderSize,
	protocol: number,
	txSeq: number,
	rxSeq: number,
): void {
	writeU32(packet, 0, protocol);
	writeU32(packet, 4, packet.byteLength);
	if (headerSize === MUX_HEADER_V2_SIZE) {
		writeU32(packet, 8, MUX_MAGIC);
		writeU16(packet, 12, txSeq & 0xffff);
		writeU16(packet, 14, rxSeq & 0xffff);
	}
}

/**
 * The header of one whole packet (as cut by the reassembler). Throws a `DeviceError` ('protocol') when
 * the packet is shorter than its header, its length field disagrees with its size, or a v2 magic is wrong.
 */
export function readMuxHeader(packet: Uint8Array, headerSize: MuxHeaderSize): MuxHeader {
	if (packet.byteLength < headerSize) {
		throw malformed(`a ${packet.byteLength}-byte packet is shorter than its ${headerSize}-byte header`);
	}
	const length = readU32(packet, 4);
	if (length !== packet.byteLength) {
		throw malformed(`a packet says it is ${length} bytes long but is ${packet.byteLength}`);
	}
	const protocol = readU32(packet, 0);
	if (headerSize === MUX_HEADER_V1_SIZE) return { protocol, length, txSeq: 0, rxSeq: 0 };
	const magic = readU32(packet, 8);
	if (magic !== MUX_MAGIC) {
		throw malformed(`a packet has the marker 0x${magic.toString(16).padStart(8, '0')} instead of 0xfeedface`);
	}
	return { protocol, length, txSeq: readU16(packet, 12), rxSeq: readU16(packet, 14) };
}

export function malformed(detail: string): DeviceError {
	return new DeviceError('protocol', `The iPhone sent data that does not follow the USB protocol (${detail}).`, {
		advice: 'Unplug the iPhone, plug it back in and try again.',
	});
}
