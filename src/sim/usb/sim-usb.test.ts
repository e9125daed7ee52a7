import { afterEach, describe, expect, it, vi } from 'vitest';
import { iPhoneUsbInfo } from './descriptors';
import { SimUsbHardware } from './hardware';
import { matchesFilter } from './registry';
import { SimUsb } from './sim-usb';

afterEach(() => {
	vi.unstubAllGlobals();
});

const error = (promise: Promise<unknown>) =>
	promise.then(
		() => {
			throw new Error('expected a rejection');
		},
		(e: { name: string; message: string }) => ({ name: e.name, message: e.message }),
	);

describe('SimUsb', () => {
	it('lists only the devices the page was granted', async () => {
		const usb = new SimUsb();
		usb.plug(new SimUsbHardware());
		expect(await usb.getDevices()).toEqual([]);
		const granted = usb.plug(new SimUsbHardware({ serialNumber: '00008110000A10123AF98022' }), { granted: true });
		expect(await usb.getDevices()).toEqual([granted]);
	});

	it('grants through the chooser and keeps handing out the same device object', async () => {
		const usb = new SimUsb();
		usb.plug(new SimUsbHardware());
		const chosen = await usb.requestDevice({ filters: [{ vendorId: 0x05ac }] });
		const [listed] = await usb.getDevices();
		expect(listed).toBe(chosen);
		expect(chosen.productName).toBe('iPhone');
	});

	it('rejects with NotFoundError when nothing matches the filters or the chooser is cancelled', async () => {
		const usb = new SimUsb();
		usb.plug(new SimUsbHardware());
		expect(await error(usb.requestDevice({ filters: [{ vendorId: 0x18d1 }] }))).toEqual({
			name: 'NotFoundError',
			message: 'No device selected.',
		});
		usb.registry!.chooser = () => undefined;
		expect((await error(usb.requestDevice({ filters: [{ vendorId: 0x05ac }] }))).name).toBe('NotFoundError');
	});

	it('requires a user gesture where the realm has a notion of one', async () => {
		vi.stubGlobal('navigator', { userActivation: { isActive: false } });
		const usb = new SimUsb();
		usb.plug(new SimUsbHardware());
		expect((await error(usb.requestDevice({ filters: [] }))).name).toBe('SecurityError');
	});

	it('fires connect for granted devices, with the object getDevices returns, and calls onconnect', async () => {
		const usb = new SimUsb();
		const events: USBDevice[] = [];
		usb.addEventListener('connect', (event) => events.push(event.device));
		usb.onconnect = (event) => events.push(event.device);
		usb.plug(new SimUsbHardware());
		expect(events).toEqual([]);
		const device = usb.plug(new SimUsbHardware({ serialNumber: 'A'.repeat(24) }), { granted: true });
		expect(events).toEqual([device, device]);
	});

	it('keeps the grant when the same phone is plugged in again, as a new device object', async () => {
		const usb = new SimUsb();
		const first = new SimUsbHardware();
		const before = usb.plug(first, { granted: true });
		usb.unplug(first);
		await first.unplugged;
		const after = usb.plug(new SimUsbHardware());
		expect(await usb.getDevices()).toEqual([after]);
		expect(after).not.toBe(before);
	});

	it('forgets a device when asked', async () => {
		const usb = new SimUsb();
		const device = usb.plug(new SimUsbHardware(), { granted: true });
		await device.forget();
		expect(await usb.getDevices()).toEqual([]);
	});
});

describe('matchesFilter', () => {
	const iphone = iPhoneUsbInfo();
	it('matches the usbmux interface class of any configuration, not only the device class', () => {
		expect(matchesFilter(iphone, { classCode: 0xff, subclassCode: 0xfe, protocolCode: 2 })).toBe(true);
		expect(matchesFilter(iphone, { classCode: 0xff, subclassCode: 0x2a })).toBe(false);
		expect(matchesFilter(iphone, { vendorId: 0x05ac, productId: 0x12a8 })).toBe(true);
		expect(matchesFilter(iphone, { vendorId: 0x05ac, serialNumber: 'nope' })).toBe(false);
	});
});
