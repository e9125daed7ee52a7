/**
 * Claiming an iPhone that another program holds, end to end: the page against the virtual iPhone
 * with a simulated system usbmuxd (src/sim/usb/holder.ts) of each OS. Where the OS lets the page take
 * the phone over (macOS: a configuration bounce; Linux: a reset), it connects; where the holder always
 * wins, or the OS never lets a browser in (Windows), the page says so plainly with that OS's advice.
 * The OS is what the page reads from `navigator.userAgentData.platform`; the test machine is Linux.
 */
import type { Page } from '@playwright/test';
import { expect, test } from './harness/fixtures';
import { pretendPlatform } from './harness/platform';
import { tlsDeviceSecurity } from '../src/sim/lockdownd';
import { linuxUsbmuxd, macosUsbmuxd, type SimUsbHolder } from '../src/sim/usb/holder';
import { VirtualIPhone } from '../src/sim/virtual-iphone';

/** Long enough after losing the phone for the page, across the harness's wire, to claim it first. */
const COMES_BACK_LATE_MS = 300;

async function heldPhone(holder: SimUsbHolder) {
	const phone = await VirtualIPhone.create({ security: tlsDeviceSecurity, lockdown: { trust: { pendingPolls: 0 } } });
	phone.hardware.holdBy(holder);
	return phone;
}

async function connect(page: Page) {
	await page.goto('/');
	await page.getByRole('button', { name: 'Connect iPhone' }).click();
}

test('Linux: the page evicts usbmuxd with a reset and connects before it comes back', async ({ page, usb }) => {
	const phone = await heldPhone(linuxUsbmuxd(COMES_BACK_LATE_MS));
	usb.plug(phone.hardware);
	await connect(page);
	await expect(page.getByRole('status')).toContainText('Connected to iPhone', { timeout: 30_000 });
	expect(phone.hardware.heldByOtherProgram).toBe(false);
	// The person hears that the programs which held the phone have lost it while the page holds it.
	await expect(page.getByTestId('claim-taken')).toContainText('This page has taken the iPhone over.');
	await expect(page.getByTestId('claim-taken')).toContainText('unplug the iPhone and plug it back in');
});

test('Linux: a usbmuxd that always comes back first gets the commands to stop it', async ({ page, usb }) => {
	const phone = await heldPhone(linuxUsbmuxd(0));
	usb.plug(phone.hardware);
	await connect(page);
	const alert = page.getByRole('alert');
	await expect(alert).toHaveAttribute('data-code', 'usb-busy', { timeout: 30_000 });
	await expect(alert).toContainText('sudo systemctl stop usbmuxd');
});

test('macOS: the page takes the phone from the system service by a configuration bounce', async ({ page, context, usb }) => {
	await pretendPlatform(context, 'macOS');
	const phone = await heldPhone(macosUsbmuxd(COMES_BACK_LATE_MS));
	usb.plug(phone.hardware);
	await connect(page);
	await expect(page.getByRole('status')).toContainText('Connected to iPhone', { timeout: 30_000 });
	expect(phone.hardware.heldByOtherProgram).toBe(false);
});

test('macOS: a system service that always takes the phone back gets the Mac’s advice', async ({ page, context, usb }) => {
	await pretendPlatform(context, 'macOS');
	const phone = await heldPhone(macosUsbmuxd(0));
	usb.plug(phone.hardware);
	await connect(page);
	const alert = page.getByRole('alert');
	await expect(alert).toHaveAttribute('data-code', 'usb-busy', { timeout: 30_000 });
	await expect(alert).toContainText('macOS keeps iPhones');
	await expect(alert).not.toContainText('systemctl');
});

test('Windows: the page says at once that a browser cannot reach the iPhone there, and what works', async ({ page, context, usb }) => {
	await pretendPlatform(context, 'Windows');
	const phone = await heldPhone(linuxUsbmuxd(0));
	usb.plug(phone.hardware);
	await page.goto('/');
	// Said before anything is tried, not only once the attempt has failed.
	await expect(page.locator('[data-notice="windows-unreachable"]')).toContainText('On Windows a browser can’t reach');
	await page.getByRole('button', { name: 'Connect iPhone' }).click();
	const alert = page.getByRole('alert');
	await expect(alert).toHaveAttribute('data-code', 'usb-busy', { timeout: 30_000 });
	await expect(alert).toContainText('Windows doesn’t let a browser reach');
	await expect(alert).toContainText('Windows Photos app');
});
