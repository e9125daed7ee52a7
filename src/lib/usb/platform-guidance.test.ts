import { describe, expect, it } from 'vitest';
import type { HostOs } from './host-os';
import { platformNotices } from './platform-guidance';

const withPicker = { directoryPicker: true };
const withoutPicker = { directoryPicker: false };
const ids = (os: HostOs, features = withPicker) => platformNotices(os, features).map((n) => `${n.id}:${n.level}`);

describe('platformNotices', () => {
	it('tells Windows users at once that a browser cannot reach the iPhone there, and what works instead', () => {
		const [notice] = platformNotices('windows', withPicker);
		expect(notice?.level).toBe('blocker');
		expect(notice?.message).toBe('On Windows a browser can’t reach the iPhone’s connection this page needs.');
		expect(notice?.advice).toContain('no setting or service changes that');
		expect(notice?.advice).toContain('Windows Photos app');
		expect(notice?.advice).toContain('Chromebook');
		// No advice that cannot succeed.
		expect(notice?.advice).not.toMatch(/services\.msc|net stop|Zadig|install/i);
	});

	it('tells Linux users about access, usbmuxd, and Snap or Flatpak browsers', () => {
		const [notice] = platformNotices('linux', withPicker);
		expect(notice?.level).toBe('note');
		expect(notice?.advice).toContain('udev rule');
		expect(notice?.advice).toContain('sudo systemctl stop usbmuxd');
		expect(notice?.advice).toContain('Snap');
		expect(notice?.advice).toContain('Flatpak');
	});

	it('tells Mac users that Finder and Photos lose the iPhone while the page holds it', () => {
		const [notice] = platformNotices('macos', withPicker);
		expect(notice?.level).toBe('note');
		expect(notice?.advice).toMatch(/Finder, Photos.*can’t use it/);
		expect(notice?.advice).toContain('unplug the iPhone and plug it back in');
	});

	it('tells Android users the permission question comes on every connection', () => {
		const [notice] = platformNotices('android', withPicker);
		expect(notice?.id).toBe('android-permission');
		expect(notice?.message).toContain('each time');
		expect(notice?.advice).toContain('USB-C');
	});

	it('says nothing on ChromeOS or an unknown OS when the browser has what the page needs', () => {
		expect(ids('chromeos')).toEqual([]);
		expect(ids('unknown')).toEqual([]);
	});

	it('says what to do without a folder picker: update Chrome on Android (132+), another browser elsewhere', () => {
		expect(ids('android', withoutPicker)).toEqual(['android-permission:note', 'no-folder-picker:blocker']);
		expect(platformNotices('android', withoutPicker)[1]?.advice).toContain('Chrome to version 132 or later');
		expect(ids('chromeos', withoutPicker)).toEqual(['no-folder-picker:blocker']);
		const desktop = platformNotices('linux', withoutPicker).find((n) => n.id === 'no-folder-picker');
		expect(desktop?.advice).toContain('Chrome or Microsoft Edge');
		expect(desktop?.advice).not.toContain('132');
	});
});
