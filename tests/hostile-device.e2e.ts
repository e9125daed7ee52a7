/**
 * A lying phone, through the real page: evil names, a folder that contains itself, and files whose
 * size is not their data's (one claims a petabyte). The page must finish, show each failure with its
 * reason, and leave in the picked folder only safely named files inside the iPhone's folder, each with
 * the phone's true bytes.
 */
import { createHash } from 'node:crypto';
import { expectCompleteBackup, folderContents, readText } from './harness/backup-folder-checks';
import { expect, test } from './harness/fixtures';
import { isSafeRelativePath } from '../src/lib/destination/names';
import { loadRealMedia } from '../src/sim/camera-roll/real-media-node';
import { normalizeAfcPath } from '../src/sim/afcd';
import { EVIL_NAMES, LIE_PATHS, lieBytes, overTheCable } from '../src/sim/hostile';
import { tlsDeviceSecurity } from '../src/sim/lockdownd';
import { HostileProfile } from '../src/sim/hostile';
import { VirtualIPhone } from '../src/sim/virtual-iphone';

test('backs up a lying phone: failures shown with reasons, nothing outside the iPhone folder, only safe names', async ({ page, usb }) => {
	test.setTimeout(90_000);
	const phone = await VirtualIPhone.create({
		security: tlsDeviceSecurity,
		lockdown: { trust: { pendingPolls: 0 } },
		cameraRoll: { profile: 'small', realMedia: await loadRealMedia() },
		hostile: new HostileProfile({ evilNames: true, loops: { fanout: 2 }, sizeLies: true }),
	});
	usb.plug(phone.hardware);
	await page.goto('/');
	await page.getByRole('button', { name: 'Connect iPhone' }).click();
	await expect(page.getByTestId('library-counts')).toBeVisible({ timeout: 60_000 });
	// Names with a slash or a NUL cannot be file names: the page says they were left out, and shows
	// them with their control characters escaped.
	const leftOut = page.getByTestId('left-out');
	await expect(leftOut).toContainText('left out');
	await expect(leftOut).toContainText('its name cannot be used as a file name');
	const shown = await leftOut.locator('code').allTextContents();
	expect(shown.length).toBeGreaterThan(0);
	expect(shown.filter((name) => /[\u0000-\u001f\u202e]/.test(name))).toEqual([]);
	await page.getByRole('button', { name: 'Choose backup folder' }).click();
	await expect(page.getByTestId('plan-summary')).toBeVisible({ timeout: 30_000 });
	await page.getByRole('button', { name: 'Start backup' }).click();

	const status = page.getByRole('status', { name: 'Backup status' });
	await expect(status).toContainText(/Backup complete: .*, 4 failed\./, { timeout: 60_000 });
	await page.getByText('4 files could not be copied').click();
	for (const path of [LIE_PATHS.short, LIE_PATHS.long, LIE_PATHS.endless, LIE_PATHS.giant]) {
		await expect(page.getByRole('listitem').filter({ hasText: path })).toContainText('was not copied: the iPhone says it holds');
	}

	// Nothing beside the picked folder in the origin's storage, nothing beside the iPhone's folder in it.
	const top = await page.evaluate(async () => {
		const names: string[] = [];
		for await (const name of (await navigator.storage.getDirectory()).keys()) names.push(name);
		return names;
	});
	expect(top).toEqual([usb.pickedFolder]);
	const contents = await folderContents(page, usb.pickedFolder);
	const deviceFolder = Object.keys(contents).find((path) => path.endsWith('/manifest.json'))!.split('/')[0]!;
	for (const path of Object.keys(contents)) {
		expect(path.startsWith(`${deviceFolder}/`), path).toBe(true);
		expect(isSafeRelativePath(path), JSON.stringify(path)).toBe(true);
	}
	await expectCompleteBackup(page, usb.pickedFolder, phone);

	// Each evil name that a phone could list is there, under a safe name, with its true bytes.
	const manifest = JSON.parse(await readText(page, [usb.pickedFolder, deviceFolder, 'manifest.json'])) as {
		entries: { devicePath: string; path: string; sha256: string }[];
	};
	const listable = EVIL_NAMES.filter((name) => !name.includes('/') && !name.includes('\0') && !name.startsWith('.'));
	for (const name of listable) {
		const devicePath = `${LIE_PATHS.evilFolder}/${overTheCable(name)}`;
		const entry = manifest.entries.find((e) => e.devicePath === devicePath);
		expect(entry, JSON.stringify(name)).toBeDefined();
		const truth = createHash('sha256').update(lieBytes(normalizeAfcPath(devicePath), 0, 3_000)).digest('hex');
		expect(contents[`${deviceFolder}/${entry!.path}`], JSON.stringify(name)).toBe(truth);
	}
	expect(manifest.entries.map((entry) => entry.devicePath)).not.toContain(LIE_PATHS.short);
});
