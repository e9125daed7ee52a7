/**
 * Interrupted backups finish: the browser killed mid-backup (a persistent profile, relaunched on the
 * same origin), the cable pulled mid-file and plugged back, the browser's journal lost. Each ends with
 * the same complete, verified folder: nothing missing, nothing twice, no temporary files.
 */
import type { Page } from '@playwright/test';
import { expectCompleteBackup } from './harness/backup-folder-checks';
import { expect, test } from './harness/fixtures';
import { launchPersistent, withProfile } from './harness/persistent';
import { loadRealMedia } from '../src/lib/sim/camera-roll/real-media-node';
import { tlsDeviceSecurity } from '../src/lib/sim/lockdownd';
import { VirtualIPhone } from '../src/lib/sim/virtual-iphone';

/**
 * A phone whose afcd stops answering at the `cut`-th file read once `arm()` was called (the backup's
 * reads, not the scan's), so a test interrupts the backup at a chosen point instead of after a sleep.
 */
async function phoneWithCut(cut: number) {
	let armed = false;
	let reads = 0;
	let reached!: () => void;
	const cutReached = new Promise<void>((resolve) => (reached = resolve));
	const phone = await VirtualIPhone.create({
		security: tlsDeviceSecurity,
		lockdown: { trust: { pendingPolls: 0 } },
		cameraRoll: { profile: 'demo', realMedia: await loadRealMedia() },
		afc: {
			beforeAnswer: (request) => {
				if (!armed || request.kind !== 'read') return;
				reads++;
				if (reads === cut) reached();
				// Past the cut this connection hangs: what was in flight when the browser died or the cable went.
				if (reads >= cut) return new Promise<void>(() => undefined);
			},
		},
	});
	return {
		phone,
		cutReached,
		arm: () => void (armed = true),
		disarm: () => void (armed = false),
	};
}

async function connectAndPlan(page: Page, folder: 'new' | 'again') {
	await page.goto('/');
	// Coming back, the paired phone reconnects by itself.
	if (folder === 'new') await page.getByRole('button', { name: 'Connect iPhone' }).click();
	await expect(page.getByTestId('library-counts')).toBeVisible({ timeout: 60_000 });
	if (folder === 'new') await page.getByRole('button', { name: 'Choose backup folder' }).click();
	else await page.getByRole('button', { name: /Back up to .* again/ }).click();
	await expect(page.getByTestId('plan-summary')).toBeVisible({ timeout: 60_000 });
}

async function finish(page: Page) {
	await page.getByRole('button', { name: 'Start backup' }).click();
	await expect(page.getByRole('status', { name: 'Backup status' })).toContainText('Backup complete', { timeout: 120_000 });
}

for (const cut of [2, 25]) {
	test(`the browser killed at file read ${cut}, then relaunched, finishes the same backup`, async ({ usb }) => {
		test.setTimeout(240_000);
		const { phone, cutReached, arm, disarm } = await phoneWithCut(cut);
		usb.plug(phone.hardware);
		await withProfile(async (profile) => {
			let { context, page } = await launchPersistent(usb, profile);
			await connectAndPlan(page, 'new');
			arm();
			await page.getByRole('button', { name: 'Start backup' }).click();
			await cutReached;
			const closed = new Promise((resolve) => context.once('close', resolve));
			(await context.newCDPSession(page)).send('Browser.crash').catch(() => undefined);
			await closed;
			disarm();

			({ context, page } = await launchPersistent(usb, profile));
			await connectAndPlan(page, 'again');
			await finish(page);
			await expectCompleteBackup(page, usb.pickedFolder, phone);
			await context.close();
		});
	});
}

for (const cut of [3, 30]) {
	test(`the cable pulled at file read ${cut} and plugged back finishes the same backup`, async ({ page, usb }) => {
		test.setTimeout(240_000);
		const { phone, cutReached, arm, disarm } = await phoneWithCut(cut);
		usb.plug(phone.hardware);
		await connectAndPlan(page, 'new');
		arm();
		await page.getByRole('button', { name: 'Start backup' }).click();
		await cutReached;
		phone.unplug();
		await expect(page.getByRole('alert').first()).toContainText('disconnected');
		disarm();

		usb.plug(phone.replug());
		await connectAndPlan(page, 'again');
		await finish(page);
		await expectCompleteBackup(page, usb.pickedFolder, phone);
		expect(phone.mux.violations).toEqual([]);
	});
}

test('with the browser’s journal gone, the folder’s own manifest is enough: nothing is copied again', async ({ page, usb }) => {
	test.setTimeout(240_000);
	const phone = await VirtualIPhone.create({
		security: tlsDeviceSecurity,
		lockdown: { trust: { pendingPolls: 0 } },
		cameraRoll: { profile: 'demo', realMedia: await loadRealMedia() },
	});
	usb.plug(phone.hardware);
	await connectAndPlan(page, 'new');
	await finish(page);

	// A fresh profile: no pairing, no journal, no remembered folder — only the folder on the drive.
	await page.evaluate(() => new Promise((resolve) => (indexedDB.deleteDatabase('iphone-backup').onsuccess = resolve)));
	await connectAndPlan(page, 'new');
	await expect(page.getByTestId('plan-summary')).toContainText('files are already backed up');
	// What is left to try is what could not be copied last time either: the movie of a Live Photo whose
	// still is only in iCloud. Trying again copies nothing.
	await page.getByRole('button', { name: 'Start backup' }).click();
	await expect(page.getByRole('status', { name: 'Backup status' })).toContainText('Backup complete: 0 files copied');
	await expectCompleteBackup(page, usb.pickedFolder, phone);
});
