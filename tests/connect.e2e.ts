/**
 * Connecting end to end: the built page, its device worker and the whole host stack (WebUSB seam →
 * usbmux → lockdownd → pairing → TLS) against the virtual iPhone, whose internals live in this process.
 */
import { expect, test } from './harness/fixtures';
import { loadRealMedia } from '../src/sim/camera-roll/real-media-node';
import { tlsDeviceSecurity, type DeviceSessionSecurity } from '../src/sim/lockdownd';
import { nodeTlsServer } from '../src/testing/sim/lockdownd/node-tls';
import { VirtualIPhone } from '../src/sim/virtual-iphone';

const servers: [string, () => DeviceSessionSecurity][] = [
	['our TLS server', () => tlsDeviceSecurity],
	["OpenSSL's TLS server", () => nodeTlsServer()],
];

for (const [serverName, security] of servers) {
	test(`pairs on first visit, then reuses the pairing after a reload (${serverName})`, async ({ page, usb }) => {
		let prompts = 0;
		const phone = await VirtualIPhone.create({
			usb: { chunking: 'stream', seed: 3 },
			security: security(),
			lockdown: { trust: { pendingPolls: 2 }, onTrustPromptShown: () => prompts++ },
		});
		usb.plug(phone.hardware);

		await page.goto('/');
		await page.getByRole('button', { name: 'Connect iPhone' }).click();
		const status = page.getByRole('status');
		await expect(status).toContainText('tap Trust');
		await expect(status).toContainText('Connected to iPhone (iPhone 15 Pro, iOS 18.5)');
		expect(prompts).toBe(1);
		expect(phone.lockdownd.trustedHostIds).toHaveLength(1);

		// The pair record's private keys are in IndexedDB as non-extractable CryptoKeys.
		const exported = await page.evaluate(async () => {
			const db = await new Promise<IDBDatabase>((resolve, reject) => {
				const open = indexedDB.open('iphone-backup');
				open.onsuccess = () => resolve(open.result);
				open.onerror = () => reject(open.error);
			});
			const records = await new Promise<{ hostPrivateKey: CryptoKey; rootPrivateKey: CryptoKey }[]>((resolve, reject) => {
				const all = db.transaction('pairRecords').objectStore('pairRecords').getAll();
				all.onsuccess = () => resolve(all.result);
				all.onerror = () => reject(all.error);
			});
			const attempts = records.flatMap((record) => [record.hostPrivateKey, record.rootPrivateKey]);
			const results = await Promise.all(
				attempts.map((key) => crypto.subtle.exportKey('pkcs8', key).then(() => 'exported', (error: Error) => error.name)),
			);
			return { count: records.length, extractable: attempts.map((key) => key.extractable), results };
		});
		expect(exported.count).toBe(1);
		expect(exported.extractable).toEqual([false, false]);
		expect(exported.results).toEqual(['InvalidAccessError', 'InvalidAccessError']);

		// A returning visit: the granted, paired phone is found with getDevices() and connected without a click.
		await page.reload();
		await expect(status).toContainText('Connected to iPhone');
		await page.getByText('About this connection').click();
		await expect(page.getByText('Paired on an earlier visit')).toBeVisible();
		expect(prompts).toBe(1);
		expect(phone.mux.violations).toEqual([]);
	});
}

test('a returning visit reconnects by itself and backs up only what is new; so does a phone plugged back in', async ({ page, usb }) => {
	test.setTimeout(120_000);
	const phone = await VirtualIPhone.create({
		security: tlsDeviceSecurity,
		lockdown: { trust: { pendingPolls: 0 } },
		cameraRoll: { profile: 'small', realMedia: await loadRealMedia() },
	});
	usb.plug(phone.hardware);
	const status = page.getByRole('status').first();
	const backupStatus = page.getByRole('status', { name: 'Backup status' });
	const timeline = page.getByTestId('timeline-summary');

	await page.goto('/');
	await page.getByRole('button', { name: 'Connect iPhone' }).click();
	await expect(timeline).toContainText('Choose the backup folder to see which photos and videos are already backed up.', { timeout: 60_000 });
	await page.getByRole('button', { name: 'Choose backup folder' }).click();
	await expect(timeline).toContainText(/^0 of \d+ items are in the backup; \d+ not yet/);
	await page.getByRole('button', { name: 'Start backup' }).click();
	await expect(backupStatus).toContainText('Backup complete', { timeout: 60_000 });
	await expect(timeline).toContainText('Everything that can be copied is in the backup');

	// Two photos later, the page is opened again: no click, no chooser, no Trust prompt.
	const added = phone.cameraRoll!.addPhotos(2);
	await page.reload();
	await expect(status).toContainText('Connected to iPhone', { timeout: 60_000 });
	await expect(page.getByRole('button', { name: 'Connect iPhone' })).toHaveCount(0);
	// The folder is remembered; the browser's permission to write there is asked again with a click.
	await page.getByRole('button', { name: /Back up to .* again/ }).click();
	await expect(page.getByTestId('plan-summary')).toContainText('2 photos');
	await expect(timeline).toContainText(/ 2 not yet, from /);
	await page.getByRole('button', { name: 'Start backup' }).click();
	await expect(backupStatus).toContainText(`Backup complete: ${added.length} files copied`, { timeout: 60_000 });
	await expect(timeline).toContainText('Everything that can be copied is in the backup');

	// The cable comes out, and goes back in: connected again by itself.
	phone.unplug();
	await expect(page.getByRole('alert')).toHaveAttribute('data-code', 'unplugged');
	usb.plug(phone.replug());
	await expect(status).toContainText('Connected to iPhone', { timeout: 60_000 });
	await expect(page.getByRole('alert')).toHaveCount(0);
	await expect(page.getByTestId('library-counts')).toBeVisible({ timeout: 60_000 });
	expect(phone.mux.violations).toEqual([]);
});

test('reaches lockdownd through the fake WebUSB, and reports a pulled cable', async ({ page, usb }) => {
	const phone = await VirtualIPhone.create({ security: tlsDeviceSecurity, lockdown: { trust: { pendingPolls: 0 } } });
	usb.plug(phone.hardware);

	await page.goto('/');
	await page.getByRole('button', { name: 'Connect iPhone' }).click();
	await expect(page.getByRole('status')).toContainText('Connected to iPhone');
	await page.getByText('About this connection').click();
	await expect(page.getByText('com.apple.mobile.lockdown')).toBeVisible();
	await expect(page.getByText(phone.udid)).toBeVisible();

	phone.unplug();
	const alert = page.getByRole('alert');
	await expect(alert).toContainText('disconnected');
	await expect(alert).toHaveAttribute('data-code', 'unplugged');
	await expect(page.getByRole('button', { name: 'Connect iPhone' })).toBeVisible();
});

test('Don’t Trust and a locked phone get plain words', async ({ page, usb }) => {
	const denied = await VirtualIPhone.create({ security: tlsDeviceSecurity, lockdown: { trust: { pendingPolls: 0, answer: 'dont-trust' } } });
	usb.plug(denied.hardware);
	await page.goto('/');
	await page.getByRole('button', { name: 'Connect iPhone' }).click();
	await expect(page.getByRole('alert')).toHaveAttribute('data-code', 'trust-denied');
	usb.unplug(denied.hardware);

	const locked = await VirtualIPhone.create({ security: tlsDeviceSecurity, lockdown: { trust: { locked: true } } });
	usb.plug(locked.hardware);
	await page.getByRole('button', { name: 'Connect iPhone' }).click();
	await expect(page.getByRole('alert')).toHaveAttribute('data-code', 'locked');
	await expect(page.getByRole('alert')).toContainText(/unlock/i);
});

test('a phone that another program holds gets advice instead of a hang', async ({ page, usb }) => {
	const phone = await VirtualIPhone.create();
	phone.hardware.faults.claimBusy = true;
	usb.plug(phone.hardware);
	await page.goto('/');
	await page.getByRole('button', { name: 'Connect iPhone' }).click();
	const alert = page.getByRole('alert');
	await expect(alert).toHaveAttribute('data-code', 'usb-busy');
	// The test machine is Linux: the advice names the exact commands.
	await expect(alert).toContainText('systemctl stop usbmuxd');
});

test('without WebUSB the page says what it needs', async ({ browser }) => {
	const context = await browser.newContext();
	await context.addInitScript(() => {
		delete (Navigator.prototype as { usb?: unknown }).usb;
	});
	const page = await context.newPage();
	await page.goto('/');
	await expect(page.getByRole('alert')).toContainText('cannot talk to an iPhone over USB');
	await expect(page.getByRole('alert')).toContainText('Chrome');
	await expect(page.getByRole('button', { name: 'Connect iPhone' })).toHaveCount(0);
	await expect(page.getByRole('button', { name: 'Try the demo iPhone' })).toBeVisible();
	await context.close();
});
