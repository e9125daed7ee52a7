/**
 * The harness self-test's worker (bundled into a module the test serves under /_app/immutable/workers/):
 * what an app's device worker does with `navigator.usb`, through the product's USB layer.
 */
import { isDeviceError } from '../../../src/lib/errors';
import { openIPhone } from '../../../src/lib/usb/open-iphone';
import type { UsbTransport } from '../../../src/lib/usb/transport';

export type WorkerCommand =
	| { op: 'list' }
	| { op: 'request-device-type' }
	| { op: 'watch-disconnect' }
	| { op: 'disconnected' }
	| { op: 'open' }
	| { op: 'echo'; bytes: number; chunk: number }
	| { op: 'read-until-error' };

let transport: UsbTransport | undefined;
let disconnected: Promise<string | null> | undefined;

const pattern = (i: number) => (i * 13 + (i >>> 9)) & 0xff;

export async function handle(command: WorkerCommand): Promise<unknown> {
	switch (command.op) {
		case 'list':
			return (await navigator.usb.getDevices()).map((d) => ({ productName: d.productName, serialNumber: d.serialNumber }));
		case 'request-device-type':
			return typeof navigator.usb.requestDevice;
		case 'watch-disconnect':
			disconnected = new Promise((resolve) =>
				navigator.usb.addEventListener('disconnect', (event) => resolve(event.device.serialNumber), { once: true }),
			);
			return true;
		case 'disconnected':
			return disconnected;
		case 'open':
			transport = await openIPhone(navigator.usb, { os: 'linux' });
			return { serialNumber: transport.serialNumber, packetSize: transport.packetSize };
		case 'echo':
			return echo(transport!, command.bytes, command.chunk);
		case 'read-until-error': {
			const reader = transport!.readable.getReader();
			let error: unknown;
			try {
				while (!(await reader.read()).done);
			} catch (e) {
				error = e;
			}
			await transport!.closed;
			return {
				code: isDeviceError(error) ? error.code : String(error),
				advice: isDeviceError(error) ? error.advice : undefined,
				disconnectEvent: await disconnected,
			};
		}
	}
}

async function echo(transport: UsbTransport, bytes: number, chunk: number) {
	const writer = transport.writable.getWriter();
	const reader = transport.readable.getReader();
	const writing = (async () => {
		for (let offset = 0; offset < bytes; offset += chunk) {
			const piece = new Uint8Array(Math.min(chunk, bytes - offset));
			for (let i = 0; i < piece.length; i++) piece[i] = pattern(offset + i);
			await writer.write(piece);
		}
	})();
	let received = 0;
	let mismatchAt = -1;
	let pieces = 0;
	while (received < bytes) {
		const { value, done } = await reader.read();
		if (done) break;
		pieces += 1;
		for (let i = 0; i < value.length && mismatchAt < 0; i++) {
			if (value[i] !== pattern(received + i)) mismatchAt = received + i;
		}
		received += value.length;
	}
	await writing;
	writer.releaseLock();
	reader.releaseLock();
	return { received, mismatchAt, pieces };
}
