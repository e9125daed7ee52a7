/**
 * What a visitor downloads: the device worker stays under its size budget (docs/ARCHITECTURE.md), and
 * the demo's virtual iPhone is fetched only when the demo is tried, never by the page, its workers or
 * the service worker's install.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';

/**
 * The device worker's budget, minified: 43% of what it weighed with the simulator, the pairing
 * certificates' library, ExifReader and hash-wasm in it (744 KB). Those come as chunks of their own now.
 */
const DEVICE_WORKER_BUDGET = 320 * 1024;
const WORKERS = 'build/_app/immutable/workers';
const DEMO_CHUNK = /\/workers\/chunks\/virtual-iphone-demo-[^/]+\.js$/;

test('the built device worker stays under its size budget, the virtual iPhone in a chunk of its own', () => {
	const entries = readdirSync(WORKERS).filter((name) => /^device\.worker-.+\.js$/.test(name));
	expect(entries).toHaveLength(1);
	const size = statSync(join(WORKERS, entries[0]!)).size;
	console.log(`device worker: ${(size / 1024).toFixed(0)} KB of a ${DEVICE_WORKER_BUDGET / 1024} KB budget`);
	expect(size).toBeLessThanOrEqual(DEVICE_WORKER_BUDGET);
	expect(readdirSync(join(WORKERS, 'chunks')).filter((name) => DEMO_CHUNK.test(`/workers/chunks/${name}`))).toHaveLength(1);
});

test('the virtual iPhone is fetched only when the demo is tried', async ({ context, page }) => {
	const fetched: string[] = [];
	context.on('request', (request) => void fetched.push(request.url()));
	await page.goto('/');
	await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
	// The service worker's install has cached the app (the worker chunks among it), not the demo.
	await expect.poll(() => fetched.filter((url) => url.includes('/workers/chunks/')).length).toBeGreaterThan(0);
	await page.reload();
	await expect(page.getByRole('button', { name: 'Try the demo iPhone' })).toBeVisible();
	await page.waitForTimeout(1_000);
	expect(fetched.filter((url) => DEMO_CHUNK.test(url))).toEqual([]);

	await page.getByRole('button', { name: 'Try the demo iPhone' }).click();
	await expect(page.getByRole('status').first()).toContainText('Connected to Demo iPhone', { timeout: 30_000 });
	expect(fetched.filter((url) => DEMO_CHUNK.test(url)).length).toBeGreaterThan(0);
});
