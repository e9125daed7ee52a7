/**
 * ChromeOS and Android Chrome (WebUSB, and `showDirectoryPicker` since Chrome 132): the whole demo flow
 * by touch on a 390 px screen, with that system's words before anything is tried, and axe-core finding
 * nothing serious; where the browser has no folder picker, the page says what to do.
 */
import { expect, test } from './harness/fixtures';
import { noSeriousViolations } from './harness/axe';
import { pretendPlatform } from './harness/platform';

const SYSTEMS = [
	{
		name: 'Android',
		platform: 'Android',
		userAgent: 'Mozilla/5.0 (Linux; Android 15; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Mobile Safari/537.36',
		notice: 'android-permission',
	},
	{
		name: 'ChromeOS',
		platform: 'Chrome OS',
		userAgent: 'Mozilla/5.0 (X11; CrOS x86_64 16181.47.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36',
		notice: undefined,
	},
] as const;

for (const system of SYSTEMS) {
	test.describe(system.name, () => {
		test.use({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: system.name === 'Android', userAgent: system.userAgent });

		test(`${system.name}: the demo is backed up by touch on a narrow screen, and axe finds nothing serious`, async ({ page, context }) => {
			test.setTimeout(120_000);
			await pretendPlatform(context, system.platform);
			await page.goto('/');
			if (system.notice) await expect(page.locator(`[data-notice="${system.notice}"]`)).toBeVisible();
			await expect(page.locator('[data-notice="windows-unreachable"], [data-notice="no-folder-picker"]')).toHaveCount(0);
			await noSeriousViolations(page, `${system.name} start`);

			await page.getByRole('button', { name: 'Try the demo iPhone' }).tap();
			await expect(page.getByTestId('library-counts')).toBeVisible({ timeout: 60_000 });
			await page.getByRole('button', { name: 'Choose backup folder' }).tap();
			await expect(page.getByTestId('plan-summary')).toBeVisible({ timeout: 60_000 });
			await noSeriousViolations(page, `${system.name} plan`);
			await page.getByRole('button', { name: 'Start backup' }).tap();
			await expect(page.getByRole('status', { name: 'Backup status' })).toContainText('Backup complete', { timeout: 90_000 });
			await noSeriousViolations(page, `${system.name} done`);
			// Nothing is wider than the screen.
			expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
		});
	});
}

test('a browser without a folder picker is told what to do before anything is tried', async ({ page, context }) => {
	await pretendPlatform(context, 'Android');
	await context.addInitScript(() => {
		delete (window as { showDirectoryPicker?: unknown }).showDirectoryPicker;
	});
	await page.goto('/');
	const notice = page.locator('[data-notice="no-folder-picker"]');
	await expect(notice).toBeVisible();
	await expect(notice).toContainText('Chrome');
});
