/**
 * One backup per folder at a time: two tabs of the page backing up two iPhones into the same folder
 * are kept apart by Web Locks (shared by every tab and worker of the origin). The second is refused in
 * plain words while the first runs, and goes once it has ended.
 */
import { FaultPhone, SMALL_ROLL, backupStatus, connectAndPlan } from './harness/fault-phone';
import { expect, test } from './harness/fixtures';
import { loadRealMedia } from '../src/sim/camera-roll/real-media-node';
import { tlsDeviceSecurity } from '../src/sim/lockdownd';
import { VirtualIPhone } from '../src/sim/virtual-iphone';

test('a second tab backing up into the same folder is told a backup runs elsewhere, and goes once it has ended', async ({ context, page, usb }) => {
	test.setTimeout(120_000);
	const first = await FaultPhone.create();
	const second = await VirtualIPhone.create({
		security: tlsDeviceSecurity,
		lockdown: { trust: { pendingPolls: 0 }, values: { DeviceName: 'Second iPhone' } },
		cameraRoll: { profile: { ...SMALL_ROLL, items: 8 }, realMedia: await loadRealMedia() },
		usb: { serialNumber: '00008110000B20234BF0912F' },
	});
	const pick = (serial: string | null) => (usb.registry.chooser = (candidates) => candidates.find((c) => c.info.serialNumber === serial));
	usb.plug(first.phone.hardware);
	usb.plug(second.hardware);

	pick(first.phone.hardware.info.serialNumber);
	await connectAndPlan(page, 'new');
	let open!: () => void;
	const gate = new Promise<void>((resolve) => (open = resolve));
	let held!: () => void;
	const holding = new Promise<void>((resolve) => (held = resolve));
	first.arm((read) => {
		if (read !== 3) return;
		held();
		return gate;
	});
	await page.getByRole('button', { name: 'Start backup' }).click();
	await holding;

	const other = await context.newPage();
	pick(second.hardware.info.serialNumber);
	await connectAndPlan(other, 'new');
	await other.getByRole('button', { name: 'Start backup' }).click();
	await expect(other.getByRole('alert').first()).toContainText('is running in another tab or window', { timeout: 30_000 });

	open();
	await expect(backupStatus(page)).toContainText('Backup complete', { timeout: 60_000 });
	await other.getByRole('button', { name: 'Check for new photos' }).click();
	await expect(other.getByTestId('plan-summary')).toBeVisible({ timeout: 60_000 });
	await other.getByRole('button', { name: 'Start backup' }).click();
	await expect(backupStatus(other)).toContainText('Backup complete', { timeout: 60_000 });
});
