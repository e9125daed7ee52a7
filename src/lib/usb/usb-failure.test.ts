import { describe, expect, it } from 'vitest';
import { DeviceError } from '../errors';
import { hostOsFromPlatform, type HostOs } from './host-os';
import { usbFailure, type UsbStep } from './usb-failure';

const dom = (name: string, message = '') => new DOMException(message, name);
const ALL_OS: HostOs[] = ['linux', 'macos', 'windows', 'chromeos', 'android', 'unknown'];

describe('usbFailure', () => {
	const cases: [UsbStep, string, string][] = [
		['request', 'NotFoundError', 'no-device'],
		['request', 'SecurityError', 'usb-permission'],
		['open', 'SecurityError', 'usb-permission'],
		['open', 'NotFoundError', 'unplugged'],
		['configure', 'NetworkError', 'usb-busy'],
		['claim', 'NetworkError', 'usb-busy'],
		['claim', 'InvalidStateError', 'usb-busy'],
		['claim', 'SecurityError', 'usb-permission'],
		['transfer', 'NetworkError', 'unplugged'],
		['transfer', 'NotFoundError', 'unplugged'],
		['transfer', 'AbortError', 'connection-closed'],
		['transfer', 'TimeoutError', 'timeout'],
		['transfer', 'DataError', 'usb-transfer'],
	];
	it.each(cases)('%s + %s → %s', (step, name, code) => {
		const error = usbFailure(dom(name), step, 'linux');
		expect(error.code).toBe(code);
		expect(error.message).not.toMatch(/Error|DOMException|interface|endpoint/);
		expect((error.cause as DOMException).name).toBe(name);
	});

	it('passes a DeviceError through unchanged', () => {
		const original = new DeviceError('protocol', 'x');
		expect(usbFailure(original, 'transfer')).toBe(original);
	});

	it('tells Linux users the exact commands to stop usbmuxd, and the udev rule for access', () => {
		const busy = usbFailure(dom('NetworkError', 'Unable to claim interface.'), 'claim', 'linux');
		expect(busy.advice).toContain('sudo systemctl stop usbmuxd');
		expect(busy.advice).toContain('sudo systemctl mask usbmuxd');
		expect(busy.advice).toContain('sudo systemctl unmask usbmuxd');
		const denied = usbFailure(dom('SecurityError', 'Access denied.'), 'open', 'linux');
		expect(denied.advice).toContain('SUBSYSTEM=="usb", ATTR{idVendor}=="05ac"');
		expect(denied.advice).toContain('TAG+="uaccess"');
		expect(denied.advice).toContain('sudo udevadm control --reload-rules');
	});

	it('tells Mac users the system holds iPhones and what is left to try', () => {
		const busy = usbFailure(dom('NetworkError'), 'claim', 'macos');
		expect(busy.advice).toMatch(/macOS keeps iPhones/);
		expect(busy.advice).toMatch(/Image Capture/);
		expect(busy.advice).not.toMatch(/systemctl/);
	});

	it('tells Windows users about Apple’s driver and the Apple Mobile Device Service', () => {
		for (const [error, step] of [
			[dom('NetworkError'), 'claim'],
			[dom('NetworkError'), 'configure'],
			[dom('SecurityError'), 'open'],
		] as const) {
			const advice = usbFailure(error, step, 'windows').advice ?? '';
			expect(advice).toContain('Apple Mobile Device Service');
			expect(advice).toContain('net stop "Apple Mobile Device Service"');
		}
	});

	it('tells Windows users plainly that stopping Apple’s service does not help, and what works instead', () => {
		for (const [error, step] of [
			[dom('NetworkError'), 'claim'],
			[dom('NetworkError'), 'configure'],
			[dom('SecurityError'), 'open'],
		] as const) {
			const failure = usbFailure(error, step, 'windows');
			expect(failure.message).toBe('Windows doesn’t let a browser reach the iPhone’s connection this page needs.');
			expect(failure.advice).toContain('does not change that');
			expect(failure.advice).toContain('Windows Photos app');
			expect(failure.advice).not.toMatch(/services\.msc|click Stop/);
		}
	});

	it('tells ChromeOS users nothing needs installing', () => {
		const advice = usbFailure(dom('NetworkError'), 'claim', 'chromeos').advice ?? '';
		expect(advice).toMatch(/Nothing needs to be installed/);
		expect(advice).not.toMatch(/systemctl|services\.msc/);
	});

	it('gives advice for every OS and every failure a person can act on', () => {
		for (const os of ALL_OS) {
			for (const [step, name] of [
				['claim', 'NetworkError'],
				['open', 'SecurityError'],
				['transfer', 'NetworkError'],
				['request', 'NotFoundError'],
			] as const) {
				expect(usbFailure(dom(name), step, os).advice, `${os} ${step} ${name}`).toBeTruthy();
			}
		}
	});
});

describe('hostOsFromPlatform', () => {
	it.each([
		['Linux', 'linux'],
		['Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36', 'linux'],
		['macOS', 'macos'],
		['Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7)', 'macos'],
		['Windows', 'windows'],
		['Win32', 'windows'],
		['Chrome OS', 'chromeos'],
		['Mozilla/5.0 (X11; CrOS x86_64 14541.0.0)', 'chromeos'],
		['Android', 'android'],
		['Mozilla/5.0 (Linux; Android 14; Pixel 8)', 'android'],
		['', 'unknown'],
		[undefined, 'unknown'],
	])('%s → %s', (platform, os) => {
		expect(hostOsFromPlatform(platform)).toBe(os);
	});
});
