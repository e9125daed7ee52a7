/**
 * A video larger than 2 GiB read to its end through the whole stack in Chromium — fake WebUSB, usbmux,
 * AFC, the hash worker, the OPFS folder — with the device worker's heap watched over CDP while it runs.
 */
import { expect, test } from './harness/fixtures';
import { launchPersistent, withProfile } from './harness/persistent';
import { workerHeap } from './harness/worker-heap';
import { PROFILES } from '../src/sim/camera-roll';
import { tlsDeviceSecurity } from '../src/sim/lockdownd';
import { VirtualIPhone } from '../src/sim/virtual-iphone';

const VIDEO_BYTES = Number(process.env.VIDEO_BYTES ?? 2_300_000_000);

test('a 2.3 GB video is read to the end with bounded memory and the right SHA-256', async ({ usb }) => {
	test.setTimeout(400_000);
	const phone = await VirtualIPhone.create({
		security: tlsDeviceSecurity,
		lockdown: { trust: { pendingPolls: 0 } },
		cameraRoll: {
			profile: { ...PROFILES.small, items: 8, longVideos: [VIDEO_BYTES] },
		},
	});
	usb.plug(phone.hardware);
	const video = [...phone.cameraRoll!.files()].find((file) => file.size === VIDEO_BYTES)!;
	expect(video).toBeDefined();

	await withProfile(async (profile) => {
		// A profile on disk: a throwaway context's storage quota is smaller than the video.
		const { context, page } = await launchPersistent(usb, profile);
		await page.goto('/');
		await page.getByRole('button', { name: 'Connect iPhone' }).click();
		await expect(page.getByTestId('library-counts')).toBeVisible({ timeout: 60_000 });
		await page.getByRole('button', { name: 'Choose backup folder' }).click();
		await expect(page.getByTestId('plan-summary')).toBeVisible({ timeout: 60_000 });

		const heap = await workerHeap(await context.newCDPSession(page), 'device.worker');
		await page.getByRole('button', { name: 'Start backup' }).click();
		const status = page.getByRole('status', { name: 'Backup status' });
		let peak = 0;
		while (!(await status.textContent())?.includes('Backup complete')) {
			if ((await page.getByRole('alert').count()) > 0) throw new Error(`backup failed: ${await page.getByRole('alert').first().textContent()}`);
			peak = Math.max(peak, await heap());
			await page.waitForTimeout(500);
		}
		// Memory does not grow with the file: the video is 2.3 GB, the worker's heap stays a small fraction.
		expect(peak).toBeGreaterThan(0);
		expect(peak).toBeLessThan(200 * 1024 * 1024);

		const expected = await phone.cameraRoll!.expectedSha256(video.path);
		const entry = await page.evaluate(async ([folder, devicePath]) => {
			const root = await (await navigator.storage.getDirectory()).getDirectoryHandle(folder!);
			for await (const [, handle] of root.entries()) {
				if (handle.kind !== 'directory') continue;
				const manifest = JSON.parse(await (await (await (handle as FileSystemDirectoryHandle).getFileHandle('manifest.json')).getFile()).text()) as {
					entries: { devicePath: string; sha256: string; size: number; path: string }[];
				};
				return manifest.entries.find((e) => e.devicePath === devicePath);
			}
			return undefined;
		}, [usb.pickedFolder, video.path]);
		expect(entry).toMatchObject({ sha256: expected, size: VIDEO_BYTES });

		// And read back from the folder, streaming, by the app's own verification.
		await page.getByRole('button', { name: 'Verify backup' }).click();
		await expect(page.getByTestId('verify-result')).toContainText('Verified', { timeout: 300_000 });
		console.log(`device worker heap peak while copying ${VIDEO_BYTES / 1e9} GB: ${(peak / 1048576).toFixed(1)} MiB`);
		await context.close();
	});
});
