/**
 * A whole backup in Chromium: the page, the device worker, the hash worker and the picked folder (OPFS
 * in place of the folder picker), against the virtual iPhone over the fake WebUSB. The checks read the
 * folder back in the page and compare with what the simulator knows about every file.
 */
import type { Page } from '@playwright/test';
import { expectCompleteBackup, folderContents } from './harness/backup-folder-checks';
import { expect, test } from './harness/fixtures';
import { loadRealMedia } from '../src/sim/camera-roll/real-media-node';
import { tlsDeviceSecurity } from '../src/sim/lockdownd';
import { VirtualIPhone } from '../src/sim/virtual-iphone';

async function demoProfilePhone() {
	return VirtualIPhone.create({
		security: tlsDeviceSecurity,
		lockdown: { trust: { pendingPolls: 0 } },
		cameraRoll: { profile: 'demo', realMedia: await loadRealMedia() },
	});
}

async function connectAndChooseFolder(page: Page) {
	await page.goto('/');
	await page.getByRole('button', { name: 'Connect iPhone' }).click();
	await expect(page.getByTestId('library-counts')).toBeVisible({ timeout: 60_000 });
	await page.getByRole('button', { name: 'Choose backup folder' }).click();
	await expect(page.getByTestId('plan-summary')).toBeVisible({ timeout: 60_000 });
}

test('backs up every file with the right SHA-256, by month, verifiable with sha256sum; the next run copies only what is new', async ({ page, usb }) => {
	test.setTimeout(300_000);
	const phone = await demoProfilePhone();
	usb.plug(phone.hardware);
	const roll = phone.cameraRoll!;
	await connectAndChooseFolder(page);
	await page.getByRole('button', { name: 'Start backup' }).click();
	await expect(page.getByRole('progressbar', { name: 'Backup progress' })).toBeVisible();
	const status = page.getByRole('status', { name: 'Backup status' });
	await expect(status).toContainText('Backup complete', { timeout: 240_000 });
	await expect(page).toHaveTitle(/Backup complete/);

	await expectCompleteBackup(page, usb.pickedFolder, phone);
	const contents = await folderContents(page, usb.pickedFolder);
	const deviceFolder = Object.keys(contents).find((path) => path.endsWith('/manifest.json'))!.split('/')[0]!;
	// The real Live Photo is in its month, still and movie side by side.
	expect(contents[`${deviceFolder}/2025/05/IMG_3582.HEIC`]).toBeDefined();
	expect(contents[`${deviceFolder}/2025/05/IMG_3582.MOV`]).toBeDefined();

	await page.getByRole('button', { name: 'Verify backup' }).click();
	await expect(page.getByTestId('verify-result')).toContainText('Verified', { timeout: 60_000 });

	// Five new photos on the phone: the next backup copies exactly those.
	const added = roll.addPhotos(5);
	// A returning visit: the phone reconnects by itself; the remembered folder needs only a click.
	await page.reload();
	await expect(page.getByTestId('library-counts')).toBeVisible({ timeout: 60_000 });
	await page.getByRole('button', { name: /Back up to .* again/ }).click();
	await expect(page.getByTestId('plan-summary')).toContainText('5 photos');
	await page.getByRole('button', { name: 'Start backup' }).click();
	await expect(status).toContainText(`Backup complete: ${added.length} files copied`, { timeout: 60_000 });
	expect(phone.mux.violations).toEqual([]);
});
