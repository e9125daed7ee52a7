import { DeviceError } from '../errors';
import { AfcLimits, AfcOpenMode, AfcOperation, AfcSeekFrom } from './constants';
import { encodePacket, type AfcPacket } from './packet';
import { decodeCString, encodePath } from './strings';

/*
 * Requests, both ways: the client encodes them, the simulated afcd decodes them. Parameters go in the
 * header-payload, as libimobiledevice and go-ios send them.
 */

function u64s(...values: (number | bigint)[]): Uint8Array {
	const bytes = new Uint8Array(values.length * 8);
	const view = new DataView(bytes.buffer);
	values.forEach((value, i) => view.setBigUint64(i * 8, BigInt(value), true));
	return bytes;
}

function pathParameter(path: string, prefix?: Uint8Array): Uint8Array {
	const encoded = encodePath(path, AfcLimits.maxPathBytes);
	if (prefix === undefined) return encoded;
	const bytes = new Uint8Array(prefix.byteLength + encoded.byteLength);
	bytes.set(prefix);
	bytes.set(encoded, prefix.byteLength);
	return bytes;
}

export function encodeReadDir(packetNumber: number, path: string): Uint8Array {
	return encodePacket(packetNumber, AfcOperation.ReadDir, pathParameter(path));
}

export function encodeGetFileInfo(packetNumber: number, path: string): Uint8Array {
	return encodePacket(packetNumber, AfcOperation.GetFileInfo, pathParameter(path));
}

export function encodeGetDeviceInfo(packetNumber: number): Uint8Array {
	return encodePacket(packetNumber, AfcOperation.GetDeviceInfo);
}

export function encodeFileOpen(packetNumber: number, path: string, mode: number = AfcOpenMode.ReadOnly): Uint8Array {
	return encodePacket(packetNumber, AfcOperation.FileRefOpen, pathParameter(path, u64s(mode)));
}

export function encodeFileRead(packetNumber: number, handle: bigint, length: number): Uint8Array {
	return encodePacket(packetNumber, AfcOperation.FileRefRead, u64s(handle, length));
}

/** `offset` is signed (i64): negative moves back from `whence`. */
export function encodeFileSeek(packetNumber: number, handle: bigint, offset: number, whence: AfcSeekFrom): Uint8Array {
	const parameters = new Uint8Array(24);
	const view = new DataView(parameters.buffer);
	view.setBigUint64(0, handle, true);
	view.setBigUint64(8, BigInt(whence), true);
	view.setBigInt64(16, BigInt(offset), true);
	return encodePacket(packetNumber, AfcOperation.FileRefSeek, parameters);
}

export function encodeFileTell(packetNumber: number, handle: bigint): Uint8Array {
	return encodePacket(packetNumber, AfcOperation.FileRefTell, u64s(handle));
}

export function encodeFileClose(packetNumber: number, handle: bigint): Uint8Array {
	return encodePacket(packetNumber, AfcOperation.FileRefClose, u64s(handle));
}

/** A request as the device reads it. */
export type AfcRequest =
	| { kind: 'read-dir'; path: string }
	| { kind: 'get-file-info'; path: string }
	| { kind: 'get-device-info' }
	| { kind: 'open'; path: string; mode: number }
	| { kind: 'read'; handle: bigint; length: number }
	| { kind: 'seek'; handle: bigint; whence: number; offset: number }
	| { kind: 'tell'; handle: bigint }
	| { kind: 'close'; handle: bigint }
	| { kind: 'other'; operation: number };

const MAX_EXACT = 2n ** 52n;

/**
 * A u64 parameter as a number. A read may ask for more than 2^53 bytes: it gets what the file has, so
 * clamp rather than refuse.
 */
function clampedU64(view: DataView, offset: number): number {
	const value = view.getBigUint64(offset, true);
	return Number(value > MAX_EXACT ? MAX_EXACT : value);
}

function tooShort(): DeviceError {
	return new DeviceError('protocol', 'An AFC request is shorter than its operation needs.');
}

/** Reads a request's parameters; throws a `DeviceError` ('protocol', 'too-large') when they are malformed. */
export function decodeRequest(packet: AfcPacket): AfcRequest {
	const { body } = packet;
	const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
	const need = (length: number) => {
		if (body.byteLength < length) throw tooShort();
	};
	const u64 = (offset: number) => clampedU64(view, offset);
	switch (packet.header.operation) {
		case AfcOperation.ReadDir:
			return { kind: 'read-dir', path: decodeCString(body) };
		case AfcOperation.GetFileInfo:
			return { kind: 'get-file-info', path: decodeCString(body) };
		case AfcOperation.GetDeviceInfo:
			return { kind: 'get-device-info' };
		case AfcOperation.FileRefOpen:
			need(8);
			return { kind: 'open', mode: u64(0), path: decodeCString(body.subarray(8)) };
		case AfcOperation.FileRefRead:
			need(16);
			return { kind: 'read', handle: view.getBigUint64(0, true), length: u64(8) };
		case AfcOperation.FileRefSeek: {
			need(24);
			const offset = view.getBigInt64(16, true);
			if (offset > MAX_EXACT || offset < -MAX_EXACT) {
				throw new DeviceError('too-large', 'An AFC seek offset is out of range.');
			}
			return { kind: 'seek', handle: view.getBigUint64(0, true), whence: u64(8), offset: Number(offset) };
		}
		case AfcOperation.FileRefTell:
			need(8);
			return { kind: 'tell', handle: view.getBigUint64(0, true) };
		case AfcOperation.FileRefClose:
			need(8);
			return { kind: 'close', handle: view.getBigUint64(0, true) };
		default:
			return { kind: 'other', operation: packet.header.operation };
	}
}
