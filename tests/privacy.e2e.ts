/**
 * Nothing leaves the computer: the page's policy refuses requests to any other origin, from the page
 * and from its workers; and once loaded, the page works offline.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test } from '@playwright/test';

test('the page and its device worker cannot send anything to another origin', async ({ page }) => {
	// Another origin that answers: a request that left would reach it (a closed port would fail anyway).
	const received: string[] = [];
	const elsewhere = createServer((request, response) => {
		received.push(request.url ?? '');
		response.writeHead(200, { 'Access-Control-Allow-Origin': '*' }).end('ok');
	});
	await new Promise<void>((done) => elsewhere.listen(0, '127.0.0.1', done));
	const target = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}/photo`;
	const violations: string[] = [];
	await page.exposeFunction('reportViolation', (uri: string) => void violations.push(uri));
	await page.addInitScript(() => {
		document.addEventListener('securitypolicyviolation', (event) =>
			(window as unknown as { reportViolation(uri: string): void }).reportViolation(event.blockedURI),
		);
	});
	await page.goto('/');
	const fromPage = await page.evaluate(
		(url) =>
			fetch(url, { method: 'POST', body: 'x' }).then(
				() => 'sent',
				() => 'refused',
			),
		target,
	);
	expect(fromPage).toBe('refused');
	await expect.poll(() => violations).toContain(target);

	await expect.poll(() => page.workers().length).toBeGreaterThan(0);
	const deviceWorker = page.workers().find((worker) => worker.url().includes('device.worker'))!;
	// The worker is bound by the policy its script is served with (the page's <meta> binds the page only).
	const fromWorker = await deviceWorker.evaluate(
		(url) =>
			fetch(url, { method: 'POST', body: 'x' }).then(
				() => 'sent',
				(error: Error) => error.name,
			),
		target,
	);
	expect(fromWorker).toBe('TypeError');
	const socket = await page.evaluate(
		() =>
			new Promise<string>((resolve) => {
				try {
					const ws = new WebSocket('ws://127.0.0.2:9/');
					ws.onopen = () => resolve('open');
					ws.onerror = () => resolve('refused');
				} catch (error) {
					resolve((error as Error).name);
				}
			}),
	);
	expect(socket).not.toBe('open');
	expect(received).toEqual([]);
	await new Promise<void>((done) => elsewhere.close(() => done()));
});

test('once loaded, the page works offline, and the demo too once it was tried', async ({ context, page }) => {
	await page.goto('/');
	await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
	await expect.poll(() => page.evaluate(() => caches.keys().then((keys) => keys.length))).toBeGreaterThan(0);
	// The demo's virtual iPhone is not cached at install (no visitor downloads it unasked): trying the
	// demo once, online, keeps it for offline use.
	await page.reload();
	await page.getByRole('button', { name: 'Try the demo iPhone' }).click();
	await expect(page.getByTestId('library-counts')).toContainText('Live Photos', { timeout: 30_000 });
	await context.setOffline(true);
	await page.reload();
	await expect(page.getByRole('heading', { name: 'iPhone Photo Backup' })).toBeVisible();
	await page.getByRole('button', { name: 'Try the demo iPhone' }).click();
	await expect(page.getByRole('status').first()).toContainText('Connected to Demo iPhone');
	await expect(page.getByTestId('library-counts')).toContainText('Live Photos', { timeout: 30_000 });
});
