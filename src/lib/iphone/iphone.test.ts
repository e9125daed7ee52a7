import { describe, expect, it } from 'vitest';
import { isDeviceError } from '../errors';
import { SimUsb } from '../../sim/usb';
import { staleInPipe } from '../../sim/usbmux/stale-in-pipe';
import type { ServiceEndpoint } from '../../sim/lockdownd';
import { VirtualIPhone } from '../../sim/virtual-iphone';
import { IPhone } from './iphone';

async function plugged(chunking: 'packet' | 'stream' = 'packet') {
	const phone = await VirtualIPhone.create({ usb: { chunking, seed: 7 } });
	const usb = new SimUsb();
	usb.plug(phone.hardware, { granted: true });
	return { phone, usb };
}

describe('IPhone over the virtual iPhone', () => {
	it.each(['packet', 'stream'] as const)('claims it, starts usbmux and asks lockdownd its type (%s chunking)', async (chunking) => {
		const { phone, usb } = await plugged(chunking);
		const iphone = await IPhone.open(usb);
		expect(iphone.udid).toBe(phone.udid);
		const lockdown = await iphone.lockdown();
		expect(await lockdown.queryType()).toBe('com.apple.mobile.lockdown');
		await iphone.close();
		expect(phone.mux.violations).toEqual([]);
	});

	it('fails a pending request with "unplugged" when the cable is pulled, instead of hanging', async () => {
		const { phone, usb } = await plugged();
		const iphone = await IPhone.open(usb);
		const lockdown = await iphone.lockdown();
		phone.mux.stall();
		const pending = lockdown.queryType();
		phone.unplug();
		const error = await pending.catch((e: unknown) => e);
		expect(isDeviceError(error), String(error)).toBe(true);
		expect((error as { code: string }).code).toBe('unplugged');
		await iphone.closed;
	});

	it('after a replug the phone starts from scratch: a service started before the pull is gone, a new one works', async () => {
		const { phone, usb } = await plugged();
		const iphone = await IPhone.open(usb);
		const port = (phone.startService('com.apple.afc') as ServiceEndpoint).port;
		phone.unplug();
		await iphone.closed;
		usb.plug(phone.replug(), { granted: true });
		const again = await IPhone.open(usb);
		// A real phone forgets what lockdownd started for the old USB session: the port is closed.
		await expect(again.connect(port)).rejects.toMatchObject({ code: 'port-closed' });
		const fresh = (phone.startService('com.apple.afc') as ServiceEndpoint).port;
		const connection = await again.connect(fresh);
		await connection.close();
		await again.close();
		expect(phone.mux.violations).toEqual([]);
	});

	it('after a replug whose IN pipe still holds an old packet’s tail and old connections’ packets, it opens all the same', async () => {
		const { phone, usb } = await plugged();
		const iphone = await IPhone.open(usb);
		phone.unplug();
		await iphone.closed;
		usb.plug(phone.replug({ staleIn: staleInPipe(3) }), { granted: true });
		// The tail's bytes 4–7 read as a 12 KiB packet: taken for one, it would swallow the VERSION answer.
		const again = await IPhone.open(usb);
		const lockdown = await again.lockdown();
		expect(await lockdown.queryType()).toBe('com.apple.mobile.lockdown');
		await again.close();
		expect(phone.mux.violations).toEqual([]);
	});
});
