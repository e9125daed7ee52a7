import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isDeviceError, type DeviceError } from '../errors';
import { iPhoneNetworkOnlyUsbInfo, iPhoneUsbInfo, type SimUsbDeviceInfo } from '../../sim/usb/descriptors';
import { echoDeviceEnd } from '../../sim/usb/echo';
import { SimUsbHardware, type SimUsbHardwareOptions, type SimUsbTraceEvent } from '../../sim/usb/hardware';
import { SimUsb } from '../../sim/usb/sim-usb';
import { firstDifference } from '../../sim/usb/test-bytes';
import { openIPhone, requestIPhone, type OpenIPhoneOptions } from './open-iphone';
import type { UsbTransport } from './transport';

function phone(options: SimUsbHardwareOptions = {}) {
	const hardware = new SimUsbHardware(options);
	const trace: SimUsbTraceEvent[] = [];
	hardware.trace = (event) => trace.push(event);
	const usb = new SimUsb();
	const device = usb.plug(hardware, { granted: true });
	return { hardware, usb, device, trace };
}

async function failure(promise: Promise<unknown>): Promise<DeviceError> {
	const error = await promise.then(
		() => undefined,
		(e: unknown) => e,
	);
	if (!isDeviceError(error)) throw new Error(`expected a DeviceError, got ${String(error)}`);
	return error;
}

/** Writes `sizes` as packets of counting bytes into the device end; returns all bytes written. */
function sendPackets(hardware: SimUsbHardware, sizes: readonly number[]): Uint8Array {
	const all = new Uint8Array(sizes.reduce((a, b) => a + b, 0));
	for (let i = 0; i < all.length; i++) all[i] = (i * 31 + (i >> 8)) & 0xff;
	const writer = hardware.deviceEnd.writable.getWriter();
	let offset = 0;
	for (const size of sizes) {
		writer.write(all.subarray(offset, offset + size)).catch(() => undefined);
		offset += size;
	}
	writer.releaseLock();
	return all;
}

async function readBytes(transport: UsbTransport, count: number): Promise<{ bytes: Uint8Array; chunks: number[] }> {
	const reader = transport.readable.getReader();
	const bytes = new Uint8Array(count);
	const chunks: number[] = [];
	let filled = 0;
	while (filled < count) {
		const { value, done } = await reader.read();
		if (done) break;
		chunks.push(value.byteLength);
		bytes.set(value, filled);
		filled += value.byteLength;
	}
	reader.releaseLock();
	return { bytes, chunks };
}

async function readError(transport: UsbTransport): Promise<unknown> {
	const reader = transport.readable.getReader();
	try {
		for (;;) if ((await reader.read()).done) return undefined;
	} catch (error) {
		return error;
	}
}

describe('openIPhone: choosing and claiming', () => {
	it('selects the highest configuration with the mux when the active one has none, and claims it', async () => {
		const { usb, device, trace } = phone();
		const transport = await openIPhone(usb, { os: 'linux' });
		expect(device.configuration?.configurationValue).toBe(4);
		expect(device.configuration?.interfaces[1]?.claimed).toBe(true);
		expect(trace).toContainEqual({ kind: 'select-configuration', value: 4 });
		expect(transport.packetSize).toBe(512);
		expect(transport.serialNumber).toBe('00008110-000A10123AF9801E');
		await transport.close();
	});

	it('keeps the active configuration when it has the mux', async () => {
		const { usb, device, trace } = phone({ activeConfiguration: 3 });
		const transport = await openIPhone(usb);
		expect(device.configuration?.configurationValue).toBe(3);
		expect(trace.some((e) => e.kind === 'select-configuration')).toBe(false);
		await transport.close();
	});

	it('configures an unconfigured phone', async () => {
		const { usb, device } = phone({ activeConfiguration: null });
		const transport = await openIPhone(usb);
		expect(device.configuration?.configurationValue).toBe(4);
		await transport.close();
	});

	it('picks the phone with the UDID asked for', async () => {
		const usb = new SimUsb();
		usb.plug(new SimUsbHardware({ serialNumber: '00008110000A10123AF90001' }), { granted: true });
		const wanted = usb.plug(new SimUsbHardware({ serialNumber: '00008110000A10123AF90002' }), { granted: true });
		const transport = await openIPhone(usb, { udid: '00008110-000A10123AF90002' });
		expect(wanted.opened).toBe(true);
		expect(transport.serialNumber).toBe('00008110-000A10123AF90002');
		await transport.close();
	});

	it('keeps several IN transfers waiting, each a whole number of packets', async () => {
		const { usb, trace, hardware } = phone({ packetSize: 1024 });
		const transport = await openIPhone(usb, { transferSize: 65536 + 100 });
		const submitted = trace.filter((e) => e.kind === 'in-submitted');
		expect(hardware.pendingInTransfers).toBe(4);
		expect(submitted.map((e) => e.length)).toEqual([66560, 66560, 66560, 66560]);
		expect(transport.packetSize).toBe(1024);
		await transport.close();

		const two = phone();
		const fewer = await openIPhone(two.usb, { inFlightTransfers: 2 });
		expect(two.hardware.pendingInTransfers).toBe(2);
		await fewer.close();
	});
});

describe('openIPhone: data', () => {
	it('delivers IN data in order, without empty chunks, however the device cuts it', async () => {
		await fc.assert(
			fc.asyncProperty(
				fc.array(fc.integer({ min: 1, max: 40_000 }), { minLength: 1, maxLength: 30 }),
				fc.integer(),
				fc.constantFrom<OpenIPhoneOptions['inFlightTransfers']>(1, 3, 4),
				async (sizes, seed, inFlightTransfers) => {
					const { usb, hardware } = phone({ chunking: 'stream', seed });
					const transport = await openIPhone(usb, { inFlightTransfers, transferSize: 16384 });
					const sent = sendPackets(hardware, sizes);
					const { bytes, chunks } = await readBytes(transport, sent.length);
					expect(firstDifference(bytes, sent)).toBe(-1);
					expect(chunks.every((n) => n > 0 && n <= 16384)).toBe(true);
					await transport.close();
				},
			),
			{ numRuns: 25 },
		);
	});

	it('sends each written chunk as one OUT transfer, with a zero-length one after whole packets only when asked', async () => {
		for (const sendZeroLengthPackets of [false, true]) {
			const { usb, hardware, trace } = phone();
			void echoDeviceEnd(hardware.deviceEnd);
			const transport = await openIPhone(usb, { sendZeroLengthPackets });
			const writer = transport.writable.getWriter();
			await writer.write(new Uint8Array(100).fill(1));
			await writer.write(new Uint8Array(1024).fill(2));
			writer.releaseLock();
			const { chunks } = await readBytes(transport, 1124);
			expect(chunks).toEqual([100, 1024]);
			const outs = trace.filter((e) => e.kind === 'out-completed').map((e) => (e.kind === 'out-completed' ? e.bytes : -1));
			expect(outs).toEqual(sendZeroLengthPackets ? [100, 1024, 0] : [100, 1024]);
			await transport.close();
		}
	});

	it('recovers from one stall of the IN endpoint by clearing the halt', async () => {
		const { usb, hardware, trace } = phone();
		const transport = await openIPhone(usb);
		hardware.faults.halt('in', 1);
		const sent = sendPackets(hardware, [1000, 2000, 3000]);
		const { bytes } = await readBytes(transport, sent.length);
		expect(firstDifference(bytes, sent)).toBe(-1);
		expect(trace.filter((e) => e.kind === 'clear-halt')).toHaveLength(1);
		await transport.close();
	});

	it('gives up with usb-transfer when the IN endpoint stalls again after the halt was cleared', async () => {
		const { usb, hardware } = phone();
		const transport = await openIPhone(usb);
		hardware.faults.halt('in', 2);
		sendPackets(hardware, [1000]);
		expect(await readError(transport)).toMatchObject({ code: 'usb-transfer' });
		await transport.closed;
	});

	it('retries an OUT transfer once after a stall, and fails on a second', async () => {
		const { usb, hardware } = phone();
		void echoDeviceEnd(hardware.deviceEnd);
		const transport = await openIPhone(usb);
		const writer = transport.writable.getWriter();
		hardware.faults.halt('out', 1);
		await writer.write(Uint8Array.of(1, 2, 3));
		expect([...(await readBytes(transport, 3)).bytes]).toEqual([1, 2, 3]);
		hardware.faults.halt('out', 2);
		expect(await failure(writer.write(Uint8Array.of(4)))).toMatchObject({ code: 'usb-transfer' });
	});
});

describe('openIPhone: the phone going away', () => {
	it('ends with unplugged when the cable is pulled mid-transfer: reads fail, writes fail, closed settles', async () => {
		const { usb, hardware } = phone({ chunking: 'stream', seed: 11 });
		const transport = await openIPhone(usb);
		hardware.faults.unplugAfter(50_000);
		sendPackets(hardware, [30_000, 30_000, 30_000]);
		const error = await readError(transport);
		expect(error).toMatchObject({ code: 'unplugged' });
		expect((error as DeviceError).advice).toBeTruthy();
		await transport.closed;
		expect(await failure(transport.writable.getWriter().write(Uint8Array.of(1)))).toMatchObject({ code: 'unplugged' });
	});

	it('ends with unplugged on the disconnect event while nothing is moving', async () => {
		const { usb, hardware } = phone();
		const transport = await openIPhone(usb);
		const reading = readError(transport);
		usb.unplug(hardware);
		expect(await reading).toMatchObject({ code: 'unplugged' });
		await transport.closed;
	});

	it('closes cleanly: reads end, writes fail, the device is released and closed, twice is fine', async () => {
		const { usb, device, hardware } = phone();
		const transport = await openIPhone(usb);
		hardware.faults.stall();
		const reader = transport.readable.getReader();
		const pendingRead = reader.read();
		await Promise.all([transport.close(), transport.close()]);
		expect(await pendingRead).toEqual({ done: true, value: undefined });
		expect(device.opened).toBe(false);
		expect(hardware.pendingInTransfers).toBe(0);
		expect(await failure(transport.writable.getWriter().write(Uint8Array.of(1)))).toMatchObject({
			code: 'connection-closed',
		});
		const again = await openIPhone(usb);
		await again.close();
	});
});

describe('openIPhone: failures in plain words', () => {
	it('says usb-busy with the usbmuxd commands when another program holds the interface on Linux', async () => {
		const { usb, device, hardware } = phone();
		hardware.faults.claimBusy = true;
		const error = await failure(openIPhone(usb, { os: 'linux' }));
		expect(error.code).toBe('usb-busy');
		expect(error.advice).toContain('sudo systemctl stop usbmuxd');
		expect(error.advice).toContain('sudo systemctl mask usbmuxd');
		expect(device.opened).toBe(false);
	});

	it('says usb-permission when the operating system denies access', async () => {
		const { usb, hardware } = phone();
		hardware.faults.openDenied = true;
		const error = await failure(openIPhone(usb, { os: 'linux' }));
		expect(error.code).toBe('usb-permission');
		expect(error.advice).toContain('05ac');
	});

	it('says usb-busy with Apple’s service when Windows cannot switch configuration', async () => {
		const { usb, hardware } = phone();
		hardware.faults.configurationBusy = true;
		const error = await failure(openIPhone(usb, { os: 'windows' }));
		expect(error.code).toBe('usb-busy');
		expect(error.advice).toContain('Apple Mobile Device Service');
	});

	it('says no-device when nothing was granted or plugged', async () => {
		expect((await failure(openIPhone(new SimUsb()))).code).toBe('no-device');
		const usb = new SimUsb();
		usb.plug(new SimUsbHardware());
		expect((await failure(openIPhone(usb))).code).toBe('no-device');
	});

	it('says not-an-iphone for an Apple device without the mux interface, without opening it', async () => {
		const full = iPhoneUsbInfo();
		const ptpOnly: SimUsbDeviceInfo = { ...full, configurations: full.configurations.slice(0, 1) };
		const usb = new SimUsb();
		const device = usb.plug(new SimUsbHardware({ info: ptpOnly }), { granted: true });
		const error = await failure(openIPhone(usb, { os: 'windows' }));
		expect(error.code).toBe('not-an-iphone');
		expect(error.advice).toContain('Apple Devices');
		expect(device.opened).toBe(false);
	});

	it('says plainly what to do with an iPhone in its network-only USB mode (iOS 17+ mode 5), without opening it', async () => {
		const usb = new SimUsb();
		const device = usb.plug(new SimUsbHardware({ info: iPhoneNetworkOnlyUsbInfo() }), { granted: true });
		const error = await failure(openIPhone(usb, { os: 'linux' }));
		expect(error.code).toBe('usb-mode');
		expect(error.message).toContain('only shares its network');
		expect(error.advice).toContain('unplug the iPhone, plug it back in');
		expect(device.opened).toBe(false);
	});

	it('ignores other vendors’ devices when choosing, and refuses one passed explicitly', async () => {
		const usb = new SimUsb();
		const other = usb.plug(new SimUsbHardware({ info: { ...iPhoneUsbInfo(), vendorId: 0x18d1, productId: 0x4ee7 } }), {
			granted: true,
		});
		expect((await failure(openIPhone(usb))).code).toBe('no-device');
		expect((await failure(openIPhone(usb, { device: other }))).code).toBe('not-an-iphone');
	});
});

describe('requestIPhone', () => {
	it('asks the chooser for Apple devices and returns the chosen one', async () => {
		const usb = new SimUsb();
		usb.plug(new SimUsbHardware({ info: { ...iPhoneUsbInfo(), vendorId: 0x18d1 } }));
		const iphone = usb.plug(new SimUsbHardware({ serialNumber: 'B'.repeat(24) }));
		expect(await requestIPhone(usb)).toBe(iphone);
		const transport = await openIPhone(usb, { device: iphone });
		await transport.close();
	});

	it('says no-device when the chooser is cancelled', async () => {
		const usb = new SimUsb();
		usb.plug(new SimUsbHardware());
		usb.registry!.chooser = () => undefined;
		expect((await failure(requestIPhone(usb))).code).toBe('no-device');
	});
});
