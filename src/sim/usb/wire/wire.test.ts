import { describe, expect, it } from 'vitest';
import { echoDeviceEnd } from '../echo';
import { SimUsbHardware } from '../hardware';
import { SimUsbRegistry } from '../registry';
import { SimUsb } from '../sim-usb';
import { WireSimUsbRegistryLink } from './registry-client';
import { serveSimUsb } from './server';
import { createWireSocketPair, messagePortWireSocket, type WireDialer } from './socket';
import { firstDifference } from '../test-bytes';

/** The test process's registry, and a dialer through which "realms" reach it over in-memory sockets. */
function bus() {
	const registry = new SimUsbRegistry();
	const dial: WireDialer = async (path) => {
		const [near, far] = createWireSocketPair();
		serveSimUsb(far, path, registry);
		return near;
	};
	const realm = () => new SimUsb(new WireSimUsbRegistryLink(dial));
	return { registry, realm };
}

const bytesOf = (result: USBInTransferResult) =>
	new Uint8Array(result.data!.buffer, result.data!.byteOffset, result.data!.byteLength);

async function claimMux(device: USBDevice): Promise<void> {
	await device.open();
	await device.selectConfiguration(4);
	await device.claimInterface(1);
}

describe('SimUsb over a wire', () => {
	it('shares grants between realms and moves bulk bytes both ways', async () => {
		const { registry, realm } = bus();
		const hardware = new SimUsbHardware();
		void echoDeviceEnd(hardware.deviceEnd);
		registry.plug(hardware);
		const page = realm();
		const worker = realm();
		expect(await worker.getDevices()).toEqual([]);
		const chosen = await page.requestDevice({ filters: [{ vendorId: 0x05ac }] });
		const [device] = await worker.getDevices();
		expect(device).toBeDefined();
		expect(device).not.toBe(chosen);
		expect(device!.serialNumber).toBe(chosen.serialNumber);
		await claimMux(device!);
		const payload = Uint8Array.from({ length: 3000 }, (_, i) => i & 0xff);
		expect(await device!.transferOut(4, payload)).toEqual({ status: 'ok', bytesWritten: 3000 });
		expect(firstDifference(bytesOf(await device!.transferIn(5, 65536)), payload)).toBe(-1);
	});

	it('reports DOMExceptions by name across the wire', async () => {
		const { registry, realm } = bus();
		const hardware = new SimUsbHardware();
		registry.plug(hardware, { granted: true });
		hardware.faults.claimBusy = true;
		const [device] = await realm().getDevices();
		await device!.open();
		await device!.selectConfiguration(4);
		const failure = await device!.claimInterface(1).catch((e: unknown) => e);
		expect(failure).toBeInstanceOf(DOMException);
		expect(failure).toMatchObject({ name: 'NetworkError', message: 'Unable to claim interface.' });
	});

	it('on unplug fails the waiting transfer with NetworkError and fires disconnect in every realm', async () => {
		const { registry, realm } = bus();
		const hardware = new SimUsbHardware();
		registry.plug(hardware, { granted: true });
		const page = realm();
		const worker = realm();
		const [device] = await worker.getDevices();
		await page.getDevices();
		const disconnected = (usb: SimUsb) =>
			new Promise<USBDevice>((resolve) => usb.addEventListener('disconnect', (event) => resolve(event.device)));
		const inPage = disconnected(page);
		const inWorker = disconnected(worker);
		await claimMux(device!);
		const waiting = device!.transferIn(5, 512).catch((e: DOMException) => e);
		await new Promise((resolve) => setTimeout(resolve, 0));
		expect(hardware.pendingInTransfers).toBe(1);
		registry.unplug(hardware);
		expect(await waiting).toMatchObject({ name: 'NetworkError' });
		expect(await inWorker).toBe(device);
		expect((await inPage).serialNumber).toBe(device!.serialNumber);
		const after = await device!.transferIn(5, 512).catch((e: DOMException) => e);
		expect(after).toMatchObject({ name: 'NotFoundError', message: 'The device was disconnected.' });
	});

	it('keeps every byte in order under stream chunking', async () => {
		const { registry, realm } = bus();
		const hardware = new SimUsbHardware({ chunking: 'stream', seed: 3 });
		registry.plug(hardware, { granted: true });
		const [device] = await realm().getDevices();
		await claimMux(device!);
		const writer = hardware.deviceEnd.writable.getWriter();
		const sent = Uint8Array.from({ length: 50_000 }, (_, i) => (i * 7) & 0xff);
		for (let offset = 0; offset < sent.length; offset += 1000) void writer.write(sent.subarray(offset, offset + 1000));
		const received = new Uint8Array(sent.length);
		let filled = 0;
		while (filled < sent.length) {
			const chunk = bytesOf(await device!.transferIn(5, 4096));
			received.set(chunk, filled);
			filled += chunk.byteLength;
		}
		expect(firstDifference(received, sent)).toBe(-1);
	});

	it('works over a MessagePort as well', async () => {
		const registry = new SimUsbRegistry();
		const hardware = new SimUsbHardware();
		void echoDeviceEnd(hardware.deviceEnd);
		registry.plug(hardware, { granted: true });
		const ports: MessagePort[] = [];
		const dial: WireDialer = async (path) => {
			const channel = new MessageChannel();
			ports.push(channel.port1, channel.port2);
			serveSimUsb(messagePortWireSocket(channel.port2), path, registry);
			return messagePortWireSocket(channel.port1);
		};
		const [device] = await new SimUsb(new WireSimUsbRegistryLink(dial)).getDevices();
		await claimMux(device!);
		await device!.transferOut(4, Uint8Array.of(5, 6, 7));
		expect([...bytesOf(await device!.transferIn(5, 512))]).toEqual([5, 6, 7]);
		for (const port of ports) port.close();
	});
});
