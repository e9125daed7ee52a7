/**
 * A new version of the page put up while a tab is open never breaks that tab: the new service worker
 * waits, the page offers "A new version is ready" only while no backup is under way, and a part of the
 * old version that the server no longer has (a worker, a chunk) is an error that says to reload, not a
 * page that waits forever.
 */
import { expect, test, type Page } from '@playwright/test';

const SLOW_DEMO = `/?demo=${encodeURIComponent(JSON.stringify({ profile: 'small', bytesPerSecond: 1_200_000 }))}`;

/** The folder picker cannot be driven headless: it hands out a folder of the origin's private file system. */
async function pickPrivateFolder(page: Page): Promise<void> {
	await page.addInitScript(() => {
		const pick = async () => (await navigator.storage.getDirectory()).getDirectoryHandle('picked', { create: true });
		Object.defineProperty(window, 'showDirectoryPicker', { configurable: true, value: pick });
	});
}

/**
 * The tab loads a version whose service worker differs by one byte from the one on the server: asking
 * for an update then finds "the next version", as after a deployment. (Chromium's update checks do not
 * pass through Playwright's routes; the first registration does.)
 */
async function loadTheVersionBefore(page: Page): Promise<void> {
	await page.context().route('**/service-worker.js', async (route) => {
		const response = await route.fetch();
		await route.fulfill({ response, body: `${await response.text()}\n// the version before\n` });
	});
}

async function putUpNextVersion(page: Page): Promise<void> {
	await page.context().unroute('**/service-worker.js');
	await page.evaluate(async () => {
		const registration = await navigator.serviceWorker.ready;
		await registration.update();
	});
	await expect.poll(() => page.evaluate(async () => (await navigator.serviceWorker.ready).waiting !== null), { timeout: 15_000 }).toBe(true);
}

test.describe('with the service worker', () => {
	test('a new version waits, is offered while no backup runs, and takes over on Reload', async ({ page }) => {
		await pickPrivateFolder(page);
		await loadTheVersionBefore(page);
		await page.goto(SLOW_DEMO);
		await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
		await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);

		await page.getByRole('button', { name: 'Try the demo iPhone' }).click();
		await expect(page.getByTestId('library-counts')).toBeVisible({ timeout: 60_000 });
		await page.getByRole('button', { name: 'Choose backup folder' }).click();
		await expect(page.getByTestId('plan-summary')).toBeVisible({ timeout: 60_000 });
		await page.getByRole('button', { name: 'Start backup' }).click();
		await page.getByRole('button', { name: 'Pause' }).click();

		const offer = page.getByRole('complementary', { name: 'New version' });
		await putUpNextVersion(page);
		// The tab keeps its version while a backup is under way (paused counts): no offer, and the old
		// version still serves it.
		await page.waitForTimeout(500);
		await expect(offer).toBeHidden();
		await page.getByRole('button', { name: 'Resume' }).click();
		await expect(page.getByRole('status', { name: 'Backup status' })).toContainText('Backup complete', { timeout: 120_000 });

		await expect(offer).toContainText('A new version of this page is ready.');
		await Promise.all([page.waitForEvent('load'), offer.getByRole('button', { name: 'Reload' }).click()]);
		await expect(page.getByRole('heading', { name: 'iPhone Photo Backup' })).toBeVisible();
		expect(await page.evaluate(async () => (await navigator.serviceWorker.ready).waiting)).toBeNull();
		await expect(offer).toBeHidden();
	});
});

test.describe('without the service worker', () => {
	test.use({ serviceWorkers: 'block' });

	test('a device worker the server no longer has is an error that says to reload', async ({ page }) => {
		await page.route(/\/workers\/device\.worker-[^/]+\.js$/, (route) => route.fulfill({ status: 404, body: 'Not Found' }));
		await page.goto('/');
		await page.getByRole('button', { name: 'Try the demo iPhone' }).click();
		const alert = page.locator('[role="alert"][data-code="app-updated"]');
		await expect(alert).toContainText('A part of this page could not be loaded', { timeout: 15_000 });
		await expect(alert).toContainText('Reload the page');
	});

	test("the demo's chunk missing after an update is an error that says to reload", async ({ page }) => {
		await page.route(/\/virtual-iphone-demo-[^/]+\.js$/, (route) => route.fulfill({ status: 404, body: 'Not Found' }));
		await page.goto('/');
		await page.getByRole('button', { name: 'Try the demo iPhone' }).click();
		await expect(page.locator('[role="alert"][data-code="app-updated"]')).toContainText('Reload the page', { timeout: 15_000 });
	});
});
