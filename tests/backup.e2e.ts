/**
 * A whole backup in Chromium: the page, the device worker, the hash worker and the picked folder (OPFS
 * in place of the folder picker), against the virtual iPhone over the fake WebUSB. The checks read the
 * folder back in the page and compare with what the simulator knows about every file.
 */
import type { Page } from '@playwright/test';
import { expect, test } from './harness/fixtures';
import { loadRealMedia } from '../src/lib/sim/camera-roll/real-media-node';
import { tlsDeviceSecurity } from '../src/lib/sim/lockdownd';
import { VirtualIPhone } from '../src/lib/sim/virtual-iphone';

async function demoProfilePhone() {
	return VirtualIPhone.create({
		security: tlsDeviceSecurity,
		lockdown: { trust: { pendingPolls: 0 } },
		cameraRoll: { profile: 'demo', realMedia: await loadRealMedia() },
	});
}

/** Every file in the picked OPFS folder, with its SHA-256, as the page sees it. */
async function folderContents(page: Page, folder: string): Promise<Record<string, string>> {
	return page.evaluate(async (name) => {
		const root = await (await navigator.storage.getDirectory()).getDirectoryHandle(name);
		const out: Record<string, string> = {};
		async function walk(dir: FileSystemDirectoryHandle, prefix: string) {
			for await (const [entryName, handle] of dir.entries()) {
				const path = `${prefix}${entryName}`;
				if (handle.kind === 'directory') await walk(handle as FileSystemDirectoryHandle, `${path}/`);
				else {
					const bytes = await (await (handle as FileSystemFileHandle).getFile()).arrayBuffer();
					const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
					out[path] = Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
				}
			}
		}
		await walk(root, '');
		return out;
	}, folder);
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

	const contents = await folderContents(page, usb.pickedFolder);
	const paths = Object.keys(contents);
	expect(paths.filter((path) => /\.part-|\.crswap$/.test(path))).toEqual([]);
	const deviceFolder = paths.find((path) => path.endsWith('/manifest.json'))!.split('/')[0]!;
	const manifest = JSON.parse(
		await page.evaluate(
			async ([folder, device]) =>
				(await (await (await (await (await navigator.storage.getDirectory()).getDirectoryHandle(folder!)).getDirectoryHandle(device!)).getFileHandle('manifest.json')).getFile()).text(),
			[usb.pickedFolder, deviceFolder],
		),
	) as { entries: { devicePath: string; path: string; sha256: string }[] };

	// Every readable file on the phone is in the backup once, with the phone's own SHA-256.
	const photoFile = (path: string) => /^\/(DCIM|PhotoData\/CPLAssets|PhotoData\/Mutations)\//.test(path);
	const readable = [...roll.files()].filter((file) => !file.unreadable && photoFile(file.path));
	const byDevicePath = new Map(manifest.entries.map((entry) => [entry.devicePath, entry]));
	for (const file of readable) {
		const entry = byDevicePath.get(file.path);
		expect(entry, file.path).toBeDefined();
		const expected = await roll.expectedSha256(file.path);
		expect(entry!.sha256, file.path).toBe(expected);
		expect(contents[`${deviceFolder}/${entry!.path}`], entry!.path).toBe(expected);
	}
	// No duplicates: one file in the folder per manifest path.
	expect(new Set(manifest.entries.map((entry) => entry.path)).size).toBe(manifest.entries.length);
	// The real Live Photo is in its month, still and movie side by side.
	expect(contents[`${deviceFolder}/2025/05/IMG_3582.HEIC`]).toBeDefined();
	expect(contents[`${deviceFolder}/2025/05/IMG_3582.MOV`]).toBeDefined();
	// SHA256SUMS says what sha256sum -c would check: every line's file has that hash.
	const sums = await page.evaluate(
		async ([folder, device]) =>
			(await (await (await (await (await navigator.storage.getDirectory()).getDirectoryHandle(folder!)).getDirectoryHandle(device!)).getFileHandle('SHA256SUMS')).getFile()).text(),
		[usb.pickedFolder, deviceFolder],
	);
	const lines = sums.trim().split('\n');
	expect(lines.length).toBe(new Set(manifest.entries.map((entry) => entry.path)).size);
	for (const line of lines) {
		const match = /^([0-9a-f]{64}) {2}(.+)$/.exec(line);
		expect(match, line).not.toBeNull();
		expect(contents[`${deviceFolder}/${match![2]}`], line).toBe(match![1]);
	}

	await page.getByRole('button', { name: 'Verify backup' }).click();
	await expect(page.getByTestId('verify-result')).toContainText('Verified', { timeout: 60_000 });

	// Five new photos on the phone: the next backup copies exactly those.
	const added = roll.addPhotos(5);
	await page.reload();
	await page.getByRole('button', { name: 'Connect iPhone' }).click();
	await expect(page.getByTestId('library-counts')).toBeVisible({ timeout: 60_000 });
	await page.getByRole('button', { name: /Back up to .* again/ }).click();
	await expect(page.getByTestId('plan-summary')).toContainText('5 photos');
	await page.getByRole('button', { name: 'Start backup' }).click();
	await expect(status).toContainText(`Backup complete: ${added.length} files copied`, { timeout: 60_000 });
	expect(phone.mux.violations).toEqual([]);
});
