import type { AddressInfo } from 'node:net';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { SimUsbHardware } from '../../src/sim/usb/hardware';
import { SimUsbRegistry, type SimUsbDeviceRef } from '../../src/sim/usb/registry';
import { serveSimUsb } from '../../src/sim/usb/wire/server';
import type { WireSocket } from '../../src/sim/usb/wire/socket';

function toBytes(data: RawData): Uint8Array {
	if (Array.isArray(data)) {
		const all = new Uint8Array(data.reduce((n, part) => n + part.byteLength, 0));
		let offset = 0;
		for (const part of data) {
			all.set(part, offset);
			offset += part.byteLength;
		}
		return all;
	}
	return data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** A `ws` connection as the wire the sim's server side speaks over. */
function wireSocketOf(ws: WebSocket): WireSocket {
	const socket: WireSocket = {
		onmessage: null,
		onclose: null,
		send: (message) => {
			if (ws.readyState === ws.OPEN) ws.send(message, { binary: typeof message !== 'string' });
		},
		close: () => ws.close(),
	};
	ws.on('message', (data, isBinary) => socket.onmessage?.(isBinary ? toBytes(data) : data.toString()));
	ws.on('close', () => socket.onclose?.());
	ws.on('error', () => ws.terminate());
	return socket;
}

/**
 * The test process's end of the fake USB: a WebSocket server on 127.0.0.1 serving the registry (plugged
 * devices, permissions) and each device's internals to every JS realm of the page (page, workers).
 * Binary frames are bulk payloads.
 */
export class SimUsbBridge {
	readonly registry: SimUsbRegistry;
	readonly url: string;
	readonly #server: WebSocketServer;

	private constructor(server: WebSocketServer, registry: SimUsbRegistry) {
		this.#server = server;
		this.registry = registry;
		this.url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
	}

	static async start(registry = new SimUsbRegistry()): Promise<SimUsbBridge> {
		const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
		await new Promise<void>((resolve, reject) => {
			server.once('listening', resolve);
			server.once('error', reject);
		});
		server.on('connection', (ws, request) => {
			const path = new URL(request.url ?? '/', 'ws://127.0.0.1').pathname;
			serveSimUsb(wireSocketOf(ws), path, registry);
		});
		return new SimUsbBridge(server, registry);
	}

	/** Plugs the device in; `granted` as if the page had chosen it before. */
	plug(hardware: SimUsbHardware, options: { granted?: boolean } = {}): SimUsbDeviceRef {
		return this.registry.plug(hardware, options);
	}

	/** Pulls the cable: waiting transfers fail with NetworkError and every realm gets 'disconnect'. */
	unplug(hardware: SimUsbHardware): void {
		this.registry.unplug(hardware);
	}

	async close(): Promise<void> {
		for (const client of this.#server.clients) client.terminate();
		await new Promise<void>((resolve) => this.#server.close(() => resolve()));
	}
}
