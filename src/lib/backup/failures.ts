import { DeviceError, type DeviceErrorCode, isDeviceError } from '../errors';
import { isFileLevelFailure } from '../library/failures';

/**
 * Failures that concern one file: it is recorded as failed (or as in iCloud) and the backup goes on.
 * Everything else that is a `DeviceError` (the phone unplugged or silent, the drive full or gone,
 * permission lost, the browser's storage failing) stops the run, consistent, for the next to resume.
 */
const FOLDER_FILE_CODES: ReadonlySet<DeviceErrorCode> = new Set<DeviceErrorCode>([
	'folder-file-exists',
	'folder-file-missing',
	'file-too-large-for-drive',
	'file-changed',
	'size-mismatch',
	'verify-failed',
]);

export type FailureScope = 'file' | 'run';

/**
 * The way to the phone's files broke: the phone reset the connection, said nothing for longer than the
 * stall watchdog allows, or the cable came out. Reconnecting may cure each (a pulled cable once the
 * phone is plugged back in); a connection we closed ourselves ('connection-closed') it does not.
 */
const CONNECTION_LOSS_CODES: ReadonlySet<DeviceErrorCode> = new Set<DeviceErrorCode>(['connection-reset', 'timeout', 'unplugged']);

export function isConnectionLoss(error: unknown): error is DeviceError {
	return isDeviceError(error) && CONNECTION_LOSS_CODES.has(error.code);
}

export function failureScope(error: unknown): FailureScope | undefined {
	if (!isDeviceError(error)) return undefined;
	return isFileLevelFailure(error) || FOLDER_FILE_CODES.has(error.code) ? 'file' : 'run';
}

/** A failure as plain data, to record and to send to the page. */
export interface FailureInfo {
	code: DeviceErrorCode;
	message: string;
	advice?: string;
}

export function failureInfo(error: DeviceError): FailureInfo {
	return error.advice === undefined ? { code: error.code, message: error.message } : { code: error.code, message: error.message, advice: error.advice };
}

export function fileChangedError(devicePath: string): DeviceError {
	return new DeviceError('file-changed', `${devicePath} kept changing on the iPhone while it was being copied.`, {
		advice: 'It will be copied by the next backup. If it is a video being saved or edited, let the iPhone finish first.',
	});
}

/**
 * The phone said twice, alike, that the file holds `claimed` bytes, and twice sent another number:
 * not a file being written, a phone that contradicts itself. Nothing of it is kept.
 */
export function sizeMismatchError(devicePath: string, claimed: number, sent: number): DeviceError {
	const got = sent > claimed ? 'more than that' : `${sent.toLocaleString('en-US')}`;
	return new DeviceError(
		'size-mismatch',
		`${devicePath} was not copied: the iPhone says it holds ${claimed.toLocaleString('en-US')} bytes but sent ${got}.`,
		{ advice: 'The next backup tries it again. If it keeps failing, the file may be damaged on the iPhone.' },
	);
}

export function verifyFailedError(path: string): DeviceError {
	return new DeviceError('verify-failed', `The copy of “${path}” read back from the backup folder did not match what the iPhone sent.`, {
		advice: 'The drive may be failing. The file was not kept; it will be copied again by the next backup. Consider checking the drive.',
	});
}
