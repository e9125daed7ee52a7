/**
 * One fact, one number: what the page says is only in iCloud reads the same in the overview, under the
 * timeline, in the plan and in the result, before and after a backup; and where the numbers come from
 * is said in one line when the Photos library database cannot be read. (Both need the virtual iPhone's
 * camera roll to hold `/PhotoData/Photos.sqlite`.)
 */
import type { Page } from '@playwright/test';
import { expect, test } from './harness/fixtures';
import { loadRealMedia } from '../src/sim/camera-roll/real-media-node';
import { tlsDeviceSecurity } from '../src/sim/lockdownd';
import { VirtualIPhone } from '../src/sim/virtual-iphone';

/** "N items are only in iCloud" as the overview says it. */
async function iCloudNumber(page: Page): Promise<string> {
	const line = (await page.getByTestId('library-icloud').textContent()) ?? '';
	const number = /([\d,]+) items? (?:is|are) only in iCloud/.exec(line)?.[1];
	expect(number, line).toBeDefined();
	return number!;
}

const items = (number: string) => (number === '1' ? '1 item' : `${number} items`);

test('the overview, the timeline, the plan and the result give one number of items only in iCloud', async ({ page, usb }) => {
	test.setTimeout(180_000);
	const phone = await VirtualIPhone.create({
		security: tlsDeviceSecurity,
		lockdown: { trust: { pendingPolls: 0 } },
		cameraRoll: { profile: 'demo', realMedia: await loadRealMedia() },
	});
	usb.plug(phone.hardware);
	await page.goto('/');
	await page.getByRole('button', { name: 'Connect iPhone' }).click();
	await expect(page.getByTestId('library-counts')).toBeVisible({ timeout: 60_000 });
	const before = await iCloudNumber(page);

	await page.getByRole('button', { name: 'Choose backup folder' }).click();
	await expect(page.getByTestId('plan-summary')).toBeVisible({ timeout: 60_000 });
	const planned = await iCloudNumber(page);
	await expect(page.getByTestId('plan-icloud')).toContainText(`${items(planned)} ${planned === '1' ? 'is' : 'are'} only in iCloud`);
	await expect(page.getByTestId('timeline-summary')).toContainText(`${items(planned)} ${planned === '1' ? 'is' : 'are'} only in iCloud`);
	// Comparing with an empty folder finds nothing new in iCloud.
	expect(planned).toBe(before);

	await page.getByRole('button', { name: 'Start backup' }).click();
	const status = page.getByRole('status', { name: 'Backup status' });
	await expect(status).toContainText('Backup complete', { timeout: 120_000 });
	const after = await iCloudNumber(page);
	await expect(status).toContainText(`${items(after)} only in iCloud`);
	await expect(page.getByTestId('timeline-summary')).toContainText(`${items(after)} ${after === '1' ? 'is' : 'are'} only in iCloud`);
	expect(phone.mux.violations).toEqual([]);
});

test('the overview says in one line that the numbers come from the files alone when the Photos database cannot be read', async ({ page, usb }) => {
	test.setTimeout(120_000);
	const phone = await VirtualIPhone.create({
		security: tlsDeviceSecurity,
		lockdown: { trust: { pendingPolls: 0 } },
		cameraRoll: { profile: 'small', realMedia: await loadRealMedia() },
	});
	// The phone refuses to give the database's bytes: the library is read from the files alone.
	phone.cameraRoll!.setUnreadable('/PhotoData/Photos.sqlite');
	usb.plug(phone.hardware);
	await page.goto('/');
	await page.getByRole('button', { name: 'Connect iPhone' }).click();
	await expect(page.getByTestId('library-counts')).toContainText('Live Photo', { timeout: 60_000 });
	await expect(page.getByTestId('library-source')).toHaveText(
		'These numbers come from the files alone: the iPhone would not let this page read its Photos library database.',
	);
	await expect(page.getByTestId('library-hidden-favorites')).toHaveCount(0);
	// The backup goes on as without a database.
	await page.getByRole('button', { name: 'Choose backup folder' }).click();
	await page.getByRole('button', { name: 'Start backup' }).click();
	await expect(page.getByRole('status', { name: 'Backup status' })).toContainText('Backup complete', { timeout: 60_000 });
	expect(phone.mux.violations).toEqual([]);
});
