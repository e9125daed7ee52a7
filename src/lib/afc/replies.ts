import { DeviceError } from '../errors';
import { AFC_HEADER_LENGTH, AfcOperation } from './constants';
import { encodeHeader, encodePacket, readU64, type AfcPacket } from './packet';
import { afcStatusError, type AfcAction } from './status';

/*
 * Replies, both ways, in the exact shapes a real afcd uses (protocol.md §7.1), because go-ios reads
 * fields from specific halves: Status and the 8-byte results in the header-payload (this = entire = 48),
 * data in the payload (this = 40).
 */

function u64(value: number | bigint): Uint8Array {
	const bytes = new Uint8Array(8);
	new DataView(bytes.buffer).setBigUint64(0, BigInt(value), true);
	return bytes;
}

export function encodeStatus(packetNumber: number, status: number): Uint8Array {
	return encodePacket(packetNumber, AfcOperation.Status, u64(status));
}

export function encodeData(packetNumber: number, data: Uint8Array): Uint8Array {
	return encodePacket(packetNumber, AfcOperation.Data, undefined, data);
}

/** The header of a Data reply whose `length` bytes follow in a separate write: large reads, no copy. */
export function encodeDataHeader(packetNumber: number, length: number): Uint8Array {
	return encodeHeader({
		entireLength: AFC_HEADER_LENGTH + length,
		thisLength: AFC_HEADER_LENGTH,
		packetNumber,
		operation: AfcOperation.Data,
	});
}

export function encodeOpenResult(packetNumber: number, handle: bigint): Uint8Array {
	return encodePacket(packetNumber, AfcOperation.FileRefOpenResult, u64(handle));
}

export function encodeTellResult(packetNumber: number, position: number): Uint8Array {
	return encodePacket(packetNumber, AfcOperation.FileRefTellResult, u64(position));
}

function unexpected(packet: AfcPacket, action: AfcAction): DeviceError {
	return new DeviceError(
		'protocol',
		`The iPhone's file service answered with operation ${packet.header.operation} ` +
			`where it should have answered the ${action} request.`,
	);
}

/** Throws the error for a Status reply that is not success. */
function checkStatus(packet: AfcPacket, action: AfcAction, path: string | undefined): void {
	if (packet.body.byteLength < 8) {
		throw new DeviceError('protocol', "The iPhone's file service sent a status without its value.");
	}
	const status = new DataView(packet.body.buffer, packet.body.byteOffset, 8).getBigUint64(0, true);
	// Any code beyond the known ones is just an unknown failure; keep it readable.
	if (status !== 0n) throw afcStatusError(status > 0xffffffffn ? 0xffffffff : Number(status), action, path);
}

/** The data of a Data reply. A Status reply of success is no data (libimobiledevice reads it so). */
export function expectData(packet: AfcPacket, action: AfcAction, path?: string): Uint8Array {
	if (packet.header.operation === AfcOperation.Data) return packet.body;
	if (packet.header.operation !== AfcOperation.Status) throw unexpected(packet, action);
	checkStatus(packet, action, path);
	return packet.body.subarray(0, 0);
}

export function expectSuccess(packet: AfcPacket, action: AfcAction, path?: string): void {
	if (packet.header.operation !== AfcOperation.Status) throw unexpected(packet, action);
	checkStatus(packet, action, path);
}

function expectResult(packet: AfcPacket, operation: number, action: AfcAction, path?: string): void {
	if (packet.header.operation === AfcOperation.Status) {
		checkStatus(packet, action, path);
		throw new DeviceError(
			'protocol',
			`The iPhone's file service reported success for ${path ?? 'a file'} but sent no result.`,
		);
	}
	if (packet.header.operation !== operation) throw unexpected(packet, action);
	if (packet.body.byteLength < 8) {
		throw new DeviceError('protocol', `The iPhone's file service sent a result without its value.`);
	}
}

/** The handle of a FileRefOpenResult: opaque, so all 64 bits are kept. */
export function expectHandle(packet: AfcPacket, path: string): bigint {
	expectResult(packet, AfcOperation.FileRefOpenResult, 'open', path);
	return new DataView(packet.body.buffer, packet.body.byteOffset, 8).getBigUint64(0, true);
}

/** The position of a FileRefTellResult. */
export function expectPosition(packet: AfcPacket, path?: string): number {
	expectResult(packet, AfcOperation.FileRefTellResult, 'tell', path);
	return readU64(new DataView(packet.body.buffer, packet.body.byteOffset, 8), 0, 'file position');
}
