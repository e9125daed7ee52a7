/**
 * Where the page lives: the production build, put up under a sub-path by a plain static file server
 * (no headers of its own, no rewrites), backs up the demo iPhone; it carries the response headers
 * static hosts read, and no parameter meant for tests does anything in it.
 */
import { execFile } from 'node:child_process';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve } from 'node:path';
import { promisify } from 'node:util';
import { expect, test } from '@playwright/test';

const ROOT = resolve(import.meta.dirname, '..');
const WORK = join(ROOT, 'test-results/static-host');
const SITE = join(WORK, 'site');
const BASE_PATH = '/photos';

const TYPES: Record<string, string> = {
	'.html': 'text/html',
	'.js': 'text/javascript',
	'.css': 'text/css',
	'.json': 'application/json',
	'.webmanifest': 'application/manifest+json',
	'.svg': 'image/svg+xml',
	'.wasm': 'application/wasm',
	'.jpg': 'image/jpeg',
	'.png': 'image/png',
};

/** Files under `SITE` at `BASE_PATH`, `index.html` for a folder: what any static host does, no more. */
function plainStaticServer(): Promise<Server> {
	const server = createServer((request, response) => {
		const path = decodeURIComponent(new URL(request.url ?? '/', 'http://host').pathname);
		if (!path.startsWith(`${BASE_PATH}/`)) return void response.writeHead(404).end();
		const file = normalize(join(SITE, path.slice(BASE_PATH.length), path.endsWith('/') ? 'index.html' : ''));
		if (!file.startsWith(SITE)) return void response.writeHead(404).end();
		try {
			const body = readFileSync(file);
			response.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body);
		} catch {
			response.writeHead(404).end();
		}
	});
	return new Promise((done) => server.listen(0, '127.0.0.1', () => done(server)));
}

function filesUnder(folder: string): string[] {
	return readdirSync(folder, { recursive: true, withFileTypes: true })
		.filter((entry) => entry.isFile())
		.map((entry) => join(entry.parentPath, entry.name));
}

let server: Server;
let origin: string;

test.beforeAll(async () => {
	test.setTimeout(120_000);
	rmSync(WORK, { recursive: true, force: true });
	// The production build, as `npm start` makes it, built beside the one the other tests are served.
	await promisify(execFile)(join(ROOT, 'node_modules/.bin/vite'), ['build'], {
		cwd: ROOT,
		env: { ...process.env, BASE_PATH, BUILD_DIR: SITE, SVELTEKIT_DIR: join(WORK, 'kit') },
	});
	server = await plainStaticServer();
	origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

test.afterAll(() => new Promise<void>((done) => server.close(() => done())));

test('the production build, under a sub-path of a plain static server, backs up the demo iPhone', async ({ page }) => {
	await page.addInitScript(() => {
		const pick = async () => (await navigator.storage.getDirectory()).getDirectoryHandle('picked', { create: true });
		Object.defineProperty(window, 'showDirectoryPicker', { configurable: true, value: pick });
	});
	await page.goto(`${origin}${BASE_PATH}/`);
	await page.getByRole('button', { name: 'Try the demo iPhone' }).click();
	await expect(page.getByTestId('library-counts')).toBeVisible({ timeout: 60_000 });
	await page.getByRole('button', { name: 'Choose backup folder' }).click();
	await expect(page.getByTestId('plan-summary')).toBeVisible({ timeout: 60_000 });
	await page.getByRole('button', { name: 'Start backup' }).click();
	await expect(page.getByRole('status', { name: 'Backup status' })).toContainText('Backup complete', { timeout: 120_000 });
	const scope = await page.evaluate(async () => (await navigator.serviceWorker.ready).scope);
	expect(scope).toBe(`${origin}${BASE_PATH}/`);
});

test('the production build carries the headers static hosts read, its page policy included', () => {
	const html = readFileSync(join(SITE, 'index.html'), 'utf8');
	const metaPolicy = /<meta http-equiv="content-security-policy" content="([^"]+)"/.exec(html)![1]!.replaceAll('&#39;', "'");
	const scriptHashes = metaPolicy.match(/'sha256-[^']+'/g) ?? [];
	expect(scriptHashes.length).toBeGreaterThan(0);

	const [rule, ...lines] = readFileSync(join(SITE, '_headers'), 'utf8').trimEnd().split('\n');
	expect(rule).toBe(`${BASE_PATH}/*`);
	const headers = new Map(lines.map((line) => line.trim().split(/:\s(.*)/s).slice(0, 2) as [string, string]));
	const policy = headers.get('Content-Security-Policy') ?? '';
	// The page's start script keeps running under the header (its hash is there), workers are bound,
	// nothing is sent off the origin, and no other site may frame the page.
	for (const hash of scriptHashes) expect(policy).toContain(hash);
	expect(policy).toContain("connect-src 'self'");
	expect(policy).toContain("worker-src 'self'");
	expect(policy).toContain("frame-ancestors 'none'");
	expect(headers.get('Referrer-Policy')).toBe('no-referrer');
	expect(headers.get('X-Content-Type-Options')).toBe('nosniff');

	const nginx = readFileSync(join(SITE, 'headers.nginx.conf'), 'utf8');
	for (const [name, value] of headers) expect(nginx).toContain(`add_header ${name} "${value}" always;`);
});

test('no parameter meant for tests does anything in the production build', () => {
	const mentions = (folder: string) => filesUnder(folder).filter((file) => /stall-seconds|replug-seconds|drive-file-limit/.test(readFileSync(file, 'utf8')));
	// The build the tests are served reads them (so this check can fail); the one people get does not.
	expect(mentions(join(ROOT, 'build'))).not.toEqual([]);
	expect(mentions(SITE)).toEqual([]);
});
