import { withDeadline } from '../streams/waits';
import type { HostOs } from './host-os';
import { usbFailure, usbStepTimedOut, type UsbStep } from './usb-failure';

/**
 * How long one WebUSB call made while opening the phone may take. Each is a round trip to the
 * browser's USB service, done in milliseconds; one that hangs (a hub or driver that never answers)
 * must not hold the page.
 */
const STEP_DEADLINE_MS = 15_000;

/** One WebUSB call of `step`, rejected with a 'timeout' `DeviceError` if it does not answer in time. */
export function boundedUsbCall(step: UsbStep, call: () => Promise<void>): Promise<void> {
	return withDeadline(call(), STEP_DEADLINE_MS, () => usbStepTimedOut(step));
}

/** One bounded WebUSB call of `step`, its failure as a `DeviceError` with advice for `os`. */
export async function usbStep(step: UsbStep, os: HostOs, call: () => Promise<void>): Promise<void> {
	try {
		await boundedUsbCall(step, call);
	} catch (error) {
		throw usbFailure(error, step, os);
	}
}
