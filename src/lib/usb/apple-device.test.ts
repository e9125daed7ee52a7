import { describe, expect, it } from 'vitest';
import { iPhoneUsbInfo } from '../../sim/usb/descriptors';
import { SimUsbDevice } from '../../sim/usb/device';
import { goneLink } from '../../sim/usb/link';
import { isAppleMobileDevice, udidFromSerialNumber } from './apple-device';

describe('udidFromSerialNumber', () => {
	it('inserts the dash after 8 digits of a 24-digit serial, as usbmuxd does', () => {
		expect(udidFromSerialNumber('00008110000A10123AF9801E')).toBe('00008110-000A10123AF9801E');
	});

	it('leaves 40-digit and other serials alone', () => {
		const old = '0123456789abcdef0123456789abcdef01234567';
		expect(udidFromSerialNumber(old)).toBe(old);
		expect(udidFromSerialNumber('00008110-000A10123AF9801E')).toBe('00008110-000A10123AF9801E');
		expect(udidFromSerialNumber('')).toBe('');
	});
});

describe('isAppleMobileDevice', () => {
	const device = (changes: Partial<ReturnType<typeof iPhoneUsbInfo>>) =>
		new SimUsbDevice({ ...iPhoneUsbInfo(), ...changes }, goneLink());

	it('accepts Apple devices in usbmuxd’s product range, and newer ones that show a mux interface', () => {
		expect(isAppleMobileDevice(device({}))).toBe(true);
		expect(isAppleMobileDevice(device({ productId: 0x12b1 }))).toBe(true);
	});

	it('refuses other vendors, and Apple devices outside the range without a mux interface', () => {
		expect(isAppleMobileDevice(device({ vendorId: 0x18d1 }))).toBe(false);
		const ptpOnly = iPhoneUsbInfo().configurations.slice(0, 1);
		expect(isAppleMobileDevice(device({ productId: 0x8600, configurations: ptpOnly }))).toBe(false);
	});
});
