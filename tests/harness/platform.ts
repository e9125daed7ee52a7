import type { BrowserContext } from '@playwright/test';

/**
 * The OS the page reads from `navigator.userAgentData.platform` ("macOS", "Windows", "Android",
 * "Chrome OS"): the test machine is Linux, and Playwright's user agent option leaves the client hints as
 * they are.
 */
export async function pretendPlatform(context: BrowserContext, platform: string): Promise<void> {
	await context.addInitScript((name) => {
		Object.defineProperty(Navigator.prototype, 'userAgentData', { get: () => ({ platform: name }), configurable: true });
	}, platform);
}
