/**
 * File System Access failures (DOMExceptions, told apart by name) as `DeviceError`s in plain words.
 */
import { DeviceError, hasErrorName, isDeviceError } from '../errors';

const GONE_ADVICE =
	'If the folder is on an external drive, plug the drive back in. If the folder was moved, renamed or deleted, choose it again. Then continue: files already copied are kept.';

export function diskFullError(cause?: unknown): DeviceError {
	return new DeviceError('disk-full', 'The backup folder’s drive is full.', {
		cause,
		advice: 'Make room on that drive, or choose a folder on a drive with more free space, then continue: files already copied are kept.',
	});
}

export function folderPermissionError(cause?: unknown): DeviceError {
	return new DeviceError('folder-permission', 'This page may no longer write to the backup folder.', {
		cause,
		advice: 'Choose the folder again (the same folder is fine) and allow the browser to save changes to it, then continue.',
	});
}

export function folderGoneError(cause?: unknown): DeviceError {
	return new DeviceError('folder-gone', 'The backup folder can no longer be found.', { cause, advice: GONE_ADVICE });
}

export function fileExistsError(path: string, cause?: unknown): DeviceError {
	return new DeviceError('folder-file-exists', `“${path}” is already in the backup folder; it was left as it is.`, { cause });
}

export function fileMissingError(path: string, cause?: unknown): DeviceError {
	return new DeviceError('folder-file-missing', `“${path}” is not in the backup folder.`, { cause });
}

export function folderFailedError(message: string, cause?: unknown): DeviceError {
	return new DeviceError('folder-failed', message, {
		cause,
		advice: 'Check that the drive is connected and not read-only, then try again.',
	});
}

/** True while `folder` can still be listed; false when it is gone. */
async function folderExists(folder: FileSystemDirectoryHandle): Promise<boolean | 'no-permission'> {
	try {
		await folder.keys().next();
		return true;
	} catch (error) {
		if (hasErrorName(error, 'NotFoundError')) return false;
		if (hasErrorName(error, 'NotAllowedError') || hasErrorName(error, 'SecurityError')) return 'no-permission';
		return true;
	}
}

/**
 * The `DeviceError` for a failure while working on `path` (relative to `folder`, for messages). A
 * NotFoundError means the folder is gone when the folder itself can no longer be listed, and a
 * missing file otherwise.
 */
export async function toFolderError(error: unknown, folder: FileSystemDirectoryHandle, path = ''): Promise<DeviceError> {
	if (isDeviceError(error)) return error;
	if (hasErrorName(error, 'QuotaExceededError')) return diskFullError(error);
	if (hasErrorName(error, 'NotAllowedError') || hasErrorName(error, 'SecurityError')) return folderPermissionError(error);
	if (hasErrorName(error, 'NotFoundError')) {
		const exists = await folderExists(folder);
		if (exists === false) return folderGoneError(error);
		if (exists === 'no-permission') return folderPermissionError(error);
		return fileMissingError(path, error);
	}
	const what = path === '' ? 'the backup folder' : `“${path}” in the backup folder`;
	if (hasErrorName(error, 'NoModificationAllowedError')) {
		return folderFailedError(`Could not change ${what}: another tab or program is using it.`, error);
	}
	if (hasErrorName(error, 'NotReadableError')) return folderFailedError(`Could not read ${what}.`, error);
	if (hasErrorName(error, 'TypeMismatchError')) {
		return folderFailedError(`Could not use ${what}: a folder is where a file should be, or a file where a folder should be.`, error);
	}
	return folderFailedError(`Could not write ${what}.`, error);
}

/** Runs `work`, turning any failure into the `DeviceError` for `path`. */
export async function guarded<T>(folder: FileSystemDirectoryHandle, path: string, work: () => Promise<T>): Promise<T> {
	try {
		return await work();
	} catch (error) {
		throw await toFolderError(error, folder, path);
	}
}
