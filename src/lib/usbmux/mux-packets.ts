import { readU32, writeU32 } from '../bytes';
import {
	MUX_HEADER_V1_SIZE,
	MUX_HEADER_V2_SIZE,
	MuxProtocol,
	SETUP_PAYLOAD,
	TCP_HEADER_SIZE,
	type MuxHeaderSize,
} from './constants';
import { malformed, writeMuxHeader } from './mux-header';
import { writeTcpHeader, type TcpHeader } from './tcp-header';

/**
 * Builds one side's outgoing packets: the header size in force and the v2 sequence fields. Both sides
 * count the same way (protocol.md §2.3): VERSION uses the v1 header and no sequence number; once v2 is
 * in force, tx_seq starts at 0 and goes up by one per packet (16 bits, wrapping); rx_seq is whatever
 * the owner last set, 0xFFFF before the peer's first v2 packet.
 */
export class MuxFramer {
	#headerSize: MuxHeaderSize = MUX_HEADER_V1_SIZE;
	#txSeq = 0;
	/** Goes into the rx_seq field of every outgoing v2 packet. */
	rxSeq = 0xffff;

	get headerSize(): MuxHeaderSize {
		return this.#headerSize;
	}

	/** tx_seq of the last v2 packet built, 0xFFFF before the first. */
	get lastTxSeq(): number {
		return (this.#txSeq - 1) & 0xffff;
	}

	useVersion2(): void {
		this.#headerSize = MUX_HEADER_V2_SIZE;
		this.#txSeq = 0;
	}

	/** A packet of header + `bodyLength` bytes with its header written and the next tx_seq used up. */
	packet(protocol: number, bodyLength: number): Uint8Array {
		const packet = new Uint8Array(this.#headerSize + bodyLength);
		writeMuxHeader(packet, this.#headerSize, protocol, this.#txSeq, this.rxSeq);
		if (this.#headerSize === MUX_HEADER_V2_SIZE) this.#txSeq = (this.#txSeq + 1) & 0xffff;
		return packet;
	}

	/** A protocol-6 packet: TCP header, then `payload` copied in (one bulk transfer needs one buffer). */
	tcp(header: TcpHeader, payload?: Uint8Array): Uint8Array {
		const payloadLength = payload?.byteLength ?? 0;
		const packet = this.packet(MuxProtocol.Tcp, TCP_HEADER_SIZE + payloadLength);
		writeTcpHeader(packet, this.#headerSize, header);
		if (payload !== undefined && payloadLength > 0) packet.set(payload, this.#headerSize + TCP_HEADER_SIZE);
		return packet;
	}

	setup(): Uint8Array {
		const packet = this.packet(MuxProtocol.Setup, 1);
		packet[this.#headerSize] = SETUP_PAYLOAD;
		return packet;
	}

	control(type: number, text: string): Uint8Array {
		const textBytes = new TextEncoder().encode(text);
		const packet = this.packet(MuxProtocol.Control, 1 + textBytes.byteLength);
		packet[this.#headerSize] = type;
		packet.set(textBytes, this.#headerSize + 1);
		return packet;
	}
}

/** Packet size of protocol + TCP headers for the given mux header: what a payload adds to. */
export function tcpOverhead(headerSize: MuxHeaderSize): number {
	return headerSize + TCP_HEADER_SIZE;
}

export interface MuxVersion {
	major: number;
	minor: number;
}

/** VERSION always travels with the v1 header: major, minor, padding (20 bytes). */
export function encodeVersion(version: MuxVersion): Uint8Array {
	const packet = new Uint8Array(MUX_HEADER_V1_SIZE + 12);
	writeMuxHeader(packet, MUX_HEADER_V1_SIZE, MuxProtocol.Version, 0, 0);
	writeU32(packet, 8, version.major);
	writeU32(packet, 12, version.minor);
	return packet;
}

/** The body of a VERSION packet (after its 8-byte header). */
export function decodeVersion(body: Uint8Array): MuxVersion {
	if (body.byteLength < 12) throw malformed(`a version packet has a ${body.byteLength}-byte body`);
	return { major: readU32(body, 0), minor: readU32(body, 4) };
}

export interface ControlMessage {
	type: number;
	text: string;
}

/** The body of a CONTROL packet: a type byte, then text. Text is cut short: it is only ever logged. */
export function decodeControl(body: Uint8Array): ControlMessage {
	const text = new TextDecoder().decode(body.subarray(1, 1 + 1024));
	return { type: body[0] ?? 0, text: text.replace(/\0+$/, '') };
}
