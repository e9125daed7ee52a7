import { afterEach, describe, expect, it } from 'vitest';
import { connect, type Socket } from 'node:net';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync } from 'node:fs';
import { decodePlist } from '../../lib/plist';
import { createChannelPair } from '../../lib/streams/byte-channel';
import { HEADER_SIZE, decodeHeader, encodeMessage, encodePlistMessage, swapPort } from './protocol';
import { startUsbmuxdServer, type FrontendDevice, type UsbmuxdServer } from './server-node';

const UDID = '00008110-000A10123AF9801E';

/** A device whose port 62078 echoes what it receives; every other port is refused. */
function echoDevice(): FrontendDevice {
	return {
		deviceId: 1,
		productId: 0x12a8,
		udid: UDID,
		locationId: 0x10002,
		async connect(port) {
			if (port !== 62078) throw new Error('refused');
			const [ours, theirs] = createChannelPair();
			void theirs.readable.pipeTo(theirs.writable).catch(() => undefined);
			return ours;
		},
	};
}

class Client {
	#buffer = new Uint8Array(0);
	#waiters: (() => void)[] = [];
	constructor(readonly socket: Socket) {
		socket.on('data', (data: Buffer) => {
			const next = new Uint8Array(this.#buffer.length + data.length);
			next.set(this.#buffer);
			next.set(data, this.#buffer.length);
			this.#buffer = next;
			for (const wake of this.#waiters.splice(0)) wake();
		});
	}
	static async open(server: UsbmuxdServer): Promise<Client> {
		const socket = connect(server.port, server.host);
		await new Promise((resolve) => socket.once('connect', resolve));
		return new Client(socket);
	}
	async bytes(n: number): Promise<Uint8Array> {
		while (this.#buffer.length < n) await new Promise<void>((wake) => this.#waiters.push(wake));
		const out = this.#buffer.slice(0, n);
		this.#buffer = this.#buffer.slice(n);
		return out;
	}
	async message() {
		const header = decodeHeader(await this.bytes(HEADER_SIZE));
		const body = await this.bytes(header.length - HEADER_SIZE);
		return { header, body };
	}
	async plist() {
		const { header, body } = await this.message();
		return { header, value: decodePlist(body) as Record<string, unknown> };
	}
}

let server: UsbmuxdServer | undefined;
afterEach(async () => {
	await server?.close();
	server = undefined;
});

describe('usbmuxd front-end', () => {
	it('lists the attached device as usbmuxd does', async () => {
		server = await startUsbmuxdServer();
		server.attach(echoDevice());
		const client = await Client.open(server);
		client.socket.write(encodePlistMessage(7, { MessageType: 'ListDevices' }));
		const { header, value } = await client.plist();
		expect(header).toMatchObject({ version: 1, message: 8, tag: 7 });
		expect(value).toEqual({
			DeviceList: [
				{
					DeviceID: 1,
					MessageType: 'Attached',
					Properties: { ConnectionSpeed: 480000000, ConnectionType: 'USB', DeviceID: 1, LocationID: 0x10002, ProductID: 0x12a8, SerialNumber: UDID },
				},
			],
		});
		client.socket.destroy();
	});

	it('tunnels a plist Connect with the byte-swapped port, and refuses closed ports', async () => {
		server = await startUsbmuxdServer();
		server.attach(echoDevice());
		const client = await Client.open(server);
		client.socket.write(encodePlistMessage(2, { MessageType: 'Connect', DeviceID: 1, PortNumber: swapPort(62078) }));
		expect((await client.plist()).value).toEqual({ MessageType: 'Result', Number: 0 });
		client.socket.write(new Uint8Array([1, 2, 3, 4]));
		expect(await client.bytes(4)).toEqual(new Uint8Array([1, 2, 3, 4]));
		client.socket.destroy();

		const refused = await Client.open(server);
		refused.socket.write(encodePlistMessage(3, { MessageType: 'Connect', DeviceID: 1, PortNumber: swapPort(22) }));
		expect((await refused.plist()).value).toEqual({ MessageType: 'Result', Number: 3 });
	});

	it('tunnels a binary Connect (port in network order)', async () => {
		server = await startUsbmuxdServer();
		server.attach(echoDevice());
		const client = await Client.open(server);
		const body = new Uint8Array(8);
		new DataView(body.buffer).setUint32(0, 1, true);
		new DataView(body.buffer).setUint16(4, 62078, false);
		client.socket.write(encodeMessage(0, 2, 9, body));
		const { header, body: result } = await client.message();
		expect(header).toMatchObject({ version: 0, message: 1, tag: 9 });
		expect(new DataView(result.buffer).getUint32(0, true)).toBe(0);
		client.socket.write(new Uint8Array([42]));
		expect(await client.bytes(1)).toEqual(new Uint8Array([42]));
		client.socket.destroy();
	});

	it('keeps pair records verbatim and answers ENOENT for unknown ones', async () => {
		server = await startUsbmuxdServer({ systemBuid: 'B1D-TEST' });
		const client = await Client.open(server);
		client.socket.write(encodePlistMessage(1, { MessageType: 'ReadPairRecord', PairRecordID: UDID }));
		expect((await client.plist()).value).toEqual({ MessageType: 'Result', Number: 2 });
		const record = new TextEncoder().encode('bplist00-whatever');
		client.socket.write(encodePlistMessage(2, { MessageType: 'SavePairRecord', PairRecordID: UDID, PairRecordData: record }));
		expect((await client.plist()).value).toEqual({ MessageType: 'Result', Number: 0 });
		client.socket.write(encodePlistMessage(3, { MessageType: 'ReadPairRecord', PairRecordID: UDID }));
		expect((await client.plist()).value).toEqual({ PairRecordData: Uint8Array.from(record) });
		client.socket.write(encodePlistMessage(4, { MessageType: 'ReadBUID' }));
		expect((await client.plist()).value).toEqual({ BUID: 'B1D-TEST' });
		client.socket.write(encodePlistMessage(5, { MessageType: 'DeletePairRecord', PairRecordID: UDID }));
		expect((await client.plist()).value).toEqual({ MessageType: 'Result', Number: 0 });
		expect(server.pairRecords.has(UDID)).toBe(false);
		client.socket.destroy();
	});

	it('announces devices to listeners and tells them when one leaves', async () => {
		server = await startUsbmuxdServer();
		const client = await Client.open(server);
		client.socket.write(encodePlistMessage(1, { MessageType: 'Listen' }));
		expect((await client.plist()).value).toEqual({ MessageType: 'Result', Number: 0 });
		server.attach(echoDevice());
		expect((await client.plist()).value).toMatchObject({ MessageType: 'Attached', DeviceID: 1 });
		server.detach(1);
		expect((await client.plist()).value).toEqual({ MessageType: 'Detached', DeviceID: 1 });
		client.socket.destroy();
	});

	it('closes on a header that announces an absurd length', async () => {
		server = await startUsbmuxdServer();
		const client = await Client.open(server);
		const header = new Uint8Array(16);
		new DataView(header.buffer).setUint32(0, 0x7fffffff, true);
		client.socket.write(header);
		await new Promise((resolve) => client.socket.once('close', resolve));
	});

	const idevice_id = '/usr/bin/idevice_id';
	it.runIf(existsSync(idevice_id))("is what Debian's idevice_id sees", async () => {
		server = await startUsbmuxdServer();
		server.attach(echoDevice());
		const { stdout } = await promisify(execFile)(idevice_id, ['-l'], {
			env: { ...process.env, USBMUXD_SOCKET_ADDRESS: `${server.host}:${server.port}` },
			timeout: 10_000,
		});
		expect(stdout.trim()).toBe(UDID);
	});
});
