/**
 * The one place that asks the browser about write permission on the picked folder. A folder picked in
 * an earlier visit comes back as 'prompt' and needs a user gesture before `request` can succeed; OPFS
 * folders are always 'granted'.
 */
import { folderPermissionError } from './folder-errors';

const READ_WRITE = { mode: 'readwrite' } as const;

/** Handles of browsers without the permission methods (OPFS in some engines) count as granted. */
interface MaybePermissionHandle {
	queryPermission?(descriptor: { mode: 'readwrite' }): Promise<PermissionState>;
	requestPermission?(descriptor: { mode: 'readwrite' }): Promise<PermissionState>;
}

/**
 * The folder's read-write permission; with `request`, asks the person when the answer is 'prompt'
 * (call it from a click). Never throws: a failed query or request counts as 'prompt' or 'denied'.
 */
export async function checkPermission(
	root: FileSystemHandle,
	options: { request?: boolean } = {},
): Promise<PermissionState> {
	const handle = root as unknown as MaybePermissionHandle;
	if (typeof handle.queryPermission !== 'function') return 'granted';
	let state: PermissionState;
	try {
		state = await handle.queryPermission(READ_WRITE);
	} catch {
		state = 'prompt';
	}
	if (state !== 'prompt' || options.request !== true || typeof handle.requestPermission !== 'function') return state;
	try {
		return await handle.requestPermission(READ_WRITE);
	} catch {
		// Without a user gesture Chromium throws instead of asking.
		return 'prompt';
	}
}

/** Fails with 'folder-permission' unless the page may write to the folder (asking when `request`). */
export async function requireWritePermission(root: FileSystemHandle, options: { request?: boolean } = {}): Promise<void> {
	if ((await checkPermission(root, options)) !== 'granted') throw folderPermissionError();
}
