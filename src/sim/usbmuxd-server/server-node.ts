import { createServer, type Server, type Socket } from 'node:net';
import type { PlistDict } from '../../lib/plist';
import type { ByteChannel } from '../../lib/streams/byte-channel';
import { ByteReader } from '../../lib/streams/byte-reader';
import { socketChannel } from './node-socket';
import {
	HEADER_SIZE,
	MAX_MESSAGE_SIZE,
	MessageType,
	ResultCode,
	attachedRecord,
	decodeHeader,
	decodePlistBody,
	encodeBinaryDeviceAdd,
	encodeMessage,
	encodePlistMessage,
	encodeResult,
	swapPort,
	type AttachedDevice,
} from './protocol';

/** A device the front-end announces: its identity, and a way to open a connection to one of its ports. */
export interface FrontendDevice extends AttachedDevice {
	/** Rejects when the device refuses the port (the client then gets CONNREFUSED). */
	connect(port: number): Promise<ByteChannel>;
}

export interface UsbmuxdServerOptions {
	host?: string;
	port?: number;
	/** The host's system BUID, answered to ReadBUID. */
	systemBuid?: string;
}

export interface UsbmuxdServer {
	readonly host: string;
	readonly port: number;
	/** Pair records saved by clients, by UDID, kept verbatim as usbmuxd does. */
	readonly pairRecords: Map<string, Uint8Array>;
	attach(device: FrontendDevice): void;
	detach(deviceId: number): void;
	close(): Promise<void>;
}

/**
 * A usbmuxd stand-in on TCP: `USBMUXD_SOCKET_ADDRESS=host:port` points libimobiledevice's tools and
 * ifuse at it. Each client connection is either a request/reply session, a Listen subscription, or —
 * after a successful Connect — a raw tunnel to a device port.
 */
export async function startUsbmuxdServer(options: UsbmuxdServerOptions = {}): Promise<UsbmuxdServer> {
	const devices = new Map<number, FrontendDevice>();
	const pairRecords = new Map<string, Uint8Array>();
	const listeners = new Set<{ version: number; send: (bytes: Uint8Array) => void }>();
	const systemBuid = options.systemBuid ?? crypto.randomUUID().toUpperCase();
	const sockets = new Set<Socket>();

	const server: Server = createServer((socket) => {
		sockets.add(socket);
		socket.once('close', () => sockets.delete(socket));
		void serveClient(socket).catch(() => socket.destroy());
	});

	async function serveClient(socket: Socket): Promise<void> {
		const channel = socketChannel(socket);
		const reader = new ByteReader(channel.readable);
		const writer = channel.writable.getWriter();
		const send = (bytes: Uint8Array) => writer.write(bytes);
		for (;;) {
			if (await reader.atEnd().catch(() => true)) return void channel.close();
			const header = decodeHeader(await reader.readExactly(HEADER_SIZE));
			if (header.length < HEADER_SIZE || header.length > MAX_MESSAGE_SIZE) return void channel.close();
			const body = await reader.readExactly(header.length - HEADER_SIZE);

			if (header.version === 0 && header.message === MessageType.Connect && body.byteLength >= 8) {
				const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
				const deviceId = view.getUint32(0, true);
				const port = view.getUint16(4, false);
				return connect(0, header.tag, deviceId, port);
			}
			if (header.version === 0 && header.message === MessageType.Listen) {
				await send(encodeResult(0, header.tag, ResultCode.Ok));
				for (const device of devices.values()) await send(encodeBinaryDeviceAdd(device));
				return subscribe(0);
			}
			if (header.version !== 1 || header.message !== MessageType.Plist) {
				await send(encodeResult(0, header.tag, ResultCode.BadVersion));
				continue;
			}
			const request = decodePlistBody(body);
			const type = request?.MessageType;
			switch (type) {
				case 'ListDevices':
					await send(encodePlistMessage(header.tag, { DeviceList: [...devices.values()].map(attachedRecord) }));
					break;
				case 'Listen':
					await send(encodeResult(1, header.tag, ResultCode.Ok));
					for (const device of devices.values()) await send(encodePlistMessage(0, attachedRecord(device)));
					return subscribe(1);
				case 'Connect': {
					const deviceId = Number(request?.DeviceID);
					const port = swapPort(Number(request?.PortNumber) & 0xffff);
					return connect(1, header.tag, deviceId, port);
				}
				case 'ReadBUID':
					await send(encodePlistMessage(header.tag, { BUID: systemBuid }));
					break;
				case 'ReadPairRecord': {
					const record = pairRecords.get(String(request?.PairRecordID));
					await send(
						record
							? encodePlistMessage(header.tag, { PairRecordData: record })
							: encodeResult(1, header.tag, ResultCode.NoSuchEntry),
					);
					break;
				}
				case 'SavePairRecord': {
					const id = request?.PairRecordID;
					const data = request?.PairRecordData;
					if (typeof id !== 'string' || !(data instanceof Uint8Array)) {
						await send(encodeResult(1, header.tag, ResultCode.InvalidArgument));
						break;
					}
					pairRecords.set(id, data.slice());
					await send(encodeResult(1, header.tag, ResultCode.Ok));
					const paired = [...devices.values()].find((d) => d.udid === id);
					if (paired) notify({ MessageType: 'Paired', DeviceID: paired.deviceId }, MessageType.DevicePaired, paired.deviceId);
					break;
				}
				case 'DeletePairRecord':
					pairRecords.delete(String(request?.PairRecordID));
					await send(encodeResult(1, header.tag, ResultCode.Ok));
					break;
				case 'ListListeners':
					await send(encodePlistMessage(header.tag, { ListenerList: [] }));
					break;
				default:
					await send(encodeResult(1, header.tag, ResultCode.BadCommand));
			}
		}

		async function subscribe(version: number): Promise<void> {
			const listener = { version, send: (bytes: Uint8Array) => void send(bytes).catch(() => undefined) };
			listeners.add(listener);
			await new Promise<void>((resolve) => socket.once('close', () => resolve()));
			listeners.delete(listener);
		}

		async function connect(version: number, tag: number, deviceId: number, port: number): Promise<void> {
			const device = devices.get(deviceId);
			if (!device) {
				await send(encodeResult(version, tag, ResultCode.BadDevice));
				return void channel.close();
			}
			let tunnel: ByteChannel;
			try {
				tunnel = await device.connect(port);
			} catch {
				await send(encodeResult(version, tag, ResultCode.ConnectionRefused));
				return void channel.close();
			}
			await send(encodeResult(version, tag, ResultCode.Ok));
			writer.releaseLock();
			await splice(reader, channel, tunnel);
		}
	}

	function notify(record: PlistDict, binaryType: MessageType, deviceId: number): void {
		for (const listener of listeners) {
			if (listener.version === 1) listener.send(encodePlistMessage(0, record));
			else {
				const body = new Uint8Array(4);
				new DataView(body.buffer).setUint32(0, deviceId, true);
				listener.send(encodeMessage(0, binaryType, 0, body));
			}
		}
	}

	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
	});
	const address = server.address();
	if (address === null || typeof address === 'string') throw new Error('usbmuxd front-end has no TCP address');

	return {
		host: address.address,
		port: address.port,
		pairRecords,
		attach(device) {
			devices.set(device.deviceId, device);
			for (const listener of listeners) {
				listener.send(listener.version === 1 ? encodePlistMessage(0, attachedRecord(device)) : encodeBinaryDeviceAdd(device));
			}
		},
		detach(deviceId) {
			if (!devices.delete(deviceId)) return;
			notify({ MessageType: 'Detached', DeviceID: deviceId }, MessageType.DeviceRemove, deviceId);
		},
		async close() {
			for (const socket of sockets) socket.destroy();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}

/** Joins a client socket (with whatever it already sent past the Connect request) to a device port. */
async function splice(reader: ByteReader, client: ByteChannel, device: ByteChannel): Promise<void> {
	const toDevice = (async () => {
		const writer = device.writable.getWriter();
		try {
			for (;;) {
				const chunk = await reader.readSome(1 << 20);
				if (chunk === undefined) break;
				await writer.write(chunk);
			}
		} finally {
			await device.close();
		}
	})();
	const toClient = device.readable.pipeTo(client.writable).finally(() => client.close());
	await Promise.allSettled([toDevice, toClient]);
}
