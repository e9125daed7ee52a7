import { hasErrorName } from '../errors';
import { sleep } from '../streams/waits';
import type { HostOs } from './host-os';
import { muxInterfaceOf, type MuxInterfaceLocation } from './mux-interface';
import { usbFailure, type UsbStep } from './usb-failure';
import { boundedUsbCall } from './usb-step';

/**
 * Claiming the mux interface when another program may hold it, the way netmuxd's WebUSB path wins it
 * (`jkcoxson/netmuxd:src/usb/apple.rs`; docs: platforms-and-peers §2.4):
 *
 * 1. The active configuration, if it has the mux, is claimed without `selectConfiguration`: on Linux a
 *    SET_CONFIGURATION fails with EBUSY while any other program has claimed any interface.
 * 2. `bounce`: the device goes through a configuration without the mux and back. IOKit lets anyone with
 *    a device handle re-configure it, which takes the interface from macOS's own usbmuxd; the page
 *    claims before that service comes back.
 * 3. `reset`: a bus reset evicts every claimer on Linux (usbmuxd included); the browser keeps its
 *    handle and claims before usbmuxd's hotplug callback reattaches. A reset that fails is never tried
 *    again: in Chromium it spoils the next configuration change (netmuxd), and it fails for a reason
 *    (macOS's exclusive session) that does not go away.
 *
 * Which of 2 and 3 are tried, and how often, depends on the OS (`CLAIM_PLANS`). Windows gets neither:
 * the browser there only ever sees the first configuration, and Apple's driver owns the mux.
 */

/** What `claimMux` is doing, for the page to show while it works (words: `claimProgressWords`). */
export type ClaimProgress =
	| { readonly kind: 'trying'; readonly method: ClaimMethod; readonly attempt: number; readonly attempts: number }
	/** The interface was won from another program: while the page holds it, that program has lost the phone. */
	| { readonly kind: 'taken'; readonly method: Exclude<ClaimMethod, 'claim'> };

export type ClaimMethod = 'claim' | 'bounce' | 'reset';

export interface ClaimPlan {
	/** Tries through a configuration without the mux and back, after the first plain claim. */
	readonly bounces: number;
	/** Bus resets after the bounces; a failed reset ends them. */
	readonly resets: number;
}

/**
 * Bounded, per OS. macOS: bounces only (a reset fails there while the system service holds the phone).
 * Linux: resets only (the bounce's SET_CONFIGURATION is refused while usbmuxd holds the interface).
 * ChromeOS and Android hold no iPhone themselves (§2.3): whatever holds it is an app or tab the person
 * runs, which the page does not fight. Unknown: a little of both, as netmuxd does everywhere.
 */
export const CLAIM_PLANS: Readonly<Record<HostOs, ClaimPlan>> = {
	macos: { bounces: 5, resets: 0 },
	linux: { bounces: 0, resets: 3 },
	unknown: { bounces: 2, resets: 2 },
	chromeos: { bounces: 0, resets: 0 },
	android: { bounces: 0, resets: 0 },
	windows: { bounces: 0, resets: 0 },
};

/** The pause before each try after the first: the holder's own claim settles, macOS's accessory prompt passes. */
export const CLAIM_PAUSE_MS = 250;

export interface ClaimMuxOptions {
	readonly os: HostOs;
	readonly onProgress?: (progress: ClaimProgress) => void;
	/** Default `CLAIM_PAUSE_MS`. */
	readonly pauseMs?: number;
}

/** A WebUSB refusal that means "another program holds it" (Chromium: "Unable to claim interface." and kin). */
function isHeld(error: unknown): boolean {
	return hasErrorName(error, 'NetworkError');
}

class Held {
	constructor(
		readonly step: UsbStep,
		readonly error: unknown,
	) {}
}

/**
 * Makes `mux` claimed on the opened `device`, taking it from another program if the OS allows (see
 * above). Resolves once claimed; rejects with a `DeviceError` (for a held interface: 'usb-busy' with
 * `os`'s advice) once the plan is spent. Every call is bounded; so is the number of tries.
 */
export async function claimMux(device: USBDevice, mux: MuxInterfaceLocation, options: ClaimMuxOptions): Promise<void> {
	const { os, onProgress } = options;
	const plan = CLAIM_PLANS[os];
	const pauseMs = options.pauseMs ?? CLAIM_PAUSE_MS;
	const withoutMux = device.configurations.find((c) => muxInterfaceOf(c) === undefined)?.configurationValue;
	const bounces = withoutMux === undefined ? 0 : plan.bounces;
	const attempts = 1 + bounces + plan.resets;
	let attempt = 1;

	onProgress?.({ kind: 'trying', method: 'claim', attempt, attempts });
	let held = await configureAndClaim(device, mux, os);
	if (!held) return;

	for (let i = 0; i < bounces; i++) {
		await sleep(pauseMs);
		onProgress?.({ kind: 'trying', method: 'bounce', attempt: ++attempt, attempts });
		const away = withoutMux!;
		held =
			(await attemptStep('configure', os, () => device.selectConfiguration(away))) ??
			(await configureAndClaim(device, mux, os));
		if (!held) {
			onProgress?.({ kind: 'taken', method: 'bounce' });
			return;
		}
	}

	for (let i = 0; i < plan.resets; i++) {
		await sleep(pauseMs);
		onProgress?.({ kind: 'trying', method: 'reset', attempt: ++attempt, attempts });
		const refused = await attemptStep('reset', os, () => device.reset());
		// Never again after a failed reset, and the error to show stays the holder's, not the reset's.
		if (refused) break;
		held = await configureAndClaim(device, mux, os);
		if (!held) {
			onProgress?.({ kind: 'taken', method: 'reset' });
			return;
		}
	}
	throw usbFailure(held.error, held.step, os);
}

/** Selects the mux configuration if it is not the active one, and claims the interface; `Held` if refused. */
async function configureAndClaim(device: USBDevice, mux: MuxInterfaceLocation, os: HostOs): Promise<Held | undefined> {
	if (device.configuration?.configurationValue !== mux.configurationValue) {
		const held = await attemptStep('configure', os, () => device.selectConfiguration(mux.configurationValue));
		if (held) return held;
	}
	return attemptStep('claim', os, () => device.claimInterface(mux.interfaceNumber));
}

/**
 * One bounded WebUSB call: `Held` when another program is in the way (worth another try), a thrown
 * `DeviceError` for anything else (unplugged, access denied, a call that never answered).
 */
async function attemptStep(step: UsbStep, os: HostOs, call: () => Promise<void>): Promise<Held | undefined> {
	try {
		await boundedUsbCall(step, call);
		return undefined;
	} catch (error) {
		if (isHeld(error)) return new Held(step, error);
		throw usbFailure(error, step, os);
	}
}
