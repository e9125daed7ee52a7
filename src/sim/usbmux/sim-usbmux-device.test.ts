import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { createChannelPair } from '../../lib/streams/byte-channel';
import { ByteReader } from '../../lib/streams/byte-reader';
import { SimUsbmuxDevice } from './sim-usbmux-device';

/** Waiting for the other end to get somewhere: generous, for a loaded machine. */
const POLL = { timeout: 10_000 };

const hex = (text: string) => Uint8Array.from((text.replace(/[\s|]/g, '').match(/../g) ?? []).map((b) => parseInt(b, 16)));

/** The device on one end of an in-memory pipe; the test speaks raw host bytes on the other. */
function rawHost(device: SimUsbmuxDevice) {
	const [host, deviceEnd] = createChannelPair(64);
	void device.attach(deviceEnd);
	const writer = host.writable.getWriter();
	const reader = host.readable.getReader();
	return {
		send: (...packets: string[]) => Promise.all(packets.map((p) => writer.write(hex(p)))),
		sendBytes: (bytes: Uint8Array) => writer.write(bytes),
		/** The next packet the device writes. */
		next: async () => {
			const { value, done } = await reader.read();
			if (done) throw new Error('the device ended the pipe');
			return value;
		},
		end: () => host.close(),
	};
}

const VERSION = '00000000 00000014 | 00000002 00000000 00000000';
const SETUP = '00000002 00000011 feedface 0000 ffff | 07';
const SYN = '00000006 00000024 feedface 0001 ffff | 0001 f27e 00000000 00000000 50 02 0200 0000 0000';
const ACK = '00000006 00000024 feedface 0002 0000 | 0001 f27e 00000001 00000001 50 10 0200 0000 0000';

describe('SimUsbmuxDevice', () => {
	it('answers the host of protocol.md §2.6 with the example bytes', async () => {
		const reply = new Uint8Array(
			await readFile(
				new URL('../../../../shared/fixtures/bytes/appium-ios-device/lockdownquerytypemessage.bin', import.meta.url),
			),
		);
		const device = new SimUsbmuxDevice();
		const requests: Uint8Array[] = [];
		device.listen(62078, (connection) => {
			void (async () => {
				const reader = new ByteReader(connection.readable);
				const writer = connection.writable.getWriter();
				const length = await reader.readExactly(4);
				requests.push(await reader.readExactly(new DataView(length.buffer, length.byteOffset).getUint32(0)));
				// lockdownd writes the length and the body separately: two segments.
				await writer.write(reply.subarray(0, 4));
				await writer.write(reply.subarray(4));
			})();
		});
		const host = rawHost(device);

		await host.send(VERSION);
		expect(await host.next()).toEqual(hex('00000000 00000014 | 00000002 00000000 00000000'));
		await host.send(SETUP, SYN);
		expect(await host.next()).toEqual(
			hex('00000006 00000024 feedface 0000 0001 | f27e 0001 00000000 00000001 50 12 0200 0000 0000'),
		);
		const request = new Uint8Array(283);
		request.set(hex('00000117 3c3f786d6c20'));
		await host.send(ACK);
		await host.sendBytes(
			new Uint8Array([
				...hex('00000006 0000013f feedface 0003 0000 | 0001 f27e 00000001 00000001 50 10 0200 0000 0000'),
				...request,
			]),
		);
		expect(await host.next()).toEqual(
			hex('00000006 00000028 feedface 0001 0003 | f27e 0001 00000001 0000011c 50 10 0200 0000 0000 | 00000129'),
		);
		const body = await host.next();
		expect(body.subarray(0, 36)).toEqual(
			hex('00000006 0000014d feedface 0002 0003 | f27e 0001 00000005 0000011c 50 10 0200 0000 0000'),
		);
		expect(body.subarray(36)).toEqual(reply.subarray(4));
		expect(requests[0]?.byteLength).toBe(279);
		expect(device.violations).toEqual([]);
	});

	it('refuses a port nobody listens on with RST|ACK, ack = SYN seq + 1', async () => {
		const device = new SimUsbmuxDevice();
		const host = rawHost(device);
		await host.send(VERSION);
		await host.next();
		await host.send(SETUP, '00000006 00000024 feedface 0001 ffff | 0007 1234 00000000 00000000 50 02 0800 0000 0000');
		expect(await host.next()).toEqual(
			hex('00000006 00000024 feedface 0000 0001 | 1234 0007 00000000 00000001 50 14 0200 0000 0000'),
		);
	});

	it('resets a host that overruns its window with "amnesia" and records it', async () => {
		const device = new SimUsbmuxDevice({ window: 512 });
		device.listen(62078, () => undefined); // a service that never reads
		const host = rawHost(device);
		await host.send(VERSION);
		await host.next();
		await host.send(SETUP, SYN);
		await host.next();
		await host.send(ACK);
		const data = (tx: string, seq: string) => {
			const packet = new Uint8Array(36 + 300);
			packet.set(hex(`00000006 00000150 feedface ${tx} 0000 | 0001 f27e ${seq} 00000001 50 10 0800 0000 0000`));
			return packet;
		};
		await host.sendBytes(data('0003', '00000001'));
		await host.sendBytes(data('0004', '0000012d'));
		const rst = await host.next();
		expect(rst.subarray(0, 36)).toEqual(
			hex('00000006 0000002b feedface 0001 0004 | f27e 0001 00000001 00000001 50 14 0002 0000 0000'),
		);
		expect(new TextDecoder().decode(rst.subarray(36))).toBe('amnesia');
		expect(device.violations.map((v) => v.kind)).toEqual(['window-overrun']);
	});

	it('records packets needing a zero-length packet and bad sequence numbers', async () => {
		const device = new SimUsbmuxDevice();
		device.listen(62078, () => undefined);
		const host = rawHost(device);
		await host.send(VERSION);
		await host.next();
		await host.send(SETUP, SYN);
		await host.next();
		await host.send(ACK);
		const packet = new Uint8Array(512);
		packet.set(hex('00000006 00000200 feedface 0003 0000 | 0001 f27e 00000001 00000001 50 10 0800 0000 0000'));
		await host.sendBytes(packet);
		// tx_seq jumps from 3 to 9; rx_seq names a packet the device never sent.
		await host.send('00000006 00000024 feedface 0009 0007 | 0001 f27e 000001dd 00000001 50 10 0800 0000 0000');
		await host.send('00000006 00000024 feedface 000a 0000 | 0001 f27e 000001dd 00000001 50 04 0800 0000 0000');
		await host.end();
		await expect.poll(() => device.violations.map((v) => v.kind), POLL).toEqual(['zlp-length', 'bad-seq', 'bad-seq']);
	});

	it('sends a CONTROL error for a bad magic and for a packet over 65535 bytes', async () => {
		const device = new SimUsbmuxDevice();
		const host = rawHost(device);
		await host.send(VERSION);
		await host.next();
		await host.send(SETUP, '00000006 00000024 deadbeef 0001 ffff | 0001 f27e 00000000 00000000 50 02 0800 0000 0000');
		const control = await host.next();
		expect(control.subarray(0, 17)).toEqual(hex('00000001 0000002b feedface 0000 0000 | 03'));
		expect(new TextDecoder().decode(control.subarray(17))).toBe('bad magic in packet header');
		await host.send('00000006 00010000 feedface 0002 0000');
		const tooLarge = await host.next();
		expect(new TextDecoder().decode(tooLarge.subarray(17))).toBe(
			'asyncReadComplete, message was too large (65536 bytes, max = 65535)',
		);
		expect(device.violations.map((v) => v.kind)).toEqual(['bad-magic', 'bad-length']);
	});

	it('parses one packet per OUT transfer: two in one transfer, or one over two, are refused and recorded', async () => {
		const device = new SimUsbmuxDevice();
		device.listen(62078, () => undefined);
		const host = rawHost(device);
		await host.send(VERSION);
		await host.next();
		// SETUP and SYN joined in one transfer: the phone reads neither, so the SYN goes unanswered.
		await host.sendBytes(new Uint8Array([...hex(SETUP), ...hex(SYN)]));
		// SETUP alone, then the SYN cut in two transfers: still nothing to answer.
		await host.send(SETUP);
		const syn = hex(SYN);
		await host.sendBytes(syn.subarray(0, 20));
		await host.sendBytes(syn.subarray(20));
		// The SYN as one transfer is answered; the second half alone read as a packet of 0 bytes got a CONTROL error.
		await host.send(SYN);
		expect((await host.next()).subarray(0, 4)).toEqual(hex('00000001'));
		expect((await host.next()).subarray(0, 4)).toEqual(hex('00000006'));
		expect(device.violations.map((v) => v.kind)).toEqual(['transfer-framing', 'transfer-framing', 'bad-length']);
		expect(device.violations[0]!.detail).toBe('a 53-byte OUT transfer holding a packet of 17 bytes and more after it');
		expect(device.violations[1]!.detail).toBe('a 20-byte OUT transfer holding a packet of 36 bytes');
	});

	it('answers VERSION 1 when told to, and then uses 8-byte headers', async () => {
		const device = new SimUsbmuxDevice({ version: 1 });
		device.listen(62078, () => undefined);
		const host = rawHost(device);
		await host.send(VERSION);
		expect(await host.next()).toEqual(hex('00000000 00000014 | 00000001 00000000 00000000'));
		await host.send('00000006 0000001c | 0001 f27e 00000000 00000000 50 02 0800 0000 0000');
		expect(await host.next()).toEqual(hex('00000006 0000001c | f27e 0001 00000000 00000001 50 12 0200 0000 0000'));
	});

	it('never sends beyond the host window, and at most 32764 bytes a packet', async () => {
		const device = new SimUsbmuxDevice();
		device.listen(62078, (connection) => void connection.writable.getWriter().write(new Uint8Array(200_000).fill(9)));
		const host = rawHost(device);
		await host.send(VERSION);
		await host.next();
		// The host advertises 64 KiB (field 0x0100).
		await host.send(SETUP, SYN.replace('50 02 0200', '50 02 0100'), ACK.replace('50 10 0200', '50 10 0100'));
		await host.next(); // SYN/ACK
		const sizes = [(await host.next()).byteLength, (await host.next()).byteLength, (await host.next()).byteLength];
		expect(sizes).toEqual([32764, 32764, 36 + 65536 - 2 * 32728]);
		expect(device.connections()[0]).toMatchObject({ bytesSent: 65536, unacknowledged: 65536 });
		// Acknowledging 40000 bytes lets exactly 40000 more out.
		await host.send('00000006 00000024 feedface 0003 0004 | 0001 f27e 00000001 00009c41 50 10 0100 0000 0000');
		const more = [(await host.next()).byteLength, (await host.next()).byteLength];
		expect(more).toEqual([32764, 36 + 40000 - 32728]);
		expect(device.connections()[0]).toMatchObject({ bytesSent: 105536, unacknowledged: 65536 });
	});

	it('holds everything back while stalled and sends it in order afterwards', async () => {
		const device = new SimUsbmuxDevice();
		device.listen(62078, () => undefined);
		const host = rawHost(device);
		device.stall();
		await host.send(VERSION);
		await host.send(SETUP, SYN);
		let arrived = false;
		const next = host.next().finally(() => (arrived = true));
		for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 0));
		expect(arrived).toBe(false);
		device.unstall();
		expect((await next).byteLength).toBe(20);
		expect(await host.next()).toEqual(
			hex('00000006 00000024 feedface 0000 0001 | f27e 0001 00000000 00000001 50 12 0200 0000 0000'),
		);
	});
});
