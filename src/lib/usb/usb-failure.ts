import { DeviceError, hasErrorName, isDeviceError } from '../errors';
import type { HostOs } from './host-os';

/** Which WebUSB call failed: the same DOMException means different things at different steps. */
export type UsbStep = 'request' | 'open' | 'configure' | 'claim' | 'reset' | 'transfer';

const REPLUG = 'Then unplug the iPhone, plug it back in and click Connect again.';

/**
 * What works instead on Windows. WebUSB needs WinUSB, which selects only a device's first configuration
 * (reillyeon, whatwg/usb#124): the iPhone's first is its camera (PTP) view, held by Windows' own stack,
 * and the usbmux interface lives in a later one that Apple's driver selects and owns (docs:
 * platforms-and-peers §2.3). No service a person can stop changes that, so the words say so plainly.
 */
export const WINDOWS_ALTERNATIVES =
	'What works: open this page in Chrome on a Chromebook, a Linux computer, a Mac or an Android phone. Or, on ' +
	'this PC, import the photos with the Windows Photos app (Import, then From a connected device) or copy them ' +
	'in File Explorer from This PC › Apple iPhone › Internal Storage › DCIM; unlock the iPhone and tap Allow when ' +
	'it asks.';

const WINDOWS_CANNOT =
	'On Windows a browser cannot reach the part of the iPhone this page needs: Windows gives the browser only the ' +
	'iPhone’s camera view, and the connection this page uses belongs to Apple’s driver (installed with Apple ' +
	'Devices or iTunes). Quitting Apple’s programs or stopping the Apple Mobile Device Service ' +
	'(net stop "Apple Mobile Device Service") does not change that. ' +
	WINDOWS_ALTERNATIVES;

const BUSY_ADVICE: Record<HostOs, string> = {
	linux:
		'On Linux the usbmuxd service takes every iPhone that is plugged in, and this page could not take the iPhone ' +
		'from it. Stop it while you use this page: open a terminal and run\n' +
		'  sudo systemctl stop usbmuxd\n' +
		'  sudo systemctl mask usbmuxd\n' +
		'(the second command keeps it from starting again when the iPhone is plugged in; ' +
		'“sudo systemctl unmask usbmuxd” undoes it later). Close file managers, photo apps and other tabs of this ' +
		`page that may be showing the iPhone. ${REPLUG}`,
	macos:
		'macOS keeps iPhones for itself: a system service that Finder and Photos use holds the phone, and it cannot ' +
		'be switched off. This page tried to take the iPhone from it, and macOS kept it. Quit Photos, Image Capture, ' +
		'Music and Xcode and close Finder windows showing the iPhone, then unplug it, plug it back in, allow it if ' +
		'macOS asks whether the accessory may connect, and click Connect again straight away. If it still fails, ' +
		'this Mac does not let a web page reach the iPhone: copy your photos with Photos or Image Capture, or use ' +
		'this page on a Linux computer or a Chromebook.',
	windows: WINDOWS_CANNOT,
	chromeos:
		'Nothing needs to be installed on a Chromebook. Close other tabs and apps that may be using the iPhone. ' +
		REPLUG,
	android:
		'Close other apps that may be using the iPhone, then unplug it, plug it back in, allow access when Android ' +
		'asks, and click Connect again.',
	unknown:
		'Close other programs and tabs that may be using the iPhone (iTunes, Apple Devices, Finder, Photos, ' +
		`usbmuxd). ${REPLUG}`,
};

const PERMISSION_ADVICE: Record<HostOs, string> = {
	linux:
		'Your user account is not allowed to use the iPhone over USB. Open a terminal and run\n' +
		'  echo \'SUBSYSTEM=="usb", ATTR{idVendor}=="05ac", MODE="0660", TAG+="uaccess"\' | sudo tee /etc/udev/rules.d/70-iphone-webusb.rules\n' +
		'  sudo udevadm control --reload-rules\n' +
		'  sudo udevadm trigger\n' +
		'then unplug the iPhone and plug it back in. A browser installed as a Snap or Flatpak may not reach USB ' +
		'devices at all; use one installed from your distribution’s packages or the vendor’s .deb or .rpm.',
	macos:
		'Unlock the iPhone, unplug it and plug it back in. If macOS asks whether to allow the accessory to connect, ' +
		'allow it. Then click Connect again.',
	windows: WINDOWS_CANNOT,
	chromeos: 'Unplug the iPhone, plug it back in, allow access if ChromeOS asks, and click Connect again.',
	android: 'Unplug the iPhone, plug it back in, allow access when Android asks, and click Connect again.',
	unknown: 'Unplug the iPhone, plug it back in, unlock it, allow access if the computer asks, and click Connect again.',
};

const WINDOWS_UNREACHABLE = 'Windows doesn’t let a browser reach the iPhone’s connection this page needs.';

export function usbBusy(os: HostOs, cause?: unknown): DeviceError {
	const message =
		os === 'windows' ? WINDOWS_UNREACHABLE : 'Another program on this computer is using the iPhone, so this page can’t reach it.';
	return new DeviceError('usb-busy', message, {
		cause,
		advice: BUSY_ADVICE[os],
	});
}

export function usbPermissionDenied(os: HostOs, cause?: unknown): DeviceError {
	const message = os === 'windows' ? WINDOWS_UNREACHABLE : 'This computer didn’t let the browser use the iPhone.';
	return new DeviceError('usb-permission', message, {
		cause,
		advice: PERMISSION_ADVICE[os],
	});
}

export function noIPhoneConnected(): DeviceError {
	return new DeviceError('no-device', 'No iPhone is connected to this page yet.', {
		advice: 'Plug the iPhone into this computer with a USB cable, unlock it, and click Connect to choose it.',
	});
}

export function notAnIPhone(isApple: boolean, os: HostOs): DeviceError {
	if (!isApple) {
		return new DeviceError('not-an-iphone', 'The chosen device isn’t an iPhone.', {
			advice: 'Click Connect and choose your iPhone in the list.',
		});
	}
	return new DeviceError('not-an-iphone', 'The iPhone isn’t offering the connection this page needs.', {
		advice:
			os === 'windows'
				? WINDOWS_CANNOT
				: 'Unplug the iPhone and plug it back in (that resets its USB mode), unlock it, and click Connect again.',
	});
}

/**
 * An iPhone in its network-only USB mode (iOS 17+ "mode 5"): another program switched it so, and it
 * stays so until it is unplugged. Switching it back from the page would re-enumerate it as a device the
 * browser has not been granted, so the page says what to do instead.
 */
export function networkOnlyMode(): DeviceError {
	return new DeviceError('usb-mode', 'The iPhone is in a USB mode that only shares its network, without the connection this page needs.', {
		advice:
			'Another program on this computer switched it to that mode. Quit programs that use the iPhone as a network connection, unplug the iPhone, plug it back in (it starts in its usual mode), and click Connect again.',
	});
}

export function iPhoneUnplugged(cause?: unknown): DeviceError {
	return new DeviceError('unplugged', 'The iPhone was disconnected.', {
		cause,
		advice: 'Plug the iPhone back in, unlock it, and click Connect again.',
	});
}

/** A WebUSB call that did not answer in time. */
export function usbStepTimedOut(step: UsbStep): DeviceError {
	return new DeviceError('timeout', `The computer did not answer when the browser tried to ${step} the iPhone.`, {
		advice: 'Unplug the iPhone, plug it back in and try again. If it keeps happening, try another USB port or cable.',
	});
}

export function usbTransferFailed(detail: string | undefined, cause?: unknown): DeviceError {
	const why = detail === undefined ? '' : ` (${detail})`;
	return new DeviceError('usb-transfer', `The USB connection to the iPhone stopped working${why}.`, {
		cause,
		advice: 'Unplug the iPhone, plug it back in and click Connect again. If it keeps happening, try another cable or USB port.',
	});
}

/**
 * A WebUSB failure at `step` as a `DeviceError` for the person at the computer, with advice for their
 * operating system. Pure: the error, the step and the OS in, the DeviceError out.
 */
export function usbFailure(error: unknown, step: UsbStep, os: HostOs = 'unknown'): DeviceError {
	if (isDeviceError(error)) return error;
	const named = (name: string) => hasErrorName(error, name);
	switch (step) {
		case 'request':
			if (named('NotFoundError')) {
				return new DeviceError('no-device', 'No iPhone was chosen.', {
					cause: error,
					advice: 'Click Connect and pick your iPhone in the list. If it isn’t there, check the cable and unlock the iPhone.',
				});
			}
			if (named('SecurityError')) {
				return new DeviceError('usb-permission', 'The browser didn’t let this page ask for a USB device.', {
					cause: error,
					advice: 'Click the Connect button to choose your iPhone. If the page is shown inside another site, open it in a tab of its own.',
				});
			}
			return usbTransferFailed('the browser could not list USB devices', error);
		case 'open':
		case 'configure':
		case 'claim':
		case 'reset':
			if (named('NotFoundError')) return iPhoneUnplugged(error);
			if (named('SecurityError')) return usbPermissionDenied(os, error);
			// NetworkError ("Unable to claim interface.", "Unable to set device configuration.") and the rest.
			return usbBusy(os, error);
		case 'transfer':
			if (named('NetworkError') || named('NotFoundError')) return iPhoneUnplugged(error);
			if (named('AbortError')) {
				return new DeviceError('connection-closed', 'The connection to the iPhone was closed.', { cause: error });
			}
			if (named('TimeoutError')) {
				return new DeviceError('timeout', 'The iPhone stopped answering over USB.', {
					cause: error,
					advice: 'Unlock the iPhone, unplug it, plug it back in and click Connect again.',
				});
			}
			return usbTransferFailed(undefined, error);
	}
}
