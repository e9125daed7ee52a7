/**
 * The common ways a backup goes wrong, in one place, as the person sees them: another program holds
 * the iPhone, it is locked, “Don’t Trust” was tapped, the folder's permission is taken back, its drive
 * is full, the cable comes out. Each reaches the page as one plain message and what to do next. (How
 * the page recovers from each is tested beside it: connect.e2e.ts, folder-faults.e2e.ts, resume.e2e.ts.)
 */
import type { Page } from '@playwright/test';
import { expect, test } from './harness/fixtures';
import { loadRealMedia } from '../src/sim/camera-roll/real-media-node';
import { tlsDeviceSecurity } from '../src/sim/lockdownd';
import { VirtualIPhone } from '../src/sim/virtual-iphone';

async function expectNotice(page: Page, code: string, message: string, advice: string) {
	const notice = page.locator(`[role="alert"][data-code="${code}"]`);
	await expect(notice.locator('.message')).toHaveText(message, { timeout: 30_000 });
	await expect(notice.locator('.advice')).toContainText(advice);
}

test('each common failure reaches the page as a plain message with what to do next', async ({ page, usb }) => {
	test.setTimeout(120_000);
	const connect = () => page.getByRole('button', { name: 'Connect iPhone' }).click();
	await page.goto('/');

	const busy = await VirtualIPhone.create();
	busy.hardware.faults.claimBusy = true;
	usb.plug(busy.hardware);
	await connect();
	await expectNotice(
		page,
		'usb-busy',
		'Another program on this computer is using the iPhone, so this page can’t reach it.',
		// The test machine is Linux: the advice names the exact commands.
		'sudo systemctl stop usbmuxd',
	);
	usb.unplug(busy.hardware);

	const locked = await VirtualIPhone.create({ security: tlsDeviceSecurity, lockdown: { trust: { locked: true } } });
	usb.plug(locked.hardware);
	await connect();
	await expectNotice(page, 'locked', 'Unlock your iPhone, then try again.', 'Unlock it with Face ID, Touch ID or its passcode');
	usb.unplug(locked.hardware);

	const denied = await VirtualIPhone.create({ security: tlsDeviceSecurity, lockdown: { trust: { pendingPolls: 0, answer: 'dont-trust' } } });
	usb.plug(denied.hardware);
	await connect();
	await expectNotice(
		page,
		'trust-denied',
		'You tapped “Don’t Trust” on the iPhone, so it will not share its photos with this computer.',
		'When it asks “Trust This Computer?”, tap Trust and enter your passcode.',
	);
	usb.unplug(denied.hardware);

	// A phone that works, and a folder that does not.
	const phone = await VirtualIPhone.create({
		security: tlsDeviceSecurity,
		lockdown: { trust: { pendingPolls: 0 } },
		cameraRoll: { profile: 'small', realMedia: await loadRealMedia() },
	});
	usb.plug(phone.hardware);
	await connect();
	await expect(page.getByTestId('library-counts')).toBeVisible({ timeout: 60_000 });
	await page.getByRole('button', { name: 'Choose backup folder' }).click();
	await expect(page.getByTestId('plan-summary')).toBeVisible({ timeout: 60_000 });
	const stopped = page.getByRole('status', { name: 'Backup status' });

	await usb.folderFaults.set(page, { kind: 'permission-revoked' });
	await page.getByRole('button', { name: 'Start backup' }).click();
	await expectNotice(
		page,
		'folder-permission',
		'This page may no longer write to the backup folder.',
		'Choose the folder again (the same folder is fine) and allow the browser to save changes to it, then continue.',
	);
	await expect(stopped).toContainText('The backup stopped.');
	await usb.folderFaults.set(page, { kind: 'none' });

	await page.getByRole('button', { name: 'Check for new photos' }).click();
	await expect(page.getByTestId('plan-summary')).toBeVisible({ timeout: 60_000 });
	await usb.folderFaults.set(page, { kind: 'disk-full', afterBytes: 1_000_000 });
	await page.getByRole('button', { name: 'Start backup' }).click();
	await expectNotice(
		page,
		'disk-full',
		'The backup folder’s drive is full.',
		'Make room on that drive, or choose a folder on a drive with more free space, then continue: files already copied are kept.',
	);
	await expect(stopped).toContainText('The backup stopped.');
	await usb.folderFaults.set(page, { kind: 'none' });

	phone.unplug();
	await expectNotice(
		page,
		'unplugged',
		'The iPhone was disconnected.',
		'Check the cable and plug the iPhone back in: this page connects to it again by itself. Nothing already copied is lost.',
	);
});
