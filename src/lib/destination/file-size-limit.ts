/**
 * Drives that cannot hold a large file. FAT32, still how many USB sticks and SD cards come, holds at
 * most 4 GiB − 1 bytes in one file, and a long 4K video is larger.
 *
 * How Chromium reports it: writes of a `FileSystemWritableFileStream` go to its swap file beside the
 * final one, on the same drive, so it is a `write()` that fails, the one that would take the file past
 * the limit; `close()` only renames. On Linux and macOS the kernel says EFBIG, which Chromium's net
 * layer calls ERR_FILE_TOO_BIG, `storage::NetErrorToFileError` has no case for (FILE_ERROR_FAILED), and
 * Blink's `file_error.cc` turns into an InvalidStateError. On Windows, FAT's driver refuses a write
 * whose range does not fit 32 bits with STATUS_DISK_FULL (`FatIsIoRangeValid`, fastfat in Microsoft's
 * Windows-driver-samples), which reaches the page as a QuotaExceededError, like a full drive. So the
 * failure is told by where it happens, not by its name.
 */
import { DeviceError, hasErrorName } from '../errors';
import { formatBytes } from '../ui/format';

/** The most bytes one file may hold on FAT32. */
export const FAT32_MAX_FILE_BYTES = 2 ** 32 - 1;

/**
 * Whether a failed write is the drive's limit on one file: the write would have taken the file past
 * `limit` bytes (`written` before it, `length` in it). At that point any failure counts, whatever its
 * name (see above), except those that say plainly that something else happened: the permission taken
 * back, the folder or drive gone.
 */
export function isFileSizeRefusal(error: unknown, written: number, length: number, limit: number): boolean {
	if (written + length <= limit) return false;
	return !['NotAllowedError', 'SecurityError', 'NotFoundError'].some((name) => hasErrorName(error, name));
}

/**
 * The file at `path` (of `size` bytes, when known) cannot be stored on the backup folder's drive.
 * It fails alone: the backup goes on with the other files.
 */
export function fileTooLargeError(path: string, size?: number, cause?: unknown): DeviceError {
	const what = size === undefined ? `“${path}”` : `“${path}” (${formatBytes(size)})`;
	return new DeviceError('file-too-large-for-drive', `${what} was not copied: the backup folder’s drive cannot hold a file that large.`, {
		cause,
		advice:
			'The drive is most likely formatted as FAT32, which holds files of up to 4 GB. Everything else was backed up. ' +
			'To back up this file too, choose a folder on a drive formatted as exFAT or NTFS (on a Mac, APFS or Mac OS Extended also hold it), ' +
			'or reformat this drive as exFAT: reformatting erases the drive, so copy what is on it elsewhere first.',
	});
}
