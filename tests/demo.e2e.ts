/**
 * The demo: a virtual iPhone running in the page's device worker, with our own TLS server, reached
 * through the same USB seam. No fake WebUSB is installed here: the demo needs none.
 */
import { expect, test } from '@playwright/test';

test('the demo iPhone pairs, and its camera roll is listed with the real sample photos among it', async ({ page }) => {
	const requests: string[] = [];
	page.on('request', (request) => requests.push(request.url()));
	await page.goto('/');
	await page.getByRole('button', { name: 'Try the demo iPhone' }).click();
	const status = page.getByRole('status').first();
	await expect(status).toContainText('tap Trust');
	await expect(status).toContainText('Connected to Demo iPhone (iPhone 15 Pro, iOS 18.5)');
	await expect(page.getByTestId('library-counts')).toContainText('Live Photos', { timeout: 30_000 });
	await page.getByText(/By month/).click();
	// IMG_3582, a real Live Photo taken in May 2025, is among the generated items.
	await expect(page.getByText('May 2025')).toBeVisible();
	// The sample photos come from the page's own origin, and nothing else is asked of any server.
	const origin = new URL(page.url()).origin;
	expect(requests.filter((url) => !url.startsWith(origin) && !url.startsWith('data:') && !url.startsWith('blob:'))).toEqual([]);
	expect(requests.some((url) => url.endsWith('/demo-media/IMG_3582.HEIC'))).toBe(true);
});

test('the demo works in a browser without WebUSB', async ({ browser }) => {
	const context = await browser.newContext();
	await context.addInitScript(() => {
		delete (Navigator.prototype as { usb?: unknown }).usb;
	});
	const page = await context.newPage();
	await page.goto('/');
	await expect(page.getByRole('alert')).toContainText('cannot talk to an iPhone over USB');
	await page.getByRole('button', { name: 'Try the demo iPhone' }).click();
	await expect(page.getByRole('status').first()).toContainText('Connected to Demo iPhone');
	await context.close();
});
