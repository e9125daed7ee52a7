/**
 * Interrupted by the backup folder itself: the drive fills up mid-file, or the browser takes back the
 * permission to write there mid-backup. Each time the page says so in plain words; once space is freed
 * or the permission granted again, the person goes on from the page and the next run finishes the same
 * complete, verified folder. The folder fails in the device worker's realm, through the harness's
 * fault-injecting folder (harness/realm/folder-faults.ts).
 */
import type { Page } from '@playwright/test';
import { expectCompleteBackup } from './harness/backup-folder-checks';
import { FaultPhone } from './harness/fault-phone';
import { expect, test } from './harness/fixtures';
import { loadRealMedia } from '../src/sim/camera-roll/real-media-node';
import { tlsDeviceSecurity } from '../src/sim/lockdownd';
import { VirtualIPhone } from '../src/sim/virtual-iphone';

/** Bytes into the backup (about 494 MB in all) at which the folder fails: inside a file, not at its edge. */
const DISK_FULL_AFTER = 20 * 1024 * 1024 + 12_345;
const REVOKED_AFTER = 40 * 1024 * 1024 + 4_321;

async function demoProfilePhone() {
	return VirtualIPhone.create({
		security: tlsDeviceSecurity,
		lockdown: { trust: { pendingPolls: 0 } },
		cameraRoll: { profile: 'demo', realMedia: await loadRealMedia() },
	});
}

async function chooseFolderAndPlan(page: Page) {
	await page.getByRole('button', { name: 'Choose backup folder' }).click();
	await expect(page.getByTestId('plan-summary')).toBeVisible({ timeout: 60_000 });
}

async function connectAndPlan(page: Page) {
	await connectAndPlanAt(page, '/');
}

async function connectAndPlanAt(page: Page, path: string) {
	await page.goto(path);
	await page.getByRole('button', { name: 'Connect iPhone' }).click();
	await expect(page.getByTestId('library-counts')).toBeVisible({ timeout: 60_000 });
	await chooseFolderAndPlan(page);
}

async function finish(page: Page) {
	await page.getByRole('button', { name: 'Start backup' }).click();
	await expect(page.getByRole('status', { name: 'Backup status' })).toContainText('Backup complete', { timeout: 120_000 });
}

test('the drive full mid-file stops the backup with a plain message; with space freed the next run finishes it', async ({ page, usb }) => {
	test.setTimeout(240_000);
	const phone = await demoProfilePhone();
	usb.plug(phone.hardware);
	await connectAndPlan(page);

	await usb.folderFaults.set(page, { kind: 'disk-full', afterBytes: DISK_FULL_AFTER });
	await page.getByRole('button', { name: 'Start backup' }).click();
	const notice = page.locator('[role="alert"][data-code="disk-full"]');
	await expect(notice).toContainText('The backup folder’s drive is full.', { timeout: 120_000 });
	await expect(notice).toContainText('Make room on that drive');
	await expect(page.getByRole('status', { name: 'Backup status' })).toContainText('The backup stopped.');

	// Space freed. The fault struck partway into a file, so the run had a half-written file to abandon.
	const strikes = await usb.folderFaults.set(page, { kind: 'none' });
	expect(strikes[0]?.kind).toBe('disk-full');
	expect(strikes[0]?.bytesIntoFile).toBeGreaterThan(0);

	await page.getByRole('button', { name: 'Check for new photos' }).click();
	await expect(page.getByTestId('plan-summary')).toContainText('already backed up', { timeout: 60_000 });
	await expect(notice).toHaveCount(0);
	await finish(page);
	await expectCompleteBackup(page, usb.pickedFolder, phone);
	expect(phone.mux.violations).toEqual([]);
});

test('write permission taken back mid-backup stops it with a plain message; granted again, the next run finishes it', async ({ page, usb }) => {
	test.setTimeout(240_000);
	const phone = await demoProfilePhone();
	usb.plug(phone.hardware);
	await connectAndPlan(page);

	await usb.folderFaults.set(page, { kind: 'permission-revoked', afterBytes: REVOKED_AFTER });
	await page.getByRole('button', { name: 'Start backup' }).click();
	const notice = page.locator('[role="alert"][data-code="folder-permission"]');
	await expect(notice).toContainText('This page may no longer write to the backup folder.', { timeout: 120_000 });
	await expect(notice).toContainText('Choose the folder again');
	await expect(page.getByRole('status', { name: 'Backup status' })).toContainText('The backup stopped.');

	// Going on without the permission back: the page says the same, and offers to choose the folder.
	await page.getByRole('button', { name: 'Check for new photos' }).click();
	await expect(notice).toContainText('This page may no longer write to the backup folder.');
	await expect(page.getByRole('button', { name: 'Choose backup folder' })).toBeEnabled();

	// The person chooses the folder again and the browser lets the page write there again.
	const strikes = await usb.folderFaults.set(page, { kind: 'none' });
	expect(strikes[0]?.kind).toBe('permission-revoked');
	expect(strikes[0]?.bytesIntoFile).toBeGreaterThan(0);
	await chooseFolderAndPlan(page);
	await expect(page.getByTestId('plan-summary')).toContainText('already backed up');
	await expect(notice).toHaveCount(0);
	await finish(page);
	await expectCompleteBackup(page, usb.pickedFolder, phone);
	expect(phone.mux.violations).toEqual([]);
});

test('a drive that cannot hold a large file (FAT32) fails those files alone with advice, and later runs do not read them again', async ({ page, usb }) => {
	test.setTimeout(240_000);
	// FAT32 holds 4 GiB − 1 bytes in a file; the test build lets the page meet a 4.5 MB limit instead.
	const LIMIT = 4_500_000;
	const faults = await FaultPhone.create();
	usb.plug(faults.phone.hardware);
	const large = faults.photoFiles.filter((file) => file.size > LIMIT).map((file) => file.path);
	expect(large.length).toBeGreaterThan(0);
	expect(large.length).toBeLessThan(faults.photoFiles.length);

	await connectAndPlanAt(page, `/?drive-file-limit=${LIMIT}`);
	await usb.folderFaults.set(page, { kind: 'file-size-limit', bytes: LIMIT });
	await page.getByRole('button', { name: 'Start backup' }).click();
	const status = page.getByRole('status', { name: 'Backup status' });
	await expect(status).toContainText('Backup complete', { timeout: 120_000 });
	await expect(status).toContainText(`${large.length} failed`);
	const failures = page.getByText(/could not be copied/);
	await failures.click();
	await expect(page.getByText('the backup folder’s drive cannot hold a file that large').first()).toBeVisible();
	await expect(page.getByText(/formatted as FAT32, which holds files of up to 4 GB/)).toBeVisible();
	const strikes = await usb.folderFaults.set(page, { kind: 'file-size-limit', bytes: LIMIT });
	// Once the drive refused one, larger files were failed without being read.
	expect(strikes.length).toBe(1);

	const read = new Set<string>();
	faults.arm((_n, request) => void read.add(request.path ?? ''));
	await page.getByRole('button', { name: 'Check for new photos' }).click();
	await expect(page.getByTestId('plan-too-large')).toContainText(`${large.length} file`, { timeout: 60_000 });
	const start = page.getByRole('button', { name: 'Start backup' });
	if (await start.isVisible()) {
		await start.click();
		await expect(status).toContainText('Backup complete', { timeout: 120_000 });
	}
	expect([...read].filter((path) => large.includes(path))).toEqual([]);
});
