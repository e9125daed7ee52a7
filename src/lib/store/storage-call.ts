import { DeviceError, hasErrorName } from '../errors';

/**
 * Runs a database call; any failure becomes a `DeviceError` 'storage' with `message` and advice in
 * plain words (the disk is full, or the browser keeps no data for this site).
 */
export async function storageCall<T>(message: string, call: () => Promise<T>): Promise<T> {
	try {
		return await call();
	} catch (error) {
		// Dexie wraps the browser's DOMException and keeps it as `inner`.
		const inner = (error as { inner?: unknown } | null)?.inner;
		const full = hasErrorName(error, 'QuotaExceededError') || hasErrorName(inner, 'QuotaExceededError');
		throw new DeviceError('storage', message, {
			cause: error,
			advice: full
				? 'The disk is full or the browser’s storage for this site is used up. Free some space and try again.'
				: 'Make sure this page is not open in a private window and that the browser may keep data for this site, ' +
					'then try again.',
		});
	}
}
