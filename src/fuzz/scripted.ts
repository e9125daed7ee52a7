import type { ByteChannel } from '../lib/streams/byte-channel';
import type { UsbTransport } from '../lib/usb/transport';

/*
 * The device's side of a fuzz case: its bytes handed to the host in the given pieces, one piece per read,
 * each after the host's pending work has run (a macrotask), so a host that answers packet by packet sees
 * them one at a time, as from a phone. After the last piece the stream ends, so nothing waits forever on
 * bytes that will never come. What the host writes is counted and dropped.
 */

const nextTask: (callback: () => void) => void =
	typeof globalThis.setImmediate === 'function' ? (callback) => void setImmediate(callback) : (callback) => void setTimeout(callback, 0);

export const afterPendingWork = (): Promise<void> => new Promise((resolve) => nextTask(resolve));

function scriptedReadable(pieces: readonly Uint8Array[]): ReadableStream<Uint8Array> {
	let next = 0;
	return new ReadableStream<Uint8Array>(
		{
			async pull(controller) {
				await afterPendingWork();
				const piece = pieces[next++];
				if (piece === undefined) controller.close();
				else controller.enqueue(piece);
			},
		},
		{ highWaterMark: 0 },
	);
}

export interface Scripted {
	/** Bytes the host wrote. */
	readonly written: () => number;
}

export function scriptedChannel(pieces: readonly Uint8Array[]): ByteChannel & Scripted {
	let written = 0;
	return {
		readable: scriptedReadable(pieces),
		writable: new WritableStream<Uint8Array>({ write: (chunk) => void (written += chunk.byteLength) }),
		close: async () => undefined,
		written: () => written,
	};
}

export function scriptedTransport(pieces: readonly Uint8Array[]): UsbTransport & Scripted {
	let written = 0;
	return {
		readable: scriptedReadable(pieces),
		writable: new WritableStream<Uint8Array>({ write: (chunk) => void (written += chunk.byteLength) }),
		packetSize: 512,
		serialNumber: '00008030-001A2D3E0C38802E',
		closed: new Promise(() => undefined),
		close: async () => undefined,
		written: () => written,
	};
}
