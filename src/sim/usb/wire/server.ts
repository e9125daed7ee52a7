import type { SimUsbLink } from '../link';
import type { SimUsbRegistry } from '../registry';
import { DEVICE_PATH_PREFIX, errorForWire, REGISTRY_PATH, type WireEvent, type WireReply, type WireRequest } from './protocol';
import type { WireSocket } from './socket';

type Handler = (args: readonly unknown[], data: Uint8Array | undefined) => Promise<unknown>;

const num = (value: unknown): number => (typeof value === 'number' ? value : Number.NaN);

/**
 * Answers one socket's requests with `handlers`. Replies whose value holds `data` (IN results) send
 * the bytes as a binary message after the JSON.
 */
function serve(socket: WireSocket, handlers: Record<string, Handler>, onClose: () => void): Set<Promise<void>> {
	const inFlight = new Set<Promise<void>>();
	let awaitingData: WireRequest | undefined;
	let closed = false;
	const send = (reply: WireReply, data?: Uint8Array) => {
		if (closed) return;
		socket.send(JSON.stringify(reply));
		if (data) socket.send(data);
	};
	const run = (request: WireRequest, data: Uint8Array | undefined) => {
		const handler = Object.hasOwn(handlers, request.op) ? handlers[request.op] : undefined;
		const task = (async () => {
			try {
				if (!handler) throw new DOMException(`No such operation: ${request.op}`, 'NotSupportedError');
				const value = await handler(request.args, data);
				const bytes = (value as { data?: unknown } | undefined)?.data;
				if (bytes instanceof Uint8Array) {
					send({ id: request.id, ok: true, value: { ...(value as object), data: undefined }, binary: true }, bytes);
				} else {
					send({ id: request.id, ok: true, value });
				}
			} catch (error) {
				send({ id: request.id, ok: false, error: errorForWire(error) });
			}
		})();
		inFlight.add(task);
		void task.finally(() => inFlight.delete(task));
	};
	socket.onmessage = (message) => {
		if (typeof message !== 'string') {
			const request = awaitingData;
			awaitingData = undefined;
			if (request) run(request, message);
			return;
		}
		const request = JSON.parse(message) as WireRequest;
		if (request.binary) awaitingData = request;
		else run(request, undefined);
	};
	socket.onclose = () => {
		closed = true;
		onClose();
	};
	return inFlight;
}

/** Serves one realm's handle on a device (`WireSimUsbLink` at the other end). */
export function serveSimUsbDevice(socket: WireSocket, link: SimUsbLink): void {
	const setup = (value: unknown) => value as Parameters<SimUsbLink['controlTransferIn']>[0];
	const inFlight = serve(
		socket,
		{
			open: () => link.open(),
			close: () => link.close(),
			selectConfiguration: ([value]) => link.selectConfiguration(num(value)),
			claimInterface: ([n]) => link.claimInterface(num(n)),
			releaseInterface: ([n]) => link.releaseInterface(num(n)),
			selectAlternateInterface: ([n, alternate]) => link.selectAlternateInterface(num(n), num(alternate)),
			reset: () => link.reset(),
			clearHalt: ([direction, ep]) => link.clearHalt(direction === 'in' ? 'in' : 'out', num(ep)),
			controlTransferIn: ([s, length]) => link.controlTransferIn(setup(s), num(length)),
			controlTransferOut: ([s], data) => link.controlTransferOut(setup(s), data ?? new Uint8Array(0)),
			transferIn: ([ep, length]) => link.transferIn(num(ep), num(length)),
			transferOut: ([ep], data) => link.transferOut(num(ep), data ?? new Uint8Array(0)),
		},
		// The realm went away (page closed, worker ended): its claims go with it, as a closed tab's do.
		() => void link.close().catch(() => undefined),
	);
	void link.gone.then(async () => {
		// Let the failures of waiting transfers reach the realm before the socket closes.
		while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
		socket.close();
	});
}

/** Serves one realm's view of the registry (`WireSimUsbRegistryLink` at the other end). */
export function serveSimUsbRegistry(socket: WireSocket, registry: SimUsbRegistry): void {
	const unsubscribe = registry.subscribe((event) => {
		const message: WireEvent = { event };
		socket.send(JSON.stringify(message));
	});
	serve(
		socket,
		{
			getDevices: () => registry.getDevices(),
			requestDevice: ([options]) =>
				registry.requestDevice((options ?? { filters: [] }) as Parameters<SimUsbRegistry['requestDevice']>[0]),
			forget: ([id]) => registry.forget(String(id)),
		},
		unsubscribe,
	);
}

/** Serves a socket dialled to `path` ('/registry' or '/device/<id>'); closes it for any other path. */
export function serveSimUsb(socket: WireSocket, path: string, registry: SimUsbRegistry): void {
	if (path === REGISTRY_PATH) serveSimUsbRegistry(socket, registry);
	else if (path.startsWith(DEVICE_PATH_PREFIX)) {
		serveSimUsbDevice(socket, registry.connectDevice(decodeURIComponent(path.slice(DEVICE_PATH_PREFIX.length))));
	} else socket.close();
}
