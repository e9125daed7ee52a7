/**
 * Runs in the browser, in the page (init script) and in every worker (prepended to its script): puts
 * the fake `navigator.usb` in place, built from the same `SimUsb` / `SimUsbDevice` code the unit tests
 * use, talking over WebSockets to the registry and device internals in the test process. In the page
 * it also makes `showDirectoryPicker()` hand out an OPFS folder (the real picker cannot be driven
 * headless), and in every realm it puts the folder fault hook in place (./folder-faults.ts).
 */
import { SimUsb } from '../../../src/sim/usb/sim-usb';
import { WireSimUsbRegistryLink } from '../../../src/sim/usb/wire/registry-client';
import type { WireDialer, WireSocket } from '../../../src/sim/usb/wire/socket';
import { installFolderFaults } from './folder-faults';

export interface RealmConfig {
	/** ws://127.0.0.1:<port> of the test process's bridge. */
	readonly url: string;
	/** The OPFS folder `showDirectoryPicker()` returns. */
	readonly pickedFolder: string;
	/** The BroadcastChannel on which the test sets folder faults (./folder-faults.ts). */
	readonly faultChannel: string;
}

const INSTALLED = Symbol.for('iphone-photo-backup.sim-usb-harness');

function webSocketDialer(base: string): WireDialer {
	return (path) =>
		new Promise<WireSocket>((resolve, reject) => {
			const ws = new WebSocket(base + path);
			ws.binaryType = 'arraybuffer';
			const socket: WireSocket = {
				onmessage: null,
				onclose: null,
				send: (message) => {
					if (ws.readyState === WebSocket.OPEN) ws.send(message as string | Uint8Array<ArrayBuffer>);
				},
				close: () => ws.close(),
			};
			ws.onopen = () => resolve(socket);
			ws.onerror = () => reject(new Error(`The fake USB bridge at ${base} could not be reached.`));
			ws.onmessage = (event: MessageEvent<string | ArrayBuffer>) =>
				socket.onmessage?.(typeof event.data === 'string' ? event.data : new Uint8Array(event.data));
			ws.onclose = () => socket.onclose?.();
		});
}

function installPicker(folder: string): void {
	const showDirectoryPicker = async () => {
		if (navigator.userActivation && !navigator.userActivation.isActive) {
			throw new DOMException('Must be handling a user gesture to show a file picker.', 'SecurityError');
		}
		const root = await navigator.storage.getDirectory();
		return root.getDirectoryHandle(folder, { create: true });
	};
	Object.defineProperty(window, 'showDirectoryPicker', { configurable: true, writable: true, value: showDirectoryPicker });
}

export function install(config: RealmConfig): void {
	const scope = globalThis as typeof globalThis & { [INSTALLED]?: true; WorkerGlobalScope?: unknown };
	// Every script of a worker gets this prepended; the first to run installs.
	if (scope[INSTALLED]) return;
	scope[INSTALLED] = true;
	installFolderFaults(config.faultChannel);
	const usb = new SimUsb(new WireSimUsbRegistryLink(webSocketDialer(config.url)));
	const inWorker = typeof scope.WorkerGlobalScope === 'function';
	const navigatorClass = (inWorker ? scope['WorkerNavigator' as keyof typeof scope] : scope.Navigator) as {
		prototype: object;
	};
	Object.defineProperty(navigatorClass.prototype, 'usb', { configurable: true, enumerable: true, get: () => usb });
	if (inWorker) {
		// Chromium exposes requestDevice only to windows.
		Object.defineProperty(usb, 'requestDevice', { configurable: true, value: undefined });
	} else {
		installPicker(config.pickedFolder);
	}
}
