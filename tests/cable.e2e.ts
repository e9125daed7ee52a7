/**
 * The cable pulled and plugged back in as a real one is: the old USB device gone for good (its waiting
 * transfers fail), a new one announced by a `connect` event some time later, and a phone that starts
 * from scratch (a new usbmux session; no connection, session or started service of before; the tail
 * of an old packet and packets of old connections still in its IN pipe). The
 * backup waits for it and goes on by itself, or, when the phone stays away past the bound, says so and
 * goes on once it is plugged in. Each ends with the complete, verified folder: every readable file
 * once, no temporary file. `FAULT_SEED=<seed>` replays a seeded case.
 */
import { expectCompleteBackup } from './harness/backup-folder-checks';
import { FaultPhone, backupStatus, connectAndPlan, finish, seededPoints } from './harness/fault-phone';
import { expect, test } from './harness/fixtures';
import { staleInPipe } from '../src/sim/usbmux/stale-in-pipe';

test.setTimeout(120_000);

const WAITING = 'The iPhone was disconnected. Plug it back in: the backup goes on by itself.';

/** Where the cable comes out, in bytes on the cable from the click on: inside some file of SMALL_ROLL. */
const PULLS = seededPoints(3, 40_000_000, 0x5eed_0014);

for (const [i, delayMs] of [500, 3_000, 10_000].entries()) {
	const offset = 1_000_000 + PULLS.points[i]!;
	test(`the cable pulled mid-file (seed ${PULLS.seed}: ${offset} bytes in), back as a new device ${delayMs / 1000} s later: the backup goes on by itself`, async ({ page, usb }) => {
		const faults = await FaultPhone.create();
		const { phone } = faults;
		usb.plug(phone.hardware);
		await connectAndPlan(page, 'new');
		phone.hardware.faults.unplugAfter(offset);
		await page.getByRole('button', { name: 'Start backup' }).click();
		await expect(backupStatus(page)).toContainText(WAITING, { timeout: 60_000 });
		await expect(page).toHaveTitle(/Reconnecting/);
		await page.waitForTimeout(delayMs);
		// As a real phone may: the tail of the packet it was sending and packets of the old session first.
		usb.plug(phone.replug({ staleIn: staleInPipe(PULLS.seed + i) }));
		await expect(backupStatus(page)).toContainText('Backup complete', { timeout: 90_000 });
		// The stored pairing was reused on the new device: one more session, no second Trust.
		expect(faults.count('Pair')).toBe(1);
		expect(faults.count('StartSession')).toBe(2);
		await expectCompleteBackup(page, usb.pickedFolder, phone);
		await expect(page.getByRole('alert')).toHaveCount(0);
		expect(phone.mux.violations).toEqual([]);
	});
}

test('the cable pulled while the camera roll is read, back 3 s later: the page connects and reads it again by itself', async ({ page, usb }) => {
	const faults = await FaultPhone.create();
	const { phone } = faults;
	usb.plug(phone.hardware);
	// The scan's fifth file-head read is the last thing the old device answers.
	faults.arm((read) => {
		if (read === 5) phone.unplug();
	});
	await page.goto('/');
	await page.getByRole('button', { name: 'Connect iPhone' }).click();
	await expect(page.getByRole('alert').first()).toContainText('disconnected', { timeout: 60_000 });
	faults.disarm();
	await page.waitForTimeout(3_000);
	usb.plug(phone.replug());
	await expect(page.getByTestId('library-counts')).toBeVisible({ timeout: 60_000 });
	await page.getByRole('button', { name: 'Choose backup folder' }).click();
	await expect(page.getByTestId('plan-summary')).toBeVisible({ timeout: 60_000 });
	await finish(page);
	await expectCompleteBackup(page, usb.pickedFolder, phone);
	expect(phone.mux.violations).toEqual([]);
});

test('the cable pulled while the backup writes its final manifest: the records are written, and the phone comes back to a complete backup', async ({ page, usb }) => {
	const faults = await FaultPhone.create();
	const { phone } = faults;
	usb.plug(phone.hardware);
	await connectAndPlan(page, 'new');
	// The manifest's write waits, half done, until the test lets it go: the cable comes out meanwhile.
	const hold = { kind: 'hold', file: 'manifest.json' } as const;
	await usb.folderFaults.set(page, hold);
	await page.getByRole('button', { name: 'Start backup' }).click();
	await expect.poll(async () => (await usb.folderFaults.set(page, hold)).length, { timeout: 60_000 }).toBeGreaterThan(0);
	phone.unplug();
	await page.waitForTimeout(500);
	await usb.folderFaults.set(page, { kind: 'none' });
	await expect(page.getByRole('alert').first()).toContainText('disconnected', { timeout: 60_000 });
	await page.waitForTimeout(3_000);
	usb.plug(phone.replug());
	await expect(page.getByTestId('library-counts')).toBeVisible({ timeout: 60_000 });
	await page.getByRole('button', { name: /Back up to .* again/ }).click();
	await expect(page.getByTestId('plan-summary')).toContainText('already in the backup', { timeout: 60_000 });
	await expectCompleteBackup(page, usb.pickedFolder, phone);
	expect(phone.mux.violations).toEqual([]);
});

test('a phone that never comes back: the page says so within its bound, and plugging it in later takes the backup up where it stopped', async ({ page, usb }) => {
	const faults = await FaultPhone.create();
	const { phone } = faults;
	usb.plug(phone.hardware);
	// The wait for the cable is 2 s here instead of a minute and a half.
	await connectAndPlan(page, 'new', '/?replug-seconds=2');
	phone.hardware.faults.unplugAfter(20_000_000);
	await page.getByRole('button', { name: 'Start backup' }).click();
	await expect(backupStatus(page)).toContainText(WAITING, { timeout: 60_000 });
	const started = Date.now();
	const alert = page.getByRole('alert').first();
	await expect(alert).toContainText('The iPhone was disconnected and did not come back within 2 seconds.', { timeout: 15_000 });
	expect(Date.now() - started).toBeLessThan(15_000);
	await expect(alert).toContainText('the backup goes on from where it stopped');
	const copiedBefore = await page.evaluate(() => document.title);
	expect(copiedBefore).not.toMatch(/Reconnecting/);

	// The one button that continues: with the phone still away it says what to do.
	await page.getByRole('button', { name: 'Resume backup' }).click();
	await expect(page.getByRole('alert').first()).toContainText('The iPhone is still not connected.');

	// Plugged in a while later: a new device, a `connect` event, and the backup goes on by itself.
	const reads = new Set<string>();
	faults.arm((_read, request) => void reads.add(request.path ?? ''));
	usb.plug(phone.replug());
	await expect(backupStatus(page)).toContainText('Backup complete', { timeout: 90_000 });
	await expectCompleteBackup(page, usb.pickedFolder, phone);
	// Files finished before the pull were not read again: what the first run recorded, it kept.
	expect(reads.size).toBeLessThan(faults.photoFiles.length);
	expect(phone.mux.violations).toEqual([]);
});
