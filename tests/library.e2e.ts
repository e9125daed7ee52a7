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
	// Ground truth from the simulator's own list, the one its Photos database is built from: what the
	// Photos app shows (Recently Deleted apart), Live Photos and screenshots among the photos.
	const kept = phone.cameraRoll!.assets().filter((asset) => !asset.trashed);
	const number = (count: number) => count.toLocaleString('en');
	const photos = kept.filter((asset) => asset.kind === 'photo');
	const trashed = phone.cameraRoll!.assets().length - kept.length;

	await page.goto('/');
	await page.getByRole('button', { name: 'Connect iPhone' }).click();
	const counts = page.getByTestId('library-counts');
	await expect(counts).toBeVisible({ timeout: 90_000 });
	await expect(counts).toContainText(
		`${number(photos.length)} photos (${number(photos.filter((asset) => asset.live).length)} Live Photos, ${number(photos.filter((asset) => asset.screenshot).length)} screenshots), ${number(kept.length - photos.length)} videos`,
	);
	await expect(page.getByText(`${number(kept.filter((asset) => !asset.originalOnPhone).length)} items are only in iCloud`).first()).toBeVisible();
	await expect(page.getByText(`${number(trashed)} items in Recently Deleted are not backed up`).first()).toBeVisible();
	await page.getByText(/By month/).click();
	await expect(page.getByText('May 2025')).toBeVisible();
	expect(phone.mux.violations).toEqual([]);
});
