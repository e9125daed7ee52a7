import { defineConfig } from '@playwright/test';

// The browser is Debian's Chromium: nothing here may download one of its own.
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const BASE_URL = `http://127.0.0.1:${process.env.APP_PORT ?? 4173}`;

export default defineConfig({
	testDir: 'tests',
	testMatch: '**/*.e2e.ts',
	fullyParallel: false,
	workers: 1,
	forbidOnly: !!process.env.CI,
	retries: 0,
	timeout: 60_000,
	reporter: [['list']],
	use: {
		baseURL: BASE_URL,
		launchOptions: { executablePath: CHROMIUM },
		trace: 'off',
	},
	webServer: {
		command: 'npm run build:testing && npm run preview',
		url: BASE_URL,
		reuseExistingServer: !process.env.CI,
		timeout: 120_000,
	},
});
