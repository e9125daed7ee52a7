/**
 * The fault matrix: each fault strikes mid-backup, the app recovers (by itself where that is safe,
 * else with the person's one click), and the folder ends complete and verified — every readable file
 * once with the phone's SHA-256, no temporary file, manifest and SHA256SUMS in agreement. The browser
 * killed and the cable pulled are in resume.e2e.ts; the drive full and the permission revoked in
 * folder-faults.e2e.ts.
 */
import { readFileSync } from 'node:fs';
import { expectCompleteBackup } from './harness/backup-folder-checks';
import { FaultPhone, backupStatus, connectAndPlan, finish } from './harness/fault-phone';
import { expect, test } from './harness/fixtures';
import { AfcStatus } from '../src/lib/afc/constants';
import { LOCKDOWN_PORT } from '../src/sim/virtual-iphone';

test.setTimeout(120_000);

test('an AFC connection reset mid-file: the file service is opened again and the backup goes on by itself', async ({ page, usb }) => {
	const faults = await FaultPhone.create();
	usb.plug(faults.phone.hardware);
	await connectAndPlan(page, 'new');
	faults.arm((read) => {
		if (read === 20) faults.resetFileConnections();
	});
	await finish(page);
	expect(faults.count('StartService')).toBe(2);
	expect(faults.count('StartSession')).toBe(1); // the lockdown session was still there
	await expectCompleteBackup(page, usb.pickedFolder, faults.phone);
	await expect(page.getByRole('alert')).toHaveCount(0);
	expect(faults.phone.mux.violations).toEqual([]);
});

test('the lockdown session dropped mid-backup: a new one is opened when the file service must be restarted', async ({ page, usb }) => {
	const faults = await FaultPhone.create();
	usb.plug(faults.phone.hardware);
	await connectAndPlan(page, 'new');
	faults.arm((read) => {
		// lockdownd hangs up first; copying goes on, over the file connection, until that breaks too.
		if (read === 10) faults.phone.mux.resetConnections(LOCKDOWN_PORT, 'session dropped');
		if (read === 25) faults.resetFileConnections();
	});
	await finish(page);
	expect(faults.count('StartSession')).toBe(2);
	expect(faults.count('StartService')).toBe(2);
	await expectCompleteBackup(page, usb.pickedFolder, faults.phone);
	expect(faults.phone.mux.violations).toEqual([]);
});

test('the phone locked mid-backup: “Unlock your iPhone” until it is, then the backup goes on', async ({ page, usb }) => {
	const faults = await FaultPhone.create();
	const { phone } = faults;
	// Locking this phone ends its file connection and its lockdownd starts no service until it is
	// unlocked (PasswordProtected), as an iPhone does without a usable escrow bag.
	const startService = phone.startService.bind(phone);
	phone.startService = (name) =>
		phone.lockdownd.trustDialog.locked ? ({ error: 'PasswordProtected' } as unknown as ReturnType<typeof startService>) : startService(name);
	usb.plug(phone.hardware);
	await connectAndPlan(page, 'new');
	let locked!: () => void;
	const lockedNow = new Promise<void>((resolve) => (locked = resolve));
	faults.arm((read) => {
		if (read !== 15) return;
		phone.lockdownd.trustDialog.lock();
		faults.resetFileConnections();
		locked();
	});
	await page.getByRole('button', { name: 'Start backup' }).click();
	await lockedNow;
	await expect(backupStatus(page)).toContainText('Unlock your iPhone: the backup goes on as soon as it is unlocked.', { timeout: 60_000 });
	await expect(page).toHaveTitle(/Reconnecting/);
	phone.lockdownd.trustDialog.unlock();
	await expect(backupStatus(page)).toContainText('Backup complete', { timeout: 120_000 });
	await expectCompleteBackup(page, usb.pickedFolder, phone);
	expect(phone.mux.violations).toEqual([]);
});

test('a stalled phone: the watchdog drops the silent connection and the backup goes on over a new one', async ({ page, usb }) => {
	const faults = await FaultPhone.create();
	usb.plug(faults.phone.hardware);
	// The watchdog waits one second here instead of thirty.
	await connectAndPlan(page, 'new', '/?stall-seconds=1');
	let stalled = false;
	faults.arm((read) => {
		if (read !== 12 || stalled) return;
		stalled = true;
		return new Promise<void>(() => undefined); // this answer never comes, nor any after it on this connection
	});
	await finish(page);
	expect(stalled).toBe(true);
	expect(faults.count('StartService')).toBe(2);
	await expectCompleteBackup(page, usb.pickedFolder, faults.phone);
});

test('a phone that stalls every new connection too: the backup stops saying so, and Resume finishes it once it answers', async ({ page, usb }) => {
	const faults = await FaultPhone.create();
	usb.plug(faults.phone.hardware);
	await connectAndPlan(page, 'new', '/?stall-seconds=1');
	let stalling = true;
	faults.arm((read) => {
		if (read >= 12 && stalling) return new Promise<void>(() => undefined);
	});
	await page.getByRole('button', { name: 'Start backup' }).click();
	await expect(backupStatus(page)).toContainText('The backup stopped.', { timeout: 60_000 });
	const alert = page.locator('[role="alert"][data-code="timeout"]');
	await expect(alert).toContainText('The iPhone stopped answering file requests.');
	// The first connection and three more were tried, each left silent.
	expect(faults.count('StartService')).toBe(4);

	// The report a person would attach to a bug names the fault, and nothing of theirs.
	const [download] = await Promise.all([page.waitForEvent('download'), alert.getByRole('button', { name: 'Save a report' }).click()]);
	const text = readFileSync((await download.path())!, 'utf8');
	const report = JSON.parse(text) as { summary: string[] };
	expect(report.summary.join('\n')).toMatch(/Error[^\n]*: timeout/);
	expect(text).toMatch(/"services"/);
	for (const secret of [faults.phone.udid, faults.phone.udid.replace('-', '')]) expect(text).not.toContain(secret);
	const stems = faults.photoFiles.map((file) => file.path.split('/').at(-1)!.replace(/\.[^.]*$/, '')).filter((stem) => stem.length >= 4);
	expect(stems.filter((stem) => new RegExp(`\\b${stem}\\b`).test(text))).toEqual([]);

	stalling = false;
	await page.getByRole('button', { name: 'Resume backup' }).click();
	await expect(backupStatus(page)).toContainText('Backup complete', { timeout: 120_000 });
	await expectCompleteBackup(page, usb.pickedFolder, faults.phone);
});

test('files that fail to read are reported with their reasons, the rest is copied, and the next run copies them', async ({ page, usb }) => {
	const failing = new Map<string, number>([
		['/DCIM/104APPLE/IMG_9934.MOV', AfcStatus.PermDenied],
		['/DCIM/100IMPRT/IMG_5839.JPG', AfcStatus.UnknownError],
	]);
	let failOn = false;
	const faults = await FaultPhone.create({
		faults: { status: (request) => (failOn && request.kind === 'read' ? failing.get(request.path ?? '') : undefined) },
	});
	usb.plug(faults.phone.hardware);
	await connectAndPlan(page, 'new');
	failOn = true; // the backup's reads, not the library scan's
	await finish(page);
	await expect(backupStatus(page)).toContainText('2 failed');
	const list = page.getByText('2 files could not be copied');
	await list.click();
	await expect(page.getByRole('listitem').filter({ hasText: 'IMG_9934.MOV' })).toContainText('The iPhone does not allow');
	await expect(page.getByRole('listitem').filter({ hasText: 'IMG_5839.JPG' })).toContainText('UnknownError');

	failOn = false;
	await page.getByRole('button', { name: 'Check for new photos' }).click();
	await expect(page.getByTestId('plan-summary')).toContainText('already backed up', { timeout: 60_000 });
	await finish(page);
	await expect(backupStatus(page)).toContainText('Backup complete: 2 files copied');
	await expectCompleteBackup(page, usb.pickedFolder, faults.phone);
});

test('files the phone refuses while the library is read are named in the plan, and the next run copies them', async ({ page, usb }) => {
	// The Photos database is refused too: without it the scan reads every file's head, and meets the
	// refusals (with it, the scan reads no head of a file it describes: such a refusal is met, and
	// named, by the backup, as in the test before this one).
	const failing = new Map<string, number>([
		['/DCIM/104APPLE/IMG_9934.MOV', AfcStatus.UnknownError],
		['/DCIM/100IMPRT/IMG_5839.JPG', AfcStatus.UnknownError],
		['/PhotoData/Photos.sqlite', AfcStatus.UnknownError],
	]);
	let failOn = true;
	const faults = await FaultPhone.create({
		faults: { status: (request) => (failOn && request.kind === 'read' ? failing.get(request.path ?? '') : undefined) },
	});
	usb.plug(faults.phone.hardware);
	await connectAndPlan(page, 'new');
	// The photo's original is refused: the plan names it. The Live Photo's movie is refused too, and
	// as it is not the asset's original the backup tries it and reports why it failed.
	const refused = page.getByTestId('plan-unavailable');
	await expect(refused).toContainText('The iPhone would not give 1 item (/DCIM/100IMPRT/IMG_5839.JPG)');
	await finish(page);
	await expect(backupStatus(page)).toContainText('1 failed');
	await page.getByText('1 file could not be copied').click();
	await expect(page.getByRole('listitem').filter({ hasText: 'IMG_9934.MOV' })).toContainText('UnknownError');

	failOn = false;
	await page.getByRole('button', { name: 'Check for new photos' }).click();
	await expect(page.getByTestId('plan-summary')).toContainText('already backed up', { timeout: 60_000 });
	await expect(refused).toHaveCount(0);
	await finish(page);
	await expect(backupStatus(page)).toContainText('Backup complete: 2 files copied');
	await expectCompleteBackup(page, usb.pickedFolder, faults.phone);
});

test('a file that changes size while it is read is copied again whole, never kept with the wrong bytes', async ({ page, usb }) => {
	const faults = await FaultPhone.create();
	const path = '/DCIM/104APPLE/IMG_9943.MOV';
	const before = faults.phone.cameraRoll!.file(path)!.size;
	usb.plug(faults.phone.hardware);
	await connectAndPlan(page, 'new');
	// After the plan, so the backup is the first to read it whole.
	faults.phone.cameraRoll!.changeSizeWhileReading(path, { afterBytes: 2_000_000, newSize: before + 777_777 });
	await finish(page);
	expect(faults.phone.cameraRoll!.file(path)!.size).toBe(before + 777_777);
	await expectCompleteBackup(page, usb.pickedFolder, faults.phone);
});

test('the tab reloaded mid-backup: the page comes back and the next run finishes the same backup', async ({ page, usb }) => {
	const faults = await FaultPhone.create();
	usb.plug(faults.phone.hardware);
	await connectAndPlan(page, 'new');
	const cutReached = faults.cutAt(30);
	await page.getByRole('button', { name: 'Start backup' }).click();
	await cutReached;
	await page.reload();
	faults.disarm();
	await connectAndPlan(page, 'again');
	await finish(page);
	await expectCompleteBackup(page, usb.pickedFolder, faults.phone);
	expect(faults.phone.mux.violations).toEqual([]);
});

test('reading the camera roll stalls: the page says so and offers to read it again, which then works', async ({ page, usb }) => {
	const faults = await FaultPhone.create();
	usb.plug(faults.phone.hardware);
	let stalling = true;
	faults.arm(() => (stalling ? new Promise<void>(() => undefined) : undefined));
	await page.goto('/?stall-seconds=1');
	await page.getByRole('button', { name: 'Connect iPhone' }).click();
	await expect(page.locator('[role="alert"][data-code="timeout"]')).toContainText('The iPhone stopped answering file requests.', { timeout: 30_000 });
	stalling = false;
	await page.getByRole('button', { name: 'Read the iPhone again' }).click();
	await expect(page.getByTestId('library-counts')).toBeVisible({ timeout: 60_000 });
	await expect(page.getByRole('alert')).toHaveCount(0);
});
