/**
 * Interrupted backups finish: the browser killed mid-backup ten times at seeded points (a persistent
 * profile, relaunched on the same origin), the cable pulled ten times at seeded byte offsets and
 * plugged back, the browser's journal lost. Each ends with the same complete, verified folder: nothing
 * missing, nothing twice, no temporary files. The seed is in the test's name (and each point in a
 * step's); `FAULT_SEED=<seed>` replays a failure.
 */
import { expectCompleteBackup } from './harness/backup-folder-checks';
import { FaultPhone, connectAndPlan, finish, seededPoints } from './harness/fault-phone';
import { expect, test } from './harness/fixtures';
import { launchPersistent, withProfile } from './harness/persistent';
import { loadRealMedia } from '../src/sim/camera-roll/real-media-node';
import { tlsDeviceSecurity } from '../src/sim/lockdownd';
import { staleInPipe } from '../src/sim/usbmux/stale-in-pipe';
import { VirtualIPhone } from '../src/sim/virtual-iphone';

/**
 * Ten interruptions of one backup each, at seeded points counted from each start: file reads for the
 * browser, bytes on the cable for the pulls. SMALL_ROLL's backup needs at least 91 reads of 1 MiB and
 * moves 79 MB, so even the ten largest points together leave part of it for after the last one.
 */
const KILLS = seededPoints(10, 8, 0x5eed_0001);
const PULLS = seededPoints(10, 6_000_000, 0x5eed_0002);

test(`the browser killed ten times mid-backup (seed ${KILLS.seed}: at reads ${KILLS.points.join(', ')}), relaunched each time, finishes the same backup`, async ({ usb }) => {
	test.setTimeout(240_000);
	const faults = await FaultPhone.create();
	expect(KILLS.points.reduce((a, b) => a + b)).toBeLessThan(faults.leastReads);
	usb.plug(faults.phone.hardware);
	await withProfile(async (profile) => {
		let { context, page } = await launchPersistent(usb, profile);
		await connectAndPlan(page, 'new');
		for (const [i, cut] of KILLS.points.entries()) {
			await test.step(`killed at read ${cut} of start ${i + 1}`, async () => {
				const cutReached = faults.cutAt(cut);
				await page.getByRole('button', { name: 'Start backup' }).click();
				await cutReached;
				const closed = new Promise((resolve) => context.once('close', resolve));
				(await context.newCDPSession(page)).send('Browser.crash').catch(() => undefined);
				await closed;
				faults.disarm();
				({ context, page } = await launchPersistent(usb, profile));
				await connectAndPlan(page, 'again');
			});
		}
		await finish(page);
		await expectCompleteBackup(page, usb.pickedFolder, faults.phone);
		await context.close();
	});
});

test(`the cable pulled ten times mid-backup (seed ${PULLS.seed}: ${PULLS.points.join(', ')} bytes in), plugged back each time, finishes the same backup by itself`, async ({ page, usb }) => {
	test.setTimeout(240_000);
	const faults = await FaultPhone.create();
	const { phone } = faults;
	expect(PULLS.points.reduce((a, b) => a + b)).toBeLessThan(faults.photoBytes);
	usb.plug(phone.hardware);
	await connectAndPlan(page, 'new');
	const status = page.getByRole('status', { name: 'Backup status' });
	for (const [i, offset] of PULLS.points.entries()) {
		await test.step(`pulled ${offset} bytes after plug-in ${i + 1}`, async () => {
			// Bytes on the cable, both ways, from this plug-in on: the pull lands inside a file, a request or an answer.
			phone.hardware.faults.unplugAfter(offset);
			if (i === 0) await page.getByRole('button', { name: 'Start backup' }).click();
			const pulled = phone.hardware;
			await expect.poll(() => pulled.plugged, { timeout: 60_000 }).toBe(false);
			await expect(status).toContainText('The iPhone was disconnected. Plug it back in', { timeout: 60_000 });
			usb.plug(phone.replug({ staleIn: staleInPipe(i) }));
		});
	}
	await expect(status).toContainText('Backup complete', { timeout: 120_000 });
	await expectCompleteBackup(page, usb.pickedFolder, phone);
	expect(faults.count('Pair')).toBe(1);
	expect(phone.mux.violations).toEqual([]);
});

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
