import { isDeviceError, type DeviceErrorCode } from '../errors';

/**
 * Failures that mean the phone or the connection is gone, as opposed to one file or folder that
 * cannot be read. The scanner carries on past the second kind and stops on the first.
 */
const CONNECTION_CODES: ReadonlySet<DeviceErrorCode> = new Set<DeviceErrorCode>([
	'no-webusb',
	'no-device',
	'usb-busy',
	'usb-permission',
	'not-an-iphone',
	'unplugged',
	'usb-transfer',
	'port-closed',
	'connection-reset',
	'connection-closed',
	'protocol',
	'timeout',
]);

export function isConnectionFailure(error: unknown): boolean {
	return isDeviceError(error) && CONNECTION_CODES.has(error.code);
}

/** Whether the caller asked to stop (an `AbortSignal`'s reason, or an `AbortError`). */
export function isAbort(error: unknown, signal?: AbortSignal): boolean {
	if (signal?.aborted && error === signal.reason) return true;
	return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'AbortError';
}

/** Errors the scanner must not swallow. */
export function mustPropagate(error: unknown, signal?: AbortSignal): boolean {
	return isConnectionFailure(error) || isAbort(error, signal);
}
