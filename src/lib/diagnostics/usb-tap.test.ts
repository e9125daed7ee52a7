import { describe, expect, it } from 'vitest';
import { encodePacket } from '../afc/packet';
import { AfcOperation } from '../afc/constants';
import { LOCKDOWN_PORT } from '../lockdown/lockdown-client';
import { encodeRecordHeader, CONTENT_TYPE } from '../tls/record-layer';
import { TcpFlag } from '../usbmux/constants';
import { encodeVersion, MuxFramer } from '../usbmux/mux-packets';
import { MAX_CONNECTIONS, MuxTap } from './mux-tap';
import { DiagnosticRecorder, RING_CAPACITY, WIRE_LAYERS } from './recorder';
import { tapUsb } from './usb-tap';

/** A `USBDevice` that answers every IN transfer at once with the next of `results`, round and round. */
function fakeDevice(results: USBInTransferResult[]): USBDevice {
	let next = 0;
	return {
		vendorId: 0x05ac,
		productId: 0x12a8,
		serialNumber: '00008110000A1B2C3D4E5F60',
		configurations: [],
		configuration: null,
		opened: true,
		open: async () => undefined,
		transferIn: async () => results[next++ % results.length]!,
		transferOut: async (_: number, data: BufferSource) => ({ status: 'ok', bytesWritten: data.byteLength }),
	} as unknown as USBDevice;
}

function fakeUsb(devices: USBDevice[]): USB {
	const usb = new EventTarget() as USB;
	Object.assign(usb, { getDevices: async () => devices });
	return usb;
}

function result(bytes: Uint8Array): USBInTransferResult {
	return { status: 'ok', data: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength) } as USBInTransferResult;
}

/** Device-side packets: a VERSION answer, data for ever-new connections, TLS, AFC, a RST, and junk. */
function deviceTraffic(): USBInTransferResult[] {
	const framer = new MuxFramer();
	framer.useVersion2();
	const tcp = (hostPort: number, devicePort: number, flags: number, payload?: Uint8Array) =>
		framer.tcp({ sourcePort: devicePort, destinationPort: hostPort, seq: 1, ack: 1, flags, window: 131072 }, payload);
	const traffic: Uint8Array[] = [encodeVersion({ major: 2, minor: 0 })];
	for (let port = 1; port <= 3 * MAX_CONNECTIONS; port++) traffic.push(tcp(port, 49152 + port, TcpFlag.Ack, encodePacket(port, AfcOperation.Data, new Uint8Array(0), new Uint8Array(600))));
	traffic.push(tcp(1, LOCKDOWN_PORT, TcpFlag.Ack, new Uint8Array([...encodeRecordHeader(CONTENT_TYPE.applicationData, 0x0303, 32), ...new Uint8Array(32)])));
	traffic.push(tcp(2, LOCKDOWN_PORT, TcpFlag.Rst | TcpFlag.Ack));
	traffic.push(crypto.getRandomValues(new Uint8Array(512)));
	return traffic.map(result);
}

describe('the USB tap', () => {
	it('passes devices, results, errors and events through unchanged, each device the same object every time', async () => {
		const failure = new DOMException('The device was disconnected.', 'NotFoundError');
		const answer = result(new Uint8Array([1, 2, 3]));
		const raw = fakeDevice([answer]);
		const failing = { ...raw, transferOut: async () => Promise.reject(failure) } as unknown as USBDevice;
		const inner = fakeUsb([raw, failing]);
		const recorder = new DiagnosticRecorder();
		const usb = tapUsb(inner, recorder);
		const [device, other] = await usb.getDevices();
		expect((await usb.getDevices())[0]).toBe(device);
		expect(device!.serialNumber).toBe(raw.serialNumber);
		expect(await device!.transferIn(1, 64)).toBe(answer);
		await expect(other!.transferOut(2, new Uint8Array(8))).rejects.toBe(failure);
		// A worker's USB has no chooser, and callers look for one.
		expect(typeof usb.requestDevice).toBe('undefined');

		const heard: unknown[] = [];
		usb.addEventListener('disconnect', (event) => heard.push(event.device));
		inner.dispatchEvent(Object.assign(new Event('disconnect'), { device: raw }));
		expect(heard).toEqual([device]);
		expect(recorder.snapshot().steps.map((step) => `${step.step} ${step.outcome}`)).toEqual(['cable failed']);
		expect(recorder.snapshot().wire.usb.entries).toContainEqual(expect.objectContaining({ what: 'transferOut', error: 'NotFoundError' }));
	});

	it('stays bounded under a flood of a million transfers, and never throws on what it cannot read', async () => {
		const recorder = new DiagnosticRecorder();
		const traffic = deviceTraffic();
		const [device] = await tapUsb(fakeUsb([fakeDevice(traffic)]), recorder).getDevices();
		await device!.open();
		const transfers = 1_000_000;
		for (let i = 0; i < transfers; i++) await device!.transferIn(1, 65536);

		const snapshot = recorder.snapshot();
		expect(snapshot.counters['usb.in.transfers']).toBe(transfers);
		const capacity = WIRE_LAYERS.reduce((sum, layer) => sum + RING_CAPACITY[layer], RING_CAPACITY.steps);
		expect(recorder.heldEntries).toBeLessThanOrEqual(capacity);
		for (const layer of WIRE_LAYERS) expect(snapshot.wire[layer].entries.length).toBeLessThanOrEqual(RING_CAPACITY[layer]);
		expect(snapshot.wire.usbmux.dropped).toBeGreaterThan(transfers / 2);
		// It read what it could: AFC data on every connection, TLS on lockdown, the RST; the junk it skipped.
		expect(snapshot.counters['afc.in.Data']).toBeGreaterThan(transfers / 2);
		expect(snapshot.counters['tls.in.records']).toBeGreaterThan(0);
		expect(snapshot.counters['usbmux.in.resets']).toBeGreaterThan(0);
		expect(snapshot.counters['diagnostics.errors']).toBeUndefined();
		expect(Object.keys(snapshot.counters).length).toBeLessThanOrEqual(256);
	}, 120_000);

	it('follows at most a bounded number of connections, forgetting the oldest', () => {
		const recorder = new DiagnosticRecorder();
		const tap = new MuxTap(recorder);
		const framer = new MuxFramer();
		framer.useVersion2();
		for (let port = 1; port <= 10_000; port++) {
			tap.transfer('out', framer.tcp({ sourcePort: port & 0xffff, destinationPort: LOCKDOWN_PORT, seq: 0, ack: 0, flags: TcpFlag.Syn, window: 524288 }));
		}
		expect(tap.connectionCount).toBe(MAX_CONNECTIONS);
		expect(recorder.snapshot().counters['usbmux.connections-forgotten']).toBe(10_000 - MAX_CONNECTIONS);
	});

	it('reads a header split across transfers at any byte, and takes a lost stream up again at the next transfer', () => {
		const framer = new MuxFramer();
		framer.useVersion2();
		const plist = new TextEncoder().encode('<?xml version="1.0"?><plist version="1.0"><dict><key>Request</key><string>QueryType</string></dict></plist>');
		const message = new Uint8Array(4 + plist.byteLength);
		new DataView(message.buffer).setUint32(0, plist.byteLength);
		message.set(plist, 4);
		const packet = framer.tcp({ sourcePort: 1, destinationPort: LOCKDOWN_PORT, seq: 1, ack: 1, flags: TcpFlag.Ack, window: 524288 }, message);
		for (let cut = 1; cut < packet.byteLength; cut++) {
			const recorder = new DiagnosticRecorder();
			const tap = new MuxTap(recorder);
			tap.transfer('out', packet.subarray(0, cut));
			tap.transfer('out', packet.subarray(cut));
			expect(recorder.snapshot().wire.lockdown.entries, `cut at ${cut}`).toMatchObject([{ dir: 'out', conn: `1>${LOCKDOWN_PORT}`, Request: 'QueryType' }]);
		}
		const recorder = new DiagnosticRecorder();
		const tap = new MuxTap(recorder);
		tap.transfer('out', new Uint8Array([0, 0, 0, 6, 0xff, 0xff, 0xff, 0xff]));
		tap.transfer('out', packet);
		expect(recorder.snapshot().wire.lockdown.entries).toMatchObject([{ Request: 'QueryType' }]);
		expect(recorder.snapshot().wire.usbmux.entries[0]).toMatchObject({ what: 'bad-length' });
	});
});
