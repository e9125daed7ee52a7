/**
 * The walking skeleton end to end: the built page, its device worker and the whole host stack (WebUSB
 * seam → usbmux → lockdownd) against the virtual iPhone, whose USB internals live in this process.
 */
import { expect, test } from './harness/fixtures';
import { VirtualIPhone } from '../src/lib/sim/virtual-iphone';

test('the page claims the iPhone, reaches lockdownd, and reports a pulled cable', async ({ page, usb }) => {
	const phone = await VirtualIPhone.create({ usb: { chunking: 'stream', seed: 3 } });
	usb.plug(phone.hardware);

	await page.goto('/');
	await page.getByRole('button', { name: 'Connect iPhone' }).click();
	const status = page.getByRole('status');
	await expect(status).toContainText('com.apple.mobile.lockdown');
	await expect(status).toContainText(phone.udid);
	expect(phone.mux.violations).toEqual([]);

	phone.unplug();
	const alert = page.getByRole('alert');
	await expect(alert).toContainText('disconnected');
	await expect(alert).toHaveAttribute('data-code', 'unplugged');
	await expect(status).not.toContainText('com.apple.mobile.lockdown');
});

test('a phone that another program holds gets advice instead of a hang', async ({ page, usb }) => {
	const phone = await VirtualIPhone.create();
	phone.hardware.faults.claimBusy = true;
	usb.plug(phone.hardware);
	await page.goto('/');
	await page.getByRole('button', { name: 'Connect iPhone' }).click();
	const alert = page.getByRole('alert');
	await expect(alert).toHaveAttribute('data-code', 'usb-busy');
	// The test machine is Linux: the advice names the exact commands.
	await expect(alert).toContainText('systemctl stop usbmuxd');
});

test('without WebUSB the page says what it needs', async ({ browser }) => {
	const context = await browser.newContext();
	await context.addInitScript(() => {
		delete (Navigator.prototype as { usb?: unknown }).usb;
	});
	const page = await context.newPage();
	await page.goto('/');
	await expect(page.getByRole('alert')).toContainText('cannot talk to an iPhone over USB');
	await expect(page.getByRole('alert')).toContainText('Chrome');
	await expect(page.getByRole('button', { name: 'Connect iPhone' })).toHaveCount(0);
	await context.close();
});
