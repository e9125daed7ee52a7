/**
 * Another program on the host that holds the iPhone's usbmux interface: the system's usbmuxd. What it
 * does when a browser tries to take the interface differs by operating system, and that difference is
 * what decides how a page can win it (docs: platforms-and-peers §2.3–2.4, from netmuxd's
 * `src/usb/apple.rs`):
 *
 * - Linux: usbfs refuses SET_CONFIGURATION while another process has claimed an interface (EBUSY), and
 *   refuses the claim itself; a bus reset (`USBDevice.reset()`) evicts every claimer, and usbmuxd's
 *   hotplug callback reattaches a moment later, so the browser, which keeps its handle, can claim first.
 * - macOS: IOKit lets anyone with a device handle issue SET_CONFIGURATION, which tears down the other
 *   claimers, so bouncing through a configuration without the mux and back frees the interface; Apple's
 *   usbmuxd keeps an exclusive session that makes a reset fail, and in Chromium a failed reset spoils
 *   the next configuration change on that handle.
 *
 * How fast the holder comes back after losing the interface decides whether the page can ever win.
 */
export interface SimUsbHolder {
	/** Who holds it, for test names and traces. */
	readonly name: string;
	/** Another handle's SET_CONFIGURATION: refused while held (Linux), or obeyed, evicting the holder (macOS). */
	readonly onConfigurationChange: 'refuse' | 'yield';
	/** Another handle's bus reset: evicts the holder (Linux), or is refused (macOS). */
	readonly onReset: 'yield' | 'refuse';
	/**
	 * Milliseconds from losing the interface to claiming it again, if it is free then; 0: at once, before
	 * any other program can (a holder the page can never beat).
	 */
	readonly comesBackAfterMs: number;
}

/** usbmuxd on Linux, started by its udev rule; its hotplug callback reattaches after a reset. */
export function linuxUsbmuxd(comesBackAfterMs = 50): SimUsbHolder {
	return { name: 'usbmuxd (Linux)', onConfigurationChange: 'refuse', onReset: 'yield', comesBackAfterMs };
}

/** Apple's usbmuxd on macOS: cannot be switched off, yields to a configuration change, blocks resets. */
export function macosUsbmuxd(comesBackAfterMs = 50): SimUsbHolder {
	return { name: 'usbmuxd (macOS)', onConfigurationChange: 'yield', onReset: 'refuse', comesBackAfterMs };
}
