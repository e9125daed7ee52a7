import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from '@playwright/test';
import { BASE_URL, CHROMIUM } from '../../playwright.config';
import type { UsbHarness } from './usb-harness';

/**
 * A browser with a profile on disk, as a person's is: it survives being killed and relaunched (the
 * same origin finds its IndexedDB and OPFS again), and its storage quota follows the disk, unlike the
 * small one of Playwright's throwaway contexts.
 */
export async function launchPersistent(usb: UsbHarness, profile: string): Promise<{ context: BrowserContext; page: Page }> {
	const context = await chromium.launchPersistentContext(profile, {
		executablePath: CHROMIUM,
		baseURL: BASE_URL,
		bypassCSP: true,
		serviceWorkers: 'block',
	});
	await usb.installInto(context);
	const page = context.pages()[0] ?? (await context.newPage());
	return { context, page };
}

/** A fresh profile folder for `run`, removed afterwards. */
export async function withProfile<T>(run: (profile: string) => Promise<T>): Promise<T> {
	const profile = await mkdtemp(join(tmpdir(), 'profile-'));
	try {
		return await run(profile);
	} finally {
		await rm(profile, { recursive: true, force: true });
	}
}
