/**
 * Every step of the page, as a person sees it: screenshots at desktop and phone widths (written to
 * test-results/screens/ for a person to look at), an accessibility check with axe-core at each step,
 * and the whole demo flow done with the keyboard alone.
 */
import { join } from 'node:path';
import type { Page } from '@playwright/test';
// The harness's page: showDirectoryPicker gives an OPFS folder (headless Chromium has no picker).
import { expect, test } from './harness/fixtures';
import { noSeriousViolations } from './harness/axe';

const WIDTHS = { desktop: { width: 1280, height: 900 }, narrow: { width: 390, height: 844 } };

/** A demo iPhone holding only the real sample photos, on a slow cable: each file is long enough on screen to be caught. */
const SLOW_SAMPLES = `/?demo=${encodeURIComponent(JSON.stringify({ profile: 'small', bytesPerSecond: 1_200_000 }))}`;

for (const [name, viewport] of Object.entries(WIDTHS)) {
	test(`each step reads well and passes axe (${name})`, async ({ page }, testInfo) => {
		test.setTimeout(180_000);
		await page.setViewportSize(viewport);
		const shot = async (step: string) => {
			await page.screenshot({ path: join(testInfo.project.outputDir, 'screens', `${name}-${step}.png`), fullPage: true });
			await noSeriousViolations(page, step);
		};
		const status = page.getByRole('status', { name: 'Backup status' });

		// First the sample photos alone: the file being copied is shown with its embedded thumbnail.
		await page.goto(SLOW_SAMPLES);
		await shot('1-start');
		await page.getByRole('button', { name: 'Try the demo iPhone' }).click();
		await expect(page.getByTestId('library-counts')).toBeVisible({ timeout: 60_000 });
		await page.getByRole('button', { name: 'Choose backup folder' }).click();
		await expect(page.getByTestId('plan-summary')).toBeVisible({ timeout: 60_000 });
		await page.getByRole('button', { name: 'Start backup' }).click();
		const thumbnail = page.getByRole('img', { name: 'Preview of IMG_1064.JPG' });
		await thumbnail.waitFor({ timeout: 60_000 });
		await page.getByRole('button', { name: 'Pause' }).click();
		await expect(status).toContainText('Paused');
		await expect(thumbnail).toBeVisible();
		// Drawn, and upright: the photo was taken in portrait, its thumbnail stored sideways.
		expect(await thumbnail.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
		await shot('4-paused-with-thumbnail');
		await page.getByRole('button', { name: 'Resume' }).click();
		await expect(status).toContainText('Backup complete', { timeout: 120_000 });

		// Then the whole demo camera roll into the same folder: the timeline shows what is already there.
		await page.goto('/');
		await page.getByRole('button', { name: 'Try the demo iPhone' }).click();
		await expect(page.getByTestId('library-counts')).toBeVisible({ timeout: 60_000 });
		await shot('2-library');
		await page.getByRole('button', { name: 'Choose backup folder' }).click();
		await expect(page.getByTestId('plan-summary')).toBeVisible({ timeout: 60_000 });
		await expect(page.getByTestId('timeline-summary')).toContainText('not yet');
		await shot('3-plan-and-timeline');
		await page.getByRole('button', { name: 'Start backup' }).click();
		await expect(page.getByRole('progressbar', { name: 'Backup progress' })).toBeVisible();
		await page.getByRole('button', { name: 'Pause' }).click();
		await expect(status).toContainText('Paused');
		await shot('5-paused');
		await page.getByRole('button', { name: 'Resume' }).click();
		await expect(status).toContainText('Backup complete', { timeout: 120_000 });
		await expect(page.getByTestId('timeline-summary')).toContainText('Everything that can be copied is in the backup');
		await shot('6-done');
	});
}

test('the demo backup can be done with the keyboard alone', async ({ page }) => {
	test.setTimeout(180_000);
	await page.goto('/');
	const press = async (name: string) => {
		const target = page.getByRole('button', { name });
		await expect(target).toBeEnabled({ timeout: 60_000 });
		for (let i = 0; i < 30; i++) {
			if (await target.evaluate((el) => el === document.activeElement)) break;
			await page.keyboard.press('Tab');
		}
		await expect(target).toBeFocused();
		await page.keyboard.press('Enter');
	};
	await press('Try the demo iPhone');
	await expect(page.getByTestId('library-counts')).toBeVisible({ timeout: 60_000 });
	await press('Choose backup folder');
	await expect(page.getByTestId('plan-summary')).toBeVisible({ timeout: 60_000 });
	await press('Start backup');
	await expect(page.getByRole('status', { name: 'Backup status' })).toContainText('Backup complete', { timeout: 120_000 });
	await press('Verify backup');
	await expect(page.getByTestId('verify-result')).toContainText('Verified', { timeout: 60_000 });
});
