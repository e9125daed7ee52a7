import { test as base } from '@playwright/test';
import { UsbHarness } from './usb-harness';

export { expect } from '@playwright/test';
export { UsbHarness } from './usb-harness';

/**
 * Playwright's `test` with a fake WebUSB: `usb` plugs virtual iPhones (`SimUsbHardware`, whose device
 * end the test joins to a usbmux device) into a bus the page and its workers reach through
 * `navigator.usb`; `showDirectoryPicker()` returns the OPFS folder `usb.pickedFolder`.
 */
export const test = base.extend<{ usb: UsbHarness }>({
	// The fake's WebSocket to this process is another origin, which the page's policy rightly refuses;
	// and a service worker would serve the app's workers from its cache, past the route that adds the
	// fake to them. Tests of the policy and of offline use make contexts of their own.
	bypassCSP: async ({}, use) => use(true),
	serviceWorkers: async ({}, use) => use('block'),
	usb: async ({}, use) => {
		const harness = await UsbHarness.start();
		await use(harness);
		await harness.close();
	},
	context: async ({ context, usb }, use) => {
		await usb.installInto(context);
		await use(context);
	},
});
