import { afterEach, describe, expect, it, vi } from 'vitest';
import { SimUsbDevice } from './device';
import { echoDeviceEnd } from './echo';
import { SimUsbHardware, type SimUsbHardwareOptions } from './hardware';
import { SimUsb } from './sim-usb';
import { firstDifference } from './test-bytes';

const MUX_IN = 5;
const MUX_OUT = 4;

function plugged(options: SimUsbHardwareOptions = {}) {
	const hardware = new SimUsbHardware(options);
	const usb = new SimUsb();
	const device = usb.plug(hardware, { granted: true });
	return { hardware, usb, device };
}

async function claimMux(device: USBDevice, configuration = 4): Promise<void> {
	await device.open();
	await device.selectConfiguration(configuration);
	await device.claimInterface(1);
}

const bytesOf = (result: USBInTransferResult) =>
	new Uint8Array(result.data!.buffer, result.data!.byteOffset, result.data!.byteLength);

async function writePackets(hardware: SimUsbHardware, sizes: number[]): Promise<Uint8Array> {
	const writer = hardware.deviceEnd.writable.getWriter();
	const all = new Uint8Array(sizes.reduce((a, b) => a + b, 0));
	let offset = 0;
	for (const size of sizes) {
		const packet = new Uint8Array(size);
		for (let i = 0; i < size; i++) packet[i] = (offset + i) & 0xff;
		all.set(packet, offset);
		offset += size;
		writer.write(packet).catch(() => undefined); // fails once the cable is pulled
	}
	writer.releaseLock();
	return all;
}

async function rejection(promise: Promise<unknown>): Promise<{ name: string; message: string }> {
	const error = await promise.then(
		() => undefined,
		(e: unknown) => e as { name: string; message: string },
	);
	if (!error) throw new Error('expected a rejection');
	return { name: error.name, message: error.message };
}

afterEach(() => {
	vi.unstubAllGlobals();
});

describe('SimUsbDevice descriptors', () => {
	it('shows an iPhone: Apple, 0x12A8, four configurations, the mux on 3 and 4, configuration 1 active', () => {
		const { device } = plugged();
		expect(device.vendorId).toBe(0x05ac);
		expect(device.productId).toBe(0x12a8);
		expect(device.productName).toBe('iPhone');
		expect(device.manufacturerName).toBe('Apple Inc.');
		expect(device.serialNumber).toMatch(/^[0-9A-F]{24}$/);
		expect(device.configurations.map((c) => c.configurationValue)).toEqual([1, 2, 3, 4]);
		expect(device.configuration?.configurationValue).toBe(1);
		expect(device.opened).toBe(false);
		for (const value of [3, 4]) {
			const mux = device.configurations.find((c) => c.configurationValue === value)!.interfaces[1]!;
			expect(mux.interfaceNumber).toBe(1);
			expect(mux.alternate).toMatchObject({ interfaceClass: 0xff, interfaceSubclass: 0xfe, interfaceProtocol: 2 });
			expect(mux.alternate.endpoints).toEqual([
				{ endpointNumber: MUX_OUT, direction: 'out', type: 'bulk', packetSize: 512 },
				{ endpointNumber: MUX_IN, direction: 'in', type: 'bulk', packetSize: 512 },
			]);
		}
	});

	it('can start unconfigured, as Linux leaves a phone after usbmuxd’s udev rule', () => {
		const { device } = plugged({ activeConfiguration: null });
		expect(device.configuration).toBeNull();
	});

	it('reports claimed interfaces through the interface objects', async () => {
		const { device } = plugged();
		await claimMux(device);
		expect(device.configuration!.interfaces[1]!.claimed).toBe(true);
		expect(device.configuration!.interfaces[0]!.claimed).toBe(false);
	});
});

describe('SimUsbDevice refuses misuse as Chromium does', () => {
	it('needs the device open', async () => {
		const { device } = plugged();
		expect(await rejection(device.transferIn(MUX_IN, 512))).toEqual({
			name: 'InvalidStateError',
			message: 'The device must be opened first.',
		});
		expect((await rejection(device.selectConfiguration(4))).name).toBe('InvalidStateError');
	});

	it('needs a configuration selected', async () => {
		const { device } = plugged({ activeConfiguration: null });
		await device.open();
		expect(await rejection(device.claimInterface(1))).toEqual({
			name: 'InvalidStateError',
			message: 'The device must have a configuration selected.',
		});
	});

	it('refuses interfaces, configurations and endpoints that are not there or not claimed', async () => {
		const { device } = plugged();
		await device.open();
		expect((await rejection(device.claimInterface(1))).name).toBe('NotFoundError'); // configuration 1: PTP only
		expect((await rejection(device.selectConfiguration(9))).name).toBe('NotFoundError');
		await device.selectConfiguration(4);
		expect(await rejection(device.transferIn(MUX_IN, 512))).toEqual({
			name: 'NotFoundError',
			message: 'The specified endpoint is not part of a claimed and selected alternate interface.',
		});
		expect((await rejection(device.transferIn(0, 512))).name).toBe('IndexSizeError');
		expect((await rejection(device.transferIn(16, 512))).name).toBe('IndexSizeError');
		await device.claimInterface(1);
		expect((await rejection(device.transferOut(2, new Uint8Array(1)))).name).toBe('NotFoundError');
		expect((await rejection(device.selectAlternateInterface(2, 0))).message).toBe(
			'The specified interface has not been claimed.',
		);
	});

	it('refuses a second state change while one is under way', async () => {
		const { device } = plugged();
		const first = device.open();
		expect(await rejection(device.open())).toEqual({
			name: 'InvalidStateError',
			message: 'An operation that changes the device state is in progress.',
		});
		await first;
		expect(device.opened).toBe(true);
	});

	it('forgets claims when closed', async () => {
		const { device } = plugged();
		await claimMux(device);
		await device.close();
		expect(device.opened).toBe(false);
		expect((await rejection(device.transferIn(MUX_IN, 512))).name).toBe('InvalidStateError');
	});
});

describe('SimUsbDevice control transfers', () => {
	it('answers GET_MODE with 03 03 03 00 and stalls requests it does not know', async () => {
		const { device } = plugged();
		await device.open();
		const setup = { requestType: 'vendor', recipient: 'device', request: 0x45, value: 0, index: 0 } as const;
		const mode = await device.controlTransferIn(setup, 4);
		expect(mode.status).toBe('ok');
		expect([...bytesOf(mode)]).toEqual([3, 3, 3, 0]);
		expect((await device.controlTransferIn({ ...setup, request: 0x99 }, 4)).status).toBe('stall');
	});
});

describe('SimUsbDevice bulk transfers', () => {
	it('round-trips bytes through the device end, as plain result objects in Node', async () => {
		const { device, hardware } = plugged();
		void echoDeviceEnd(hardware.deviceEnd);
		await claimMux(device);
		const out = await device.transferOut(MUX_OUT, Uint8Array.of(1, 2, 3, 4));
		expect(out).toEqual({ status: 'ok', bytesWritten: 4 });
		const result = await device.transferIn(MUX_IN, 65536);
		expect(result.status).toBe('ok');
		expect(result.data).toBeInstanceOf(DataView);
		expect([...bytesOf(result)]).toEqual([1, 2, 3, 4]);
	});

	it('returns the realm’s native result classes where they exist', async () => {
		class FakeInResult {
			constructor(
				readonly status: string,
				readonly data: DataView,
			) {}
		}
		vi.stubGlobal('USBInTransferResult', FakeInResult);
		const { device, hardware } = plugged();
		void echoDeviceEnd(hardware.deviceEnd);
		await claimMux(device);
		await device.transferOut(MUX_OUT, Uint8Array.of(9));
		expect(await device.transferIn(MUX_IN, 512)).toBeInstanceOf(FakeInResult);
	});

	it('copies OUT data when the call is made', async () => {
		const { device, hardware } = plugged();
		void echoDeviceEnd(hardware.deviceEnd);
		await claimMux(device);
		const data = Uint8Array.of(7, 7, 7);
		const sent = device.transferOut(MUX_OUT, data);
		data.fill(0);
		await sent;
		expect([...bytesOf(await device.transferIn(MUX_IN, 512))]).toEqual([7, 7, 7]);
	});

	it("'packet' chunking gives one packet per result, split only by the buffer size", async () => {
		const { device, hardware } = plugged();
		await claimMux(device);
		await writePackets(hardware, [100, 2000, 36]);
		const sizes = [];
		for (let i = 0; i < 3; i++) sizes.push((await device.transferIn(MUX_IN, 65536)).data!.byteLength);
		expect(sizes).toEqual([100, 2000, 36]);
		await writePackets(hardware, [1300]);
		const split = [];
		for (let i = 0; i < 3; i++) split.push((await device.transferIn(MUX_IN, 512)).data!.byteLength);
		expect(split).toEqual([512, 512, 276]);
	});

	it('reports babble when a packet overruns a buffer that is not a multiple of the packet size', async () => {
		const { device, hardware } = plugged();
		await claimMux(device);
		await writePackets(hardware, [2000, 10]);
		const overrun = await device.transferIn(MUX_IN, 100);
		expect(overrun.status).toBe('babble');
		expect((await device.transferIn(MUX_IN, 512)).data!.byteLength).toBe(10);
	});

	it("'stream' chunking cuts the same data the same way for the same seed, and keeps every byte", async () => {
		const run = async (seed: number) => {
			const { device, hardware } = plugged({ chunking: 'stream', seed });
			await claimMux(device);
			const sent = await writePackets(hardware, [300, 5000, 16, 16, 16, 40000, 1, 777, 3000, 20000]);
			const sizes: number[] = [];
			const received = new Uint8Array(sent.length);
			let filled = 0;
			while (filled < sent.length) {
				const chunk = bytesOf(await device.transferIn(MUX_IN, 16384));
				sizes.push(chunk.byteLength);
				received.set(chunk, filled);
				filled += chunk.byteLength;
			}
			expect(firstDifference(received, sent)).toBe(-1);
			return sizes;
		};
		const first = await run(42);
		expect(await run(42)).toEqual(first);
		expect(first.every((size) => size <= 16384)).toBe(true);
	});

	it("'stream' chunking produces zero-length results, splits and coalesced packets", async () => {
		const { device, hardware } = plugged({ chunking: 'stream', seed: 7 });
		await claimMux(device);
		const packets = Array.from({ length: 200 }, (_, i) => 40 + ((i * 37) % 400));
		const sent = await writePackets(hardware, packets);
		// Let every packet reach the pipe: a result coalesces only whole packets after the first.
		await new Promise((resolve) => setTimeout(resolve, 0));
		const sizes: number[] = [];
		let total = 0;
		while (total < sent.length) {
			const size = (await device.transferIn(MUX_IN, 1024)).data!.byteLength;
			sizes.push(size);
			total += size;
		}
		expect(sizes).toContain(0);
		expect(sizes.some((size) => size > 440)).toBe(true); // larger than any one packet: coalesced
		expect(sizes.length).toBeGreaterThan(packets.length / 2);
	});
});

describe('SimUsbHardware faults', () => {
	it('unplugs after N bytes: the last transfer carries exactly the bytes up to N, later ones fail', async () => {
		const { device, hardware } = plugged();
		await claimMux(device);
		await writePackets(hardware, [1000, 1000, 1000]);
		hardware.faults.unplugAfter(1500);
		expect((await device.transferIn(MUX_IN, 65536)).data!.byteLength).toBe(1000);
		expect((await device.transferIn(MUX_IN, 65536)).data!.byteLength).toBe(500);
		expect(hardware.plugged).toBe(false);
		expect(await rejection(device.transferIn(MUX_IN, 65536))).toEqual({
			name: 'NotFoundError',
			message: 'The device was disconnected.',
		});
		expect(device.opened).toBe(false);
	});

	it('counts OUT bytes too: the transfer crossing N fails, and the device end gets none of it (a cut transfer never completes there)', async () => {
		const { device, hardware } = plugged();
		await claimMux(device);
		hardware.faults.unplugAfter(1600);
		const reader = hardware.deviceEnd.readable.getReader();
		expect((await device.transferOut(MUX_OUT, new Uint8Array(1000))).bytesWritten).toBe(1000);
		expect((await rejection(device.transferOut(MUX_OUT, new Uint8Array(1000)))).name).toBe('NetworkError');
		expect((await reader.read()).value?.byteLength).toBe(1000);
		expect((await reader.read()).done).toBe(true);
	});

	it('fails waiting transfers with NetworkError on unplug and fires disconnect with the same device object', async () => {
		const { device, hardware, usb } = plugged();
		await claimMux(device);
		const seen: USBDevice[] = [];
		usb.addEventListener('disconnect', (event) => seen.push(event.device));
		usb.ondisconnect = (event) => seen.push(event.device);
		const waiting = device.transferIn(MUX_IN, 512);
		usb.unplug(hardware);
		expect(await rejection(waiting)).toEqual({ name: 'NetworkError', message: 'A transfer error has occurred.' });
		await hardware.unplugged;
		await Promise.resolve();
		expect(seen).toEqual([device, device]);
		expect(await usb.getDevices()).toEqual([]);
	});

	it('hangs transfers while stalled and completes them once released', async () => {
		const { device, hardware } = plugged();
		await claimMux(device);
		hardware.faults.stall();
		await writePackets(hardware, [64]);
		let done = false;
		const waiting = device.transferIn(MUX_IN, 512).then((r) => ((done = true), r));
		await new Promise((resolve) => setTimeout(resolve, 0));
		expect(done).toBe(false);
		expect(hardware.pendingInTransfers).toBe(1);
		hardware.faults.release();
		expect((await waiting).data!.byteLength).toBe(64);
	});

	it('halts an endpoint until the host clears it', async () => {
		const { device, hardware } = plugged();
		await claimMux(device);
		await writePackets(hardware, [10]);
		hardware.faults.halt('in');
		expect((await device.transferIn(MUX_IN, 512)).status).toBe('stall');
		await device.clearHalt('in', MUX_IN);
		expect((await device.transferIn(MUX_IN, 512)).data!.byteLength).toBe(10);
	});

	it('refuses the claim when another program holds the interface, and open when access is denied', async () => {
		const { device, hardware } = plugged();
		hardware.faults.openDenied = true;
		expect(await rejection(device.open())).toEqual({ name: 'SecurityError', message: 'Access denied.' });
		hardware.faults.openDenied = false;
		await device.open();
		await device.selectConfiguration(4);
		hardware.faults.claimBusy = true;
		expect(await rejection(device.claimInterface(1))).toEqual({
			name: 'NetworkError',
			message: 'Unable to claim interface.',
		});
	});

	it('lets one handle claim an interface at a time, and refuses a configuration change meanwhile', async () => {
		const { device, hardware } = plugged();
		await claimMux(device);
		const other = new SimUsbDevice(hardware.info, hardware.connect());
		await other.open();
		await other.selectConfiguration(4);
		expect((await rejection(other.claimInterface(1))).message).toBe('Unable to claim interface.');
		expect((await rejection(other.selectConfiguration(3))).message).toBe('Unable to set device configuration.');
		await device.close();
		await other.claimInterface(1);
	});

	it('cancels a handle’s waiting transfers when it releases the interface', async () => {
		const { device } = plugged();
		await claimMux(device);
		const waiting = device.transferIn(MUX_IN, 512);
		await device.releaseInterface(1);
		expect(await rejection(waiting)).toEqual({ name: 'AbortError', message: 'The transfer was cancelled.' });
	});
});
