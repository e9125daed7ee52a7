import { DeviceError, isDeviceError } from '../errors';
import { sleep } from '../streams/waits';

/** How long a backup waits for a phone whose cable came out before it stops and says so. */
export const DEFAULT_REPLUG_WAIT_MS = 90_000;
/** How often the browser's granted devices are looked through for the phone meanwhile. */
const POLL_MS = 500;

/**
 * Failures of one attempt to reach a phone that is coming back: it is not listed yet, it went again
 * while being opened, or it was not ready to answer yet (a phone just plugged in starts its usbmux a
 * moment after it enumerates). The next look may succeed.
 */
const NOT_BACK_YET = new Set(['unplugged', 'no-device', 'timeout', 'connection-reset', 'connection-closed', 'usb-transfer']);

/** What the person reads while the backup waits for the cable. */
export function waitingForCable(): DeviceError {
	return new DeviceError('unplugged', 'The iPhone was disconnected. Plug it back in: the backup goes on by itself.', {
		advice: 'Nothing already copied is lost, and the file that was being copied starts again.',
	});
}

/** What the person is told to do once a backup is left waiting for its phone. */
export const RESUME_WHEN_BACK =
	'Plug it back in and unlock it: this page connects to it by itself and the backup goes on from where it stopped. Nothing already copied is lost.';

/** What the person reads once the wait is over. */
export function phoneDidNotReturn(waitedMs: number, cause?: unknown): DeviceError {
	const waited = waitedMs < 120_000 ? `${Math.round(waitedMs / 1000)} seconds` : `${Math.round(waitedMs / 60_000)} minutes`;
	return new DeviceError('unplugged', `The iPhone was disconnected and did not come back within ${waited}.`, {
		cause,
		advice: RESUME_WHEN_BACK,
	});
}

export interface PhoneReturnOptions<T> {
	/** One look: the phone opened, or undefined while it is not plugged in. */
	attempt(): Promise<T | undefined>;
	/** Cancel: the wait ends with the signal's reason. */
	signal: AbortSignal;
	/** The bound on the whole wait. */
	timeoutMs: number;
	pollMs?: number;
	now?: () => number;
}

/**
 * Waits for a phone whose cable came out: looks for it every half second until `attempt` opens it,
 * the bound passes ('unplugged', saying so in plain words) or the person cancels. A failure that
 * another look cannot cure (the browser lost permission, another program holds the phone) ends the
 * wait at once.
 */
export async function waitForPhone<T>(options: PhoneReturnOptions<T>): Promise<T> {
	const now = options.now ?? Date.now;
	const started = now();
	let last: unknown;
	for (;;) {
		options.signal.throwIfAborted();
		try {
			const phone = await options.attempt();
			if (phone !== undefined) return phone;
		} catch (error) {
			if (options.signal.aborted) throw options.signal.reason;
			if (!isDeviceError(error) || !NOT_BACK_YET.has(error.code)) throw error;
			last = error;
		}
		if (now() - started >= options.timeoutMs) throw phoneDidNotReturn(options.timeoutMs, last);
		await sleep(options.pollMs ?? POLL_MS, options.signal);
	}
}
