/**
 * Drives the real page ('/') and its demo iPhone — a VirtualIPhone in the page's device worker, reached
 * through a SimUsb — in Debian's Chromium, with a profile on disk so the storage quota follows the disk.
 * The demo's camera roll and USB cap are chosen by the page's `?demo=` parameter.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from '@playwright/test';
import { workerHeap } from '../tests/harness/worker-heap';
import { startCpuCount, type CpuSplit } from './cpu-time';

export const BASE_URL = `http://127.0.0.1:${process.env.APP_PORT ?? 4173}`;
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** `?demo=` of the page: a profile name or `{ base, ...overrides }`, and a USB cap. */
export interface DemoSetup {
	profile: string | Record<string, unknown>;
	bytesPerSecond?: number;
}

export interface BackupRun {
	files: number;
	bytes: number;
	/** From "Try the demo iPhone" to the library shown (includes making the virtual phone). */
	scanSeconds: number;
	/** From "Choose backup folder" to the plan shown. */
	planSeconds: number;
	/** From "Start backup" to "Backup complete" (copy, hash, write, read-back verification). */
	backupSeconds: number;
	/** Peak JS heap of the device worker and of device + hash workers together (bytes), when watched. */
	heapPeak?: { device: number; workers: number };
	/** Longest main-thread task seen by PerformanceObserver('longtask') (0: none ≥ 50 ms). */
	longestTaskMs: number;
	/** Longest gap between ticks of a 0 ms timer loop on the page: an upper bound on any task. */
	longestTimerGapMs: number;
	/** IndexedDB bytes the backup added (navigator.storage.estimate). */
	indexedDbBytes: number;
	/** CPU seconds Chromium's threads spent from "Start backup" to "Backup complete" (Linux only). */
	cpu?: CpuSplit;
}

/** Code run in the page before its own: the folder picker hands out an OPFS folder; tasks are watched. */
const INIT = `(() => {
	const watch = { longest: 0, gap: 0, last: performance.now(), on: false };
	globalThis.__bench = watch;
	new PerformanceObserver((list) => {
		for (const entry of list.getEntries()) if (watch.on) watch.longest = Math.max(watch.longest, entry.duration);
	}).observe({ type: 'longtask', buffered: false });
	const tick = () => {
		const now = performance.now();
		if (watch.on) watch.gap = Math.max(watch.gap, now - watch.last);
		watch.last = now;
		setTimeout(tick, 0);
	};
	tick();
	Object.defineProperty(window, 'showDirectoryPicker', { configurable: true, writable: true, value: async () => {
		const root = await navigator.storage.getDirectory();
		return root.getDirectoryHandle(localStorage.getItem('bench-folder') || 'bench', { create: true });
	} });
})();`;

export class BenchBrowser {
	readonly context: BrowserContext;
	readonly page: Page;
	readonly #profile: string;

	private constructor(context: BrowserContext, page: Page, profile: string) {
		this.context = context;
		this.page = page;
		this.#profile = profile;
	}

	static async launch(): Promise<BenchBrowser> {
		const profile = await mkdtemp(join(tmpdir(), 'bench-profile-'));
		const context = await chromium.launchPersistentContext(profile, {
			executablePath: CHROMIUM,
			baseURL: BASE_URL,
			serviceWorkers: 'block',
			viewport: { width: 1200, height: 900 },
		});
		await context.addInitScript({ content: INIT });
		const page = context.pages()[0] ?? (await context.newPage());
		return new BenchBrowser(context, page, profile);
	}

	get version(): string {
		return this.context.browser()?.version() ?? 'unknown';
	}

	async close(): Promise<void> {
		await this.context.close().catch(() => undefined);
		await rm(this.#profile, { recursive: true, force: true });
	}

	/** Opens the page with `setup`, connects the demo phone and reads its library; the backup goes to `folder`. */
	async open(setup: DemoSetup, folder: string): Promise<{ scanSeconds: number }> {
		const { page } = this;
		await page.goto(`/?demo=${encodeURIComponent(JSON.stringify(setup))}`);
		await page.evaluate((name) => localStorage.setItem('bench-folder', name), folder);
		const start = Date.now();
		await page.getByRole('button', { name: 'Try the demo iPhone' }).click();
		await this.#waitFor(page.getByTestId('library-counts'), 600_000);
		return { scanSeconds: (Date.now() - start) / 1000 };
	}

	/** Chooses the folder and waits for the plan. */
	async plan(): Promise<{ planSeconds: number; summary: string }> {
		const { page } = this;
		const start = Date.now();
		await page.getByRole('button', { name: 'Choose backup folder' }).click();
		const summary = page.getByTestId('plan-summary');
		await this.#waitFor(summary, 600_000);
		return { planSeconds: (Date.now() - start) / 1000, summary: (await summary.textContent()) ?? '' };
	}

	/** A whole backup of the demo phone with `setup` into a fresh folder. */
	async backup(setup: DemoSetup, options: { folder: string; watchHeap?: boolean }): Promise<BackupRun> {
		const { page } = this;
		const idbBefore = await this.indexedDbBytes();
		const { scanSeconds } = await this.open(setup, options.folder);
		const { planSeconds } = await this.plan();
		const heap = options.watchHeap ? await this.#heapWatcher() : undefined;
		let peak = { device: 0, workers: 0 };
		await page.evaluate(() => {
			const watch = (globalThis as unknown as { __bench: { longest: number; gap: number; on: boolean; last: number } }).__bench;
			Object.assign(watch, { longest: 0, gap: 0, on: true, last: performance.now() });
		});
		const status = page.getByRole('status', { name: 'Backup status' });
		const countCpu = await startCpuCount(this.#profile);
		const start = Date.now();
		await page.getByRole('button', { name: 'Start backup' }).click();
		// Completion is seen in the page (a MutationObserver), not by polling from here.
		// Completion is seen in the page (a MutationObserver), not by polling from here. A string, because
		// tsx's keepNames would wrap inner functions in a helper the page does not have.
		const done = page.evaluate<number>(`new Promise((resolve, reject) => {
			const check = () => {
				const text = document.querySelector('[aria-label="Backup status"]')?.textContent ?? '';
				if (text.includes('Backup complete')) { resolve(performance.now()); return true; }
				if (document.querySelector('[role="alert"]') || /stopped|cancelled/.test(text)) { reject(new Error(text || 'backup failed')); return true; }
				return false;
			};
			if (check()) return;
			const observer = new MutationObserver(() => { if (check()) observer.disconnect(); });
			observer.observe(document.body, { subtree: true, childList: true, characterData: true });
		})`);
		let finished = false;
		const outcome = done.finally(() => (finished = true));
		while (heap && !finished) {
			const sample = await heap();
			peak = { device: Math.max(peak.device, sample.device), workers: Math.max(peak.workers, sample.device + sample.hash) };
			await Promise.race([outcome.catch(() => undefined), page.waitForTimeout(250)]);
		}
		await outcome;
		const backupSeconds = (Date.now() - start) / 1000;
		const cpu = await countCpu?.();
		const watch = await page.evaluate(() => {
			const w = (globalThis as unknown as { __bench: { longest: number; gap: number; on: boolean } }).__bench;
			w.on = false;
			return { longest: w.longest, gap: w.gap };
		});
		const text = (await status.textContent()) ?? '';
		if (/failed/.test(text)) throw new Error(`backup had failures: ${text}`);
		const { files, bytes } = await this.manifestTotals(options.folder);
		return {
			files,
			bytes,
			scanSeconds,
			planSeconds,
			backupSeconds,
			heapPeak: heap ? peak : undefined,
			longestTaskMs: watch.longest,
			longestTimerGapMs: watch.gap,
			indexedDbBytes: (await this.indexedDbBytes()) - idbBefore,
			cpu,
		};
	}

	/** Files and bytes the backup's manifest lists. */
	async manifestTotals(folder: string): Promise<{ files: number; bytes: number }> {
		return this.page.evaluate(async (name) => {
			const root = await (await navigator.storage.getDirectory()).getDirectoryHandle(name);
			let files = 0;
			let bytes = 0;
			for await (const [, handle] of root.entries()) {
				if (handle.kind !== 'directory') continue;
				const manifest = JSON.parse(await (await (await (handle as FileSystemDirectoryHandle).getFileHandle('manifest.json')).getFile()).text()) as {
					entries: { size: number }[];
				};
				files += manifest.entries.length;
				for (const entry of manifest.entries) bytes += entry.size;
			}
			return { files, bytes };
		}, folder);
	}

	async indexedDbBytes(): Promise<number> {
		if (!this.page.url().startsWith(BASE_URL)) await this.page.goto('/');
		return this.page.evaluate(async () => {
			const estimate = (await navigator.storage.estimate()) as StorageEstimate & { usageDetails?: { indexedDB?: number } };
			return estimate.usageDetails?.indexedDB ?? 0;
		});
	}

	/** Deletes a backup folder from OPFS (the disk fills up otherwise). */
	async removeFolder(folder: string): Promise<void> {
		await this.page.evaluate(async (name) => {
			const root = await navigator.storage.getDirectory();
			await root.removeEntry(name, { recursive: true }).catch(() => undefined);
		}, folder);
	}

	async #waitFor(locator: ReturnType<Page['getByTestId']>, timeout: number): Promise<void> {
		const alert = this.page.getByRole('alert');
		await Promise.race([
			locator.waitFor({ state: 'visible', timeout }),
			alert.first().waitFor({ state: 'visible', timeout }).then(async () => {
				throw new Error(`the page shows an error: ${await alert.first().textContent()}`);
			}),
		]);
	}

	/** Samples the JS heap of the device and hash workers over CDP (Playwright has no worker sessions). */
	async #heapWatcher(): Promise<() => Promise<{ device: number; hash: number }>> {
		const cdp = await this.context.newCDPSession(this.page);
		const device = await workerHeap(cdp, 'device.worker');
		// The hash worker starts with the backup: attach once it exists.
		let hash: (() => Promise<number>) | undefined;
		return async () => {
			hash ??= await workerHeap(cdp, 'hash.worker').catch(() => undefined);
			return { device: await device(), hash: hash ? await hash() : 0 };
		};
	}
}
