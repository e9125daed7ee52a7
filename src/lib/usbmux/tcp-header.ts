import { readU16, readU32, writeU16, writeU32 } from '../bytes';
import { TCP_HEADER_SIZE, WINDOW_SCALE_SHIFT } from './constants';
import { malformed } from './mux-header';

/** The pseudo-TCP header of a protocol-6 packet. Checksum and urgent pointer are always 0. */
export interface TcpHeader {
	sourcePort: number;
	destinationPort: number;
	seq: number;
	ack: number;
	flags: number;
	/** The receive window in bytes (the field holds it shifted right by 8). */
	window: number;
}

export function writeTcpHeader(bytes: Uint8Array, offset: number, header: TcpHeader): void {
	writeU16(bytes, offset, header.sourcePort);
	writeU16(bytes, offset + 2, header.destinationPort);
	writeU32(bytes, offset + 4, header.seq >>> 0);
	writeU32(bytes, offset + 8, header.ack >>> 0);
	bytes[offset + 12] = (TCP_HEADER_SIZE / 4) << 4;
	bytes[offset + 13] = header.flags;
	writeU16(bytes, offset + 14, Math.min(0xffff, header.window >>> WINDOW_SCALE_SHIFT));
	writeU16(bytes, offset + 16, 0);
	writeU16(bytes, offset + 18, 0);
}

/** A TCP header and where its payload starts, read from `bytes` at `offset`. */
export interface TcpSegment {
	header: TcpHeader;
	payloadOffset: number;
}

/**
 * Reads the TCP header at `offset` of a packet. Honours the data-offset nibble (real devices send 5
 * words, no options). Throws a `DeviceError` ('protocol') when the header does not fit the packet.
 */
export function readTcpHeader(packet: Uint8Array, offset: number): TcpSegment {
	if (packet.byteLength - offset < TCP_HEADER_SIZE) {
		throw malformed(`a connection packet is too short for its ${TCP_HEADER_SIZE}-byte header`);
	}
	const headerLength = (packet[offset + 12]! >>> 4) * 4;
	if (headerLength < TCP_HEADER_SIZE || offset + headerLength > packet.byteLength) {
		throw malformed(`a connection packet announces a ${headerLength}-byte header`);
	}
	return {
		header: {
			sourcePort: readU16(packet, offset),
			destinationPort: readU16(packet, offset + 2),
			seq: readU32(packet, offset + 4),
			ack: readU32(packet, offset + 8),
			flags: packet[offset + 13]!,
			window: readU16(packet, offset + 14) << WINDOW_SCALE_SHIFT,
		},
		payloadOffset: offset + headerLength,
	};
}
