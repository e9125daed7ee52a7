import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSimUsbTransport, SimUsbmuxDevice, type SimUsbTransportOptions } from '../../sim/usbmux';
import type { ByteChannel } from '../streams/byte-channel';
import { ByteReader } from '../streams/byte-reader';
import { HOST_WINDOW, MAX_DEVICE_PACKET_LENGTH, MuxProtocol, TcpFlag } from './constants';
import { encodeVersion, MuxFramer } from './mux-packets';
import { readU32 } from '../bytes';
import type { UsbTransport } from '../usb/transport';
import { UsbmuxClient, type UsbmuxClientOptions } from './usbmux-client';

/** Waiting for the other end to get somewhere: generous, for a loaded machine. */
const POLL = { timeout: 10_000 };

/** An echo service: writes back whatever it reads. */
function echo(connection: ByteChannel): void {
	void connection.readable.pipeTo(connection.writable).catch(() => undefined);
}

async function start(
	device: SimUsbmuxDevice,
	options: UsbmuxClientOptions = {},
	transportOptions: SimUsbTransportOptions = {},
) {
	const transport = createSimUsbTransport(device, transportOptions);
	const client = await UsbmuxClient.open(transport, options);
	return { transport, client };
}

const turn = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('UsbmuxClient against a phone that floods', () => {
	it('answers packets for unknown connections with a bounded number of RSTs while the pipe takes nothing', async () => {
		let give!: (chunk: Uint8Array) => void;
		const written: Uint8Array[] = [];
		let open!: () => void;
		const gate = new Promise<void>((resolve) => (open = resolve));
		const transport: UsbTransport = {
			readable: new ReadableStream<Uint8Array>({ start: (controller) => void (give = (chunk) => controller.enqueue(chunk)) }),
			writable: new WritableStream<Uint8Array>({
				write: async (chunk) => {
					written.push(chunk);
					await gate;
				},
			}),
			packetSize: 512,
			serialNumber: 'flood',
			closed: new Promise(() => undefined),
			close: async () => undefined,
		};
		const opening = UsbmuxClient.open(transport);
		give(encodeVersion({ major: 1, minor: 0 }));
		const client = await opening;
		const framer = new MuxFramer();
		for (let i = 0; i < 10_000; i++) {
			give(framer.tcp({ sourcePort: 5000 + (i % 100), destinationPort: 40_000 + i, seq: i, ack: 0, flags: TcpFlag.Ack, window: 0 }));
		}
		await vi.waitFor(() => expect(client.version.major).toBe(1));
		for (let i = 0; i < 50; i++) await turn();
		open();
		for (let i = 0; i < 50; i++) await turn();
		const resets = written.filter((packet) => readU32(packet, 0) === MuxProtocol.Tcp);
		expect(resets.length).toBeGreaterThan(0);
		expect(resets.length).toBeLessThanOrEqual(16);
	});
});

describe('UsbmuxClient with the virtual iPhone', () => {
	it('connects to a listening port and echoes', async () => {
		const device = new SimUsbmuxDevice();
		device.listen(1234, echo);
		const { client } = await start(device);
		const connection = await client.connect(1234);
		const writer = connection.writable.getWriter();
		const reader = new ByteReader(connection.readable);
		const message = new TextEncoder().encode('hello, phone');
		await writer.write(message);
		expect(await reader.readExactly(message.byteLength)).toEqual(message);
		await client.close();
		expect(await client.closed).toMatchObject({ code: 'connection-closed' });
		expect(device.violations).toEqual([]);
	});

	it('reports a refused port as port-closed', async () => {
		const device = new SimUsbmuxDevice();
		device.listen(1234, echo);
		device.refusePort(1234);
		const { client } = await start(device);
		await expect(client.connect(1234)).rejects.toMatchObject({
			code: 'port-closed',
			message: 'The iPhone refused a connection to port 1234.',
		});
		await expect(client.connect(4321)).rejects.toMatchObject({ code: 'port-closed' });
		// The client is still fine.
		device.refusePort(1234, false);
		await expect(client.connect(1234)).resolves.toBeDefined();
		await client.close();
	});

	it('delivers what the service wrote, then connection-reset when it closes', async () => {
		const device = new SimUsbmuxDevice();
		device.listen(1234, (connection) => {
			void (async () => {
				const writer = connection.writable.getWriter();
				await writer.write(new Uint8Array([1, 2, 3]));
				await connection.close();
			})();
		});
		const { client } = await start(device);
		const connection = await client.connect(1234);
		const reader = connection.readable.getReader();
		expect((await reader.read()).value).toEqual(new Uint8Array([1, 2, 3]));
		await expect(reader.read()).rejects.toMatchObject({ code: 'connection-reset' });
		expect(await connection.closed).toMatchObject({ code: 'connection-reset' });
		await client.close();
	});

	it("puts the device's reason for a reset in the message", async () => {
		const device = new SimUsbmuxDevice();
		device.listen(1234, () => undefined);
		const { client } = await start(device);
		const connection = await client.connect(1234);
		const reading = connection.readable.getReader().read();
		device.resetConnections(1234, 'amnesia');
		await expect(reading).rejects.toMatchObject({
			code: 'connection-reset',
			message: expect.stringContaining('"amnesia"'),
		});
		await client.close();
	});

	it('fails pending reads and connects with unplugged when the cable is pulled', async () => {
		const device = new SimUsbmuxDevice();
		device.listen(1234, () => undefined);
		device.listen(5678, () => undefined);
		const { client, transport } = await start(device);
		const connection = await client.connect(1234);
		const reading = connection.readable.getReader().read();
		device.stall();
		const connecting = client.connect(5678);
		const writing = connection.writable.getWriter().write(new Uint8Array(1 << 20));
		await turn();
		transport.unplug();
		await expect(reading).rejects.toMatchObject({ code: 'unplugged' });
		await expect(connecting).rejects.toMatchObject({ code: 'unplugged' });
		await expect(writing).rejects.toMatchObject({ code: 'unplugged' });
		expect(await client.closed).toMatchObject({ code: 'unplugged' });
		await expect(client.connect(1234)).rejects.toMatchObject({ code: 'unplugged' });
	});

	it('gives up on a connection request the device never answers', async () => {
		const device = new SimUsbmuxDevice();
		device.listen(1234, () => undefined);
		const { client } = await start(device, { connectTimeout: 20 });
		device.stall();
		await expect(client.connect(1234)).rejects.toMatchObject({ code: 'timeout' });
		await client.close();
	});

	it('times out when the device never answers VERSION, and releases the transport', async () => {
		const device = new SimUsbmuxDevice();
		device.stall();
		const transport = createSimUsbTransport(device);
		await expect(UsbmuxClient.open(transport, { handshakeTimeout: 20 })).rejects.toMatchObject({ code: 'timeout' });
		await transport.closed;
	});

	it('opens many connections at once on distinct source ports, handed out round robin', async () => {
		const device = new SimUsbmuxDevice();
		device.listen(1234, echo);
		const { client } = await start(device);
		const connections = await Promise.all(Array.from({ length: 20 }, () => client.connect(1234)));
		expect(new Set(connections.map((c) => c.sourcePort)).size).toBe(20);
		await Promise.all(
			connections.map(async (connection, i) => {
				await connection.writable.getWriter().write(new Uint8Array([i]));
				expect(await new ByteReader(connection.readable).readExactly(1)).toEqual(new Uint8Array([i]));
				await connection.close();
			}),
		);
		await expect.poll(() => device.connections().length, POLL).toBe(0);
		// Port 1 is free again but the next one is 21, so a late packet for port 1 cannot be misread.
		expect(connections.map((c) => c.sourcePort)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
		expect((await client.connect(1234)).sourcePort).toBe(21);
		expect(device.violations).toEqual([]);
		await client.close();
	});

	it('close() resets every connection and ends their streams', async () => {
		const device = new SimUsbmuxDevice();
		device.listen(1234, () => undefined);
		const { client, transport } = await start(device);
		const a = await client.connect(1234);
		const b = await client.connect(1234);
		await expect.poll(() => device.connections().length, POLL).toBe(2);
		await client.close();
		expect((await a.readable.getReader().read()).done).toBe(true);
		await expect(b.writable.getWriter().write(new Uint8Array(1))).rejects.toMatchObject({ code: 'connection-closed' });
		await transport.closed;
		await client.close();
	});

	it('lets a reader that stops reading buffer at most our window, and blocks the device', async () => {
		const device = new SimUsbmuxDevice();
		const total = 2 * 1024 * 1024;
		let written = false;
		device.listen(1234, (connection) => {
			void connection.writable
				.getWriter()
				.write(new Uint8Array(total).fill(7))
				.then(() => (written = true));
		});
		const { client } = await start(device);
		const connection = await client.connect(1234);
		// Wait until the device has filled our window, then give it more chances to overrun it.
		await expect.poll(() => device.connections()[0]?.unacknowledged, { ...POLL, interval: 1 }).toBe(HOST_WINDOW);
		for (let i = 0; i < 20; i++) await turn();
		expect(connection.bufferedAmount).toBe(HOST_WINDOW);
		expect(device.connections()[0]?.bytesSent).toBe(HOST_WINDOW);
		expect(written).toBe(false);

		const reader = new ByteReader(connection.readable);
		let received = 0;
		while (received < total) received += (await reader.readSome(1 << 20))!.byteLength;
		expect(received).toBe(total);
		await expect.poll(() => written, POLL).toBe(true);
		expect(device.violations).toEqual([]);
		await client.close();
	});

	it('throttles a host writer at the device window when the service does not read', async () => {
		const device = new SimUsbmuxDevice();
		let service: ByteChannel | undefined;
		device.listen(1234, (connection) => (service = connection));
		const { client } = await start(device);
		const connection = await client.connect(1234);
		let done = false;
		const writing = connection.writable
			.getWriter()
			.write(new Uint8Array(400_000).fill(1))
			.then(() => (done = true));
		await expect.poll(() => device.connections()[0]?.bytesReceived, { ...POLL, interval: 1 }).toBe(131072);
		for (let i = 0; i < 20; i++) await turn();
		expect(device.connections()[0]?.bytesReceived).toBe(131072);
		expect(done).toBe(false);
		const reader = new ByteReader(service!.readable);
		await reader.readExactly(400_000);
		await writing;
		expect(device.violations).toEqual([]);
		await client.close();
	});
});

/** A service that writes `total` bytes of 7 at once. */
function firehose(total: number) {
	return (connection: ByteChannel) => void connection.writable.getWriter().write(new Uint8Array(total).fill(7)).catch(() => undefined);
}

async function readAll(connection: { readable: ReadableStream<Uint8Array> }, total: number): Promise<number> {
	const reader = new ByteReader(connection.readable);
	let received = 0;
	while (received < total) received += (await reader.readSome(1 << 20))!.byteLength;
	return received;
}

describe('UsbmuxClient with a phone stricter about ACKs and windows than ours', () => {
	afterEach(() => {
		vi.useRealTimers();
	});

	it('holds a phone that overshoots our window by a packet, up to twice the window, as usbmuxd does', async () => {
		const device = new SimUsbmuxDevice({ overshootWindow: true });
		const total = 2 * 1024 * 1024;
		device.listen(1234, firehose(total));
		const { client } = await start(device);
		const connection = await client.connect(1234);
		const payload = MAX_DEVICE_PACKET_LENGTH - 36;
		// The reader waits until the phone has gone past our window, and stopped there.
		await expect.poll(() => device.connections()[0]?.unacknowledged, { ...POLL, interval: 1 }).toBe(HOST_WINDOW + payload);
		for (let i = 0; i < 20; i++) await turn();
		expect(connection.bufferedAmount).toBe(HOST_WINDOW + payload);
		expect(await readAll(connection, total)).toBe(total);
		expect(device.violations).toEqual([]);
		await client.close();
	});

	it('still ends a connection whose phone sends more than twice our window, as a protocol error', async () => {
		const device = new SimUsbmuxDevice({ overshootWindow: true });
		device.listen(1234, firehose(1024 * 1024));
		// With a window of one packet's payload, one packet past it is more than twice the window.
		const { client } = await start(device, { receiveWindow: 256 * 64 });
		const connection = await client.connect(1234);
		await expect(connection.closed).resolves.toMatchObject({ code: 'protocol' });
		await client.close();
	});

	it('acknowledges each full packet at once, so a phone that will not run ahead of our ACKs never waits on a timer', async () => {
		const device = new SimUsbmuxDevice({ sendAheadLimit: 2 * (MAX_DEVICE_PACKET_LENGTH - 36) });
		const total = 4 * 1024 * 1024;
		device.listen(1234, firehose(total));
		const { client } = await start(device);
		const connection = await client.connect(1234);
		// No timer fires from here on (a throttled background tab): only prompt ACKs keep the phone sending.
		vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
		expect(await readAll(connection, total)).toBe(total);
		vi.useRealTimers();
		expect(device.violations).toEqual([]);
		await client.close();
	});
});
