import { decodePlist, encodePlist, isPlistDict, type PlistDict, type PlistValue } from '../../lib/plist';

/**
 * The usbmuxd client socket protocol (protocol.md §3): what desktop tools (libimobiledevice, ifuse,
 * pymobiledevice3) speak to the usbmuxd daemon. The virtual iPhone's front-end speaks it so those tools
 * can be pointed at the simulator. Header fields are little-endian, unlike everything on the USB wire.
 */
export const HEADER_SIZE = 16;
/** No usbmuxd request comes near this; a larger announced length is a broken or hostile client. */
export const MAX_MESSAGE_SIZE = 1 << 20;

export const enum MessageType {
	Result = 1,
	Connect = 2,
	Listen = 3,
	DeviceAdd = 4,
	DeviceRemove = 5,
	DevicePaired = 6,
	Plist = 8,
}

export const enum ResultCode {
	Ok = 0,
	BadCommand = 1,
	BadDevice = 2,
	ConnectionRefused = 3,
	BadVersion = 6,
	/** errno values travel in the same field for pair-record requests. */
	NoSuchEntry = 2,
	InvalidArgument = 22,
}

export interface MessageHeader {
	length: number;
	version: number;
	message: number;
	tag: number;
}

export function decodeHeader(bytes: Uint8Array): MessageHeader {
	const view = new DataView(bytes.buffer, bytes.byteOffset, HEADER_SIZE);
	return {
		length: view.getUint32(0, true),
		version: view.getUint32(4, true),
		message: view.getUint32(8, true),
		tag: view.getUint32(12, true),
	};
}

export function encodeMessage(version: number, message: number, tag: number, body: Uint8Array): Uint8Array {
	const out = new Uint8Array(HEADER_SIZE + body.byteLength);
	const view = new DataView(out.buffer);
	view.setUint32(0, out.byteLength, true);
	view.setUint32(4, version, true);
	view.setUint32(8, message, true);
	view.setUint32(12, tag, true);
	out.set(body, HEADER_SIZE);
	return out;
}

export function encodePlistMessage(tag: number, value: PlistValue): Uint8Array {
	return encodeMessage(1, MessageType.Plist, tag, encodePlist(value));
}

/** A plist body, XML or binary; `undefined` when it is not a dictionary. */
export function decodePlistBody(body: Uint8Array): PlistDict | undefined {
	try {
		const value = decodePlist(body);
		return isPlistDict(value) ? value : undefined;
	} catch {
		return undefined;
	}
}

export function encodeResult(version: number, tag: number, result: number): Uint8Array {
	if (version === 1) return encodePlistMessage(tag, { MessageType: 'Result', Number: result });
	const body = new Uint8Array(4);
	new DataView(body.buffer).setUint32(0, result, true);
	return encodeMessage(0, MessageType.Result, tag, body);
}

/** Ports travel byte-swapped in Connect requests: 62078 arrives as 32498. */
export function swapPort(port: number): number {
	return ((port & 0xff) << 8) | ((port >> 8) & 0xff);
}

export interface AttachedDevice {
	deviceId: number;
	productId: number;
	udid: string;
	locationId: number;
}

export function attachedRecord(device: AttachedDevice): PlistDict {
	return {
		DeviceID: device.deviceId,
		MessageType: 'Attached',
		Properties: {
			ConnectionSpeed: 480_000_000,
			ConnectionType: 'USB',
			DeviceID: device.deviceId,
			LocationID: device.locationId,
			ProductID: device.productId,
			SerialNumber: device.udid,
		},
	};
}

/** The binary protocol's DEVICE_ADD payload: id, product id, NUL-padded 256-byte serial, location. */
export function encodeBinaryDeviceAdd(device: AttachedDevice): Uint8Array {
	const body = new Uint8Array(4 + 2 + 256 + 2 + 4);
	const view = new DataView(body.buffer);
	view.setUint32(0, device.deviceId, true);
	view.setUint16(4, device.productId, true);
	body.set(new TextEncoder().encode(device.udid).subarray(0, 255), 6);
	view.setUint32(264, device.locationId, true);
	return encodeMessage(0, MessageType.DeviceAdd, 0, body);
}
