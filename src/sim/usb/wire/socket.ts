/**
 * A message socket, whatever carries it: a WebSocket (the end-to-end harness), a MessagePort (a
 * virtual iPhone in another worker), or memory (tests). Text messages carry requests and replies,
 * binary messages carry bulk payloads; order is kept.
 */
export interface WireSocket {
	send(message: string | Uint8Array): void;
	close(): void;
	onmessage: ((message: string | Uint8Array) => void) | null;
	/** Called once, when either end closed. */
	onclose: (() => void) | null;
}

/** Opens a socket to a path of the far end ('/registry', '/device/<id>'). */
export type WireDialer = (path: string) => Promise<WireSocket>;

/**
 * Two sockets joined in memory. Delivery is asynchronous and binary messages are copied, as across a
 * real wire, so tests over it catch what a WebSocket would show.
 */
export function createWireSocketPair(): [WireSocket, WireSocket] {
	let closed = false;
	const make = (): WireSocket & { peer?: WireSocket } => ({
		onmessage: null,
		onclose: null,
		send(message) {
			if (closed) return;
			const copy = typeof message === 'string' ? message : message.slice();
			queueMicrotask(() => {
				if (!closed) this.peer?.onmessage?.(copy);
			});
		},
		close() {
			if (closed) return;
			closed = true;
			queueMicrotask(() => {
				a.onclose?.();
				b.onclose?.();
			});
		},
	});
	const a = make();
	const b = make();
	a.peer = b;
	b.peer = a;
	return [a, b];
}

/**
 * A `MessagePort` as a socket (one end of a `MessageChannel` sent to another worker). Binary messages
 * are transferred, not copied: the sender gives them up.
 */
export function messagePortWireSocket(port: MessagePort): WireSocket {
	let closed = false;
	const socket: WireSocket = {
		onmessage: null,
		onclose: null,
		send(message) {
			if (closed) return;
			if (typeof message === 'string') {
				port.postMessage(message);
				return;
			}
			const own =
				message.byteOffset === 0 && message.byteLength === message.buffer.byteLength ? message : message.slice();
			port.postMessage(own, [own.buffer as ArrayBuffer]);
		},
		close() {
			if (closed) return;
			closed = true;
			port.postMessage({ close: true });
			port.close();
			socket.onclose?.();
		},
	};
	port.onmessage = (event: MessageEvent) => {
		const data: unknown = event.data;
		if (typeof data === 'string' || data instanceof Uint8Array) socket.onmessage?.(data);
		else if (!closed) {
			closed = true;
			port.close();
			socket.onclose?.();
		}
	};
	return socket;
}
