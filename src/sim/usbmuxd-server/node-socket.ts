import type { Socket } from 'node:net';
import type { ByteChannel } from '../../lib/streams/byte-channel';

/**
 * A Node socket as a ByteChannel (Node-only: the usbmuxd front-end and interop tests). Reading pauses
 * the socket when the consumer falls behind, so TCP's own flow control carries the backpressure.
 */
export function socketChannel(socket: Socket): ByteChannel {
	let closed = false;
	const close = async () => {
		if (closed) return;
		closed = true;
		socket.destroy();
	};
	const readable = new ReadableStream<Uint8Array>(
		{
			start(controller) {
				socket.on('data', (data: Buffer) => {
					controller.enqueue(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
					if ((controller.desiredSize ?? 0) <= 0) socket.pause();
				});
				socket.once('end', () => controller.close());
				socket.once('close', () => {
					try {
						controller.close();
					} catch {
						// already closed or errored
					}
				});
				// Every error is handled here: an unhandled socket 'error' would take the process down.
				socket.on('error', (error) => {
					try {
						controller.error(error);
					} catch {
						// the readable already ended
					}
				});
			},
			pull() {
				socket.resume();
			},
			cancel() {
				void close();
			},
		},
		{ highWaterMark: 8 },
	);
	const writable = new WritableStream<Uint8Array>({
		write(chunk) {
			return new Promise((resolve, reject) => {
				socket.write(chunk, (error) => (error ? reject(error) : resolve()));
			});
		},
		close() {
			socket.end();
		},
		abort() {
			void close();
		},
	});
	return { readable, writable, close };
}
