/**
 * The camera roll as the page sees it: the `typical` virtual iPhone (about 3,000 items) listed over the
 * fake WebUSB, grouped into assets with capture dates, in Chromium.
 */
import { expect, test } from './harness/fixtures';
import { loadRealMedia } from '../src/sim/camera-roll/real-media-node';
import { tlsDeviceSecurity } from '../src/sim/lockdownd';
import { VirtualIPhone } from '../src/sim/virtual-iphone';

test('lists the whole typical camera roll grouped into assets, by month, with what is only in iCloud', async ({ page, usb }) => {
	test.setTimeout(120_000);
	const phone = await VirtualIPhone.create({
		security: tlsDeviceSecurity,
		lockdown: { trust: { pendingPolls: 0 } },
		cameraRoll: { profile: 'typical', realMedia: await loadRealMedia() },
	});
	usb.plug(phone.hardware);
	const files = [...phone.cameraRoll!.files()];
	const count = (tag: string) => files.filter((file) => file.tag === tag).length;
	const placeholders = new Set(files.filter((file) => file.unreadable).map((file) => file.path.replace(/\.[^.]+$/, '')));

	await page.goto('/');
	await page.getByRole('button', { name: 'Connect iPhone' }).click();
	const counts = page.getByTestId('library-counts');
	await expect(counts).toBeVisible({ timeout: 90_000 });
	// Ground truth from the simulator's own plan: one Live Photo per live movie, the real Live Photo
	// (IMG_3582) and the real screenshot and video among them.
	await expect(counts).toContainText(`${(count('live-video') + 1).toLocaleString('en')} Live Photos`);
	await expect(counts).toContainText(`${(count('screenshot') + 1).toLocaleString('en')} screenshots`);
	await expect(page.getByText(`${placeholders.size.toLocaleString('en')} items are only in iCloud`)).toBeVisible();
	await page.getByText(/By month/).click();
	await expect(page.getByText('May 2025')).toBeVisible();
	expect(phone.mux.violations).toEqual([]);
});
