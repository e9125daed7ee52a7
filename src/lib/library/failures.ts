import { type DeviceErrorCode, isDeviceError } from '../errors';

/**
 * Failures that concern one file or folder (it is not there, the phone will not give its bytes, it
 * refuses that path): the scanner notes them and carries on. Anything else (a lost connection, a
 * locked phone, an abort, a bug) stops it, rather than marking every remaining file as missing.
 */
const FILE_LEVEL_CODES: ReadonlySet<DeviceErrorCode> = new Set<DeviceErrorCode>([
	'file-not-found',
	'file-unreadable',
	'file-permission',
	'afc-failed',
	'afc-unsupported',
	'too-large',
]);

export function isFileLevelFailure(error: unknown): boolean {
	return isDeviceError(error) && FILE_LEVEL_CODES.has(error.code);
}

/** Whether the caller asked to stop (an `AbortSignal`'s reason, or an `AbortError`). */
export function isAbort(error: unknown, signal?: AbortSignal): boolean {
	if (signal?.aborted && error === signal.reason) return true;
	return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'AbortError';
}
