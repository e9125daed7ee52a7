/**
 * A two-way byte stream: a usbmux connection to a device port, a TLS session over one, a socket.
 * Reading and writing have backpressure (Web Streams); `close()` tears down both directions at once,
 * which for usbmux means a RST: the protocol has no half-close.
 */
export interface ByteChannel {
	readonly readable: ReadableStream<Uint8Array>;
	readonly writable: WritableStream<Uint8Array>;
	/** Ends the channel in both directions. Safe to call more than once. */
	close(): Promise<void>;
}

/**
 * Two channels joined back to back in memory: what one writes, the other reads. Closing either end
 * ends both directions, as a RST would. For tests, and for joining a simulated service to a client in
 * one process.
 */
export function createChannelPair(highWaterMark = 4): [ByteChannel, ByteChannel] {
	const controllers: TransformStreamDefaultController<Uint8Array>[] = [];
	const pipe = () =>
		new TransformStream<Uint8Array, Uint8Array>(
			{ start: (controller) => void controllers.push(controller) },
			{ highWaterMark },
			{ highWaterMark },
		);
	const aToB = pipe();
	const bToA = pipe();
	let closed = false;
	const close = async () => {
		if (closed) return;
		closed = true;
		for (const controller of controllers) controller.terminate();
	};
	return [
		{ readable: bToA.readable, writable: aToB.writable, close },
		{ readable: aToB.readable, writable: bToA.writable, close },
	];
}
