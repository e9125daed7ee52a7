/**
 * The small interface between the `USBDevice`-shaped surface (`SimUsbDevice`, one per JS realm) and
 * the device internals (`SimUsbHardware`): one link is one open handle on the device. The internals may
 * be in the same process (Vitest, the demo) or at the other end of a wire (the WebSocket of the
 * end-to-end harness); the surface code is the same.
 *
 * Failures reject with a `DOMException` of the caller's realm, named as Chromium names them.
 */

export type SimTransferStatus = 'ok' | 'stall' | 'babble';

export interface SimInResult {
	readonly status: SimTransferStatus;
	readonly data: Uint8Array;
}

export interface SimOutResult {
	readonly status: SimTransferStatus;
	readonly bytesWritten: number;
}

export interface SimControlSetup {
	readonly requestType: 'standard' | 'class' | 'vendor';
	readonly recipient: 'device' | 'interface' | 'endpoint' | 'other';
	readonly request: number;
	readonly value: number;
	readonly index: number;
}

export interface SimUsbLink {
	/** Resolves with the device's active configuration value at the time it was opened. */
	open(): Promise<{ activeConfiguration: number | null }>;
	close(): Promise<void>;
	selectConfiguration(configurationValue: number): Promise<void>;
	claimInterface(interfaceNumber: number): Promise<void>;
	releaseInterface(interfaceNumber: number): Promise<void>;
	selectAlternateInterface(interfaceNumber: number, alternateSetting: number): Promise<void>;
	reset(): Promise<void>;
	clearHalt(direction: 'in' | 'out', endpointNumber: number): Promise<void>;
	controlTransferIn(setup: SimControlSetup, length: number): Promise<SimInResult>;
	controlTransferOut(setup: SimControlSetup, data: Uint8Array): Promise<SimOutResult>;
	transferIn(endpointNumber: number, length: number): Promise<SimInResult>;
	/** `data` belongs to the link from here on: callers pass a copy they will not touch. */
	transferOut(endpointNumber: number, data: Uint8Array): Promise<SimOutResult>;
	/** Settles once the device is gone (unplugged, or the wire to it lost). */
	readonly gone: Promise<void>;
}

/** Chromium's own words (third_party/blink/renderer/modules/webusb/usb_device.cc), so apps see the same. */
export const CHROMIUM = {
	openRequired: ['InvalidStateError', 'The device must be opened first.'],
	notConfigured: ['InvalidStateError', 'The device must have a configuration selected.'],
	deviceChanging: ['InvalidStateError', 'An operation that changes the device state is in progress.'],
	interfaceChanging: ['InvalidStateError', 'An operation that changes interface state is in progress.'],
	notClaimed: ['InvalidStateError', 'The specified interface has not been claimed.'],
	noSuchConfiguration: ['NotFoundError', 'The configuration value provided is not supported by the device.'],
	noSuchInterface: [
		'NotFoundError',
		'The interface number provided is not supported by the device in its current configuration.',
	],
	noSuchAlternate: [
		'NotFoundError',
		'The alternate setting provided is not supported by the device in its current configuration.',
	],
	endpointUnavailable: [
		'NotFoundError',
		'The specified endpoint is not part of a claimed and selected alternate interface.',
	],
	endpointOutOfRange: ['IndexSizeError', 'The specified endpoint number is out of range.'],
	tooLong: ['DataError', 'The data buffer exceeded supported maximum size of 33554432 bytes'],
	disconnected: ['NotFoundError', 'The device was disconnected.'],
	transferError: ['NetworkError', 'A transfer error has occurred.'],
	cancelled: ['AbortError', 'The transfer was cancelled.'],
	accessDenied: ['SecurityError', 'Access denied.'],
	claimFailed: ['NetworkError', 'Unable to claim interface.'],
	configurationFailed: ['NetworkError', 'Unable to set device configuration.'],
	resetFailed: ['NetworkError', 'Unable to reset the device.'],
	noDeviceSelected: ['NotFoundError', 'No device selected.'],
	gestureRequired: ['SecurityError', 'Must be handling a user gesture to show a permission request.'],
} as const satisfies Record<string, readonly [string, string]>;

export type ChromiumError = keyof typeof CHROMIUM;

export function chromiumError(which: ChromiumError): DOMException {
	const [name, message] = CHROMIUM[which];
	return new DOMException(message, name);
}

/** The longest transfer Chromium accepts (kUsbTransferLengthLimit). */
export const MAX_TRANSFER_LENGTH = 32 * 1024 * 1024;

/** A link to a device that is already gone: everything fails as Chromium fails it after a disconnect. */
export function goneLink(): SimUsbLink {
	const fail = async (): Promise<never> => {
		throw chromiumError('disconnected');
	};
	return {
		gone: Promise.resolve(),
		open: fail,
		close: fail,
		selectConfiguration: fail,
		claimInterface: fail,
		releaseInterface: fail,
		selectAlternateInterface: fail,
		reset: fail,
		clearHalt: fail,
		controlTransferIn: fail,
		controlTransferOut: fail,
		transferIn: fail,
		transferOut: fail,
	};
}
