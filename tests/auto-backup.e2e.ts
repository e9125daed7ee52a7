/**
 * The monthly habit: with "Back up this iPhone … whenever it is plugged in" on, plugging the phone in
 * backs up exactly what is new, without a click where the browser allows it and with one where it
 * needs the folder allowed again; with it off nothing starts by itself. Before any phone is plugged
 * in, the page says when each phone was last backed up.
 */
import type { Page } from '@playwright/test';
import { backupStatus, connectAndPlan, FaultPhone, finish } from './harness/fault-phone';
import { expect, test } from './harness/fixtures';

const SETTING = 'Back up this iPhone by itself whenever it is plugged in while this page is open';

/** The camera roll's files (the Photos database is read on every connect, beside them). */
const isPhotoFile = (path: string | undefined) => path !== undefined && /^\/(DCIM|PhotoData\/CPLAssets|PhotoData\/Mutations)\//.test(path);

/** A complete first backup, the setting as `on` says, and the phone unplugged; the page back to "Connect". */
async function backedUpOnce(page: Page, usb: import('./harness/usb-harness').UsbHarness, on: boolean): Promise<FaultPhone> {
	const faults = await FaultPhone.create();
	usb.plug(faults.phone.hardware);
	await connectAndPlan(page, 'new');
	await finish(page);
	const setting = page.getByRole('checkbox', { name: SETTING });
	await expect(setting).not.toBeChecked();
	if (on) await setting.check();
	faults.phone.unplug();
	await expect(page.getByRole('button', { name: 'Connect iPhone' })).toBeVisible({ timeout: 30_000 });
	return faults;
}

test('with the setting on, plugging the phone in backs up exactly the new photos without a click', async ({ page, usb }) => {
	test.setTimeout(180_000);
	const faults = await backedUpOnce(page, usb, true);
	const added = faults.phone.cameraRoll!.addPhotos(3);
	const read = new Set<string>();
	faults.arm((_n, request) => void (isPhotoFile(request.path) && read.add(request.path!)));
	usb.plug(faults.phone.replug());
	await expect(backupStatus(page)).toContainText('Backup complete', { timeout: 90_000 });
	await expect(page.getByText('This iPhone was plugged in, so it is backed up by itself.')).toBeVisible();
	expect([...read].sort()).toEqual([...added].sort());
	await expect(page.getByRole('checkbox', { name: SETTING })).toBeChecked();
});

test("with the folder's permission gone, one click backs up what is new", async ({ page, usb }) => {
	test.setTimeout(180_000);
	const faults = await backedUpOnce(page, usb, true);
	const added = faults.phone.cameraRoll!.addPhotos(2);
	// The browser no longer lets the page write there without asking.
	await usb.folderFaults.set(page, { kind: 'permission-revoked', afterBytes: 0 });
	usb.plug(faults.phone.replug());
	await expect(page.getByTestId('automatic-needs-click')).toBeVisible({ timeout: 60_000 });
	await expect(page.getByTestId('plan-summary')).toHaveCount(0);
	// The person allows the folder on the button's prompt.
	await usb.folderFaults.set(page, { kind: 'none' });
	const read = new Set<string>();
	faults.arm((_n, request) => void (isPhotoFile(request.path) && read.add(request.path!)));
	await page.getByRole('button', { name: /Back up to .* again/ }).click();
	await expect(backupStatus(page)).toContainText('Backup complete', { timeout: 90_000 });
	expect([...read].sort()).toEqual([...added].sort());
});

test('with the setting off, plugging the phone in starts nothing by itself', async ({ page, usb }) => {
	test.setTimeout(180_000);
	const faults = await backedUpOnce(page, usb, false);
	faults.phone.cameraRoll!.addPhotos(2);
	usb.plug(faults.phone.replug());
	await expect(page.getByTestId('library-counts')).toBeVisible({ timeout: 60_000 });
	await expect(page.getByRole('button', { name: 'Choose backup folder' })).toBeVisible();
	await page.waitForTimeout(2_000);
	await expect(page.getByTestId('plan-summary')).toHaveCount(0);
	await expect(backupStatus(page)).toHaveCount(0);
});

test('the last-backup line, for two phones: complete, interrupted and never backed up', async ({ page, usb }) => {
	test.setTimeout(180_000);
	const anna = await FaultPhone.create({}, { serialNumber: '00008110000A10123AF98011', name: 'Anna’s iPhone' });
	const ben = await FaultPhone.create({}, { serialNumber: '00008110000A10123AF98022', name: 'Ben’s iPhone' });
	const lines = page.getByTestId('last-backups');

	usb.plug(anna.phone.hardware);
	await connectAndPlan(page, 'new');
	await finish(page);
	anna.phone.unplug();
	await expect(lines).toContainText('Last backup of Anna’s iPhone:');
	await expect(lines).toContainText(/files in the backup, complete\./);

	// Ben's phone: its folder chosen, never started: not backed up yet.
	usb.plug(ben.phone.hardware);
	await page.getByRole('button', { name: 'Connect iPhone' }).click();
	await expect(page.getByTestId('library-counts')).toBeVisible({ timeout: 60_000 });
	await page.getByRole('button', { name: 'Choose backup folder' }).click();
	await expect(page.getByTestId('plan-summary')).toBeVisible({ timeout: 60_000 });
	ben.phone.unplug();
	await expect(lines).toContainText('Ben’s iPhone has not been backed up yet.');

	// Ben's phone again: a backup cancelled part way is told as such, after a reload too.
	usb.plug(ben.phone.replug());
	await expect(page.getByTestId('library-counts')).toBeVisible({ timeout: 60_000 });
	await page.getByRole('button', { name: /Back up to .* again/ }).click();
	await expect(page.getByTestId('plan-summary')).toBeVisible({ timeout: 60_000 });
	const held = ben.cutAt(3);
	await page.getByRole('button', { name: 'Start backup' }).click();
	await held;
	await page.getByRole('button', { name: 'Cancel' }).click();
	ben.disarm();
	ben.phone.unplug();
	await page.reload();
	await expect(lines).toContainText('Last backup of Ben’s iPhone:');
	await expect(lines).toContainText(/Ben’s iPhone: [^.]*cancelled before the end \([\d,]+ files? in the backup so far\)\. No backup of it has finished yet\./);
	await expect(lines).toContainText(/Anna’s iPhone: [^.]*complete\./);
	// Anna's last complete backup is a minute old: not due. Ben's has none complete: due.
	await expect(lines.locator('[data-due="true"]')).toHaveText(/Ben’s iPhone/);
	await expect(lines.locator('[data-due="false"]')).toHaveText(/Anna’s iPhone/);

	// Reminders: a page that is not an installed app cannot be woken, so it says it reminds here.
	await page.context().grantPermissions(['notifications']);
	await page.getByText('Reminders', { exact: true }).click();
	await page.getByRole('button', { name: 'Remind me when a backup is due' }).click();
	await expect(page.getByTestId('reminder-way')).toContainText('This browser can remind you only here');
	await expect(page.getByRole('button', { name: 'Turn reminders off' })).toBeVisible();
	// A shorter interval is kept, and decides what is due.
	await page.getByLabel(/A backup is due when/).selectOption({ label: 'two weeks' });
	await page.reload();
	await page.getByText('Reminders', { exact: true }).click();
	await expect(page.getByLabel(/A backup is due when/)).toHaveValue('14');
	await expect(page.getByRole('button', { name: 'Turn reminders off' })).toBeVisible();
});
