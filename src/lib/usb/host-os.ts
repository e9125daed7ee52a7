/** The operating system the browser runs on: what to tell a person whose phone another program holds. */
export type HostOs = 'linux' | 'macos' | 'windows' | 'chromeos' | 'android' | 'unknown';

/**
 * The OS from what the page can read: `navigator.userAgentData.platform` ("Linux", "macOS", "Windows",
 * "Chrome OS", "Android") or, without it, `navigator.userAgent` (ChromeOS says "CrOS" there and Android
 * says "Linux; Android", hence the order).
 */
export function hostOsFromPlatform(platform: string | undefined): HostOs {
	if (!platform) return 'unknown';
	if (/android/i.test(platform)) return 'android';
	if (/cros|chrome ?os/i.test(platform)) return 'chromeos';
	if (/mac|darwin/i.test(platform)) return 'macos';
	if (/win/i.test(platform)) return 'windows';
	if (/linux|x11/i.test(platform)) return 'linux';
	return 'unknown';
}
