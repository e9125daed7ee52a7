import { DeviceError, isDeviceError } from '../errors';
import type { DeviceFiles } from '../library';
import { abortable, sleep } from '../streams/waits';

export interface ReopenSteps {
	/** Starts the file service on the current lockdown session and connects to it. */
	openFiles(): Promise<DeviceFiles>;
	/** Opens a new lockdown session with the stored pairing, for when the old one is gone too. */
	renewSession(): Promise<void>;
}

export interface ReopenOptions {
	signal: AbortSignal;
	/** The phone refuses while locked: the person is told, and asked again every `unlockPollMs`. */
	waiting: (reason: DeviceError) => void;
	/** How often a locked phone is asked again (default 2 s). */
	unlockPollMs?: number;
}

/** What the person reads while a locked phone holds the backup up. */
export function unlockToGoOn(cause: unknown): DeviceError {
	return new DeviceError('locked', 'Unlock your iPhone: the backup goes on as soon as it is unlocked.', {
		advice: 'Unlock it with Face ID, Touch ID or its passcode and keep it unlocked for a moment. Nothing already copied is lost.',
		cause,
	});
}

/**
 * Opens the phone's file service again after its connection broke, the phone still on the cable:
 * first on the lockdown session there is; when that fails (the session was dropped as well), once
 * more on a new session. A locked phone is waited for, however long, until `signal` aborts; any other
 * failure is thrown, for the run to stop and the person to resume.
 */
export async function reopenFiles(steps: ReopenSteps, options: ReopenOptions): Promise<DeviceFiles> {
	const { signal } = options;
	let renew = false;
	let renewed = false;
	for (;;) {
		signal.throwIfAborted();
		try {
			if (renew) {
				await abortable(steps.renewSession(), signal);
				renew = false;
				renewed = true;
			}
			return await abortable(steps.openFiles(), signal);
		} catch (error) {
			if (signal.aborted) throw signal.reason;
			if (isDeviceError(error, 'locked')) {
				options.waiting(unlockToGoOn(error));
				await sleep(options.unlockPollMs ?? 2_000, signal);
				continue;
			}
			if (renewed || renew || !isDeviceError(error) || error.code === 'unplugged') throw error;
			renew = true;
		}
	}
}
