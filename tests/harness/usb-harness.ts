import type { BrowserContext, Route } from '@playwright/test';
import type { SimUsbHardware } from '../../src/sim/usb/hardware';
import type { SimUsbDeviceRef, SimUsbRegistry } from '../../src/sim/usb/registry';
import { SimUsbBridge } from './bridge';
import { realmScript } from './bundle';
import { FolderFaults } from './folder-faults';

/** Where SvelteKit puts worker entry scripts and the chunks only workers load (workers/chunks/). */
const WORKER_PATH = /^\/_app\/immutable\/workers\/.+\.js$/;

interface ServedFile {
	readonly body: string;
	readonly contentType: string;
	readonly worker: boolean;
}

export interface ServeOptions {
	contentType?: string;
	/** A worker script (or a module only workers import): it gets the fake USB prepended. */
	worker?: boolean;
}

/**
 * A test's handle on the fake USB: plug virtual devices (their internals live in this process, so
 * faults are set on the `SimUsbHardware` directly), and install the fake into a browser context.
 */
export class UsbHarness {
	readonly #bridge: SimUsbBridge;
	readonly #served = new Map<string, ServedFile>();
	readonly pickedFolder: string;
	/** Makes the picked folder fail as a full drive or a revoked permission does, in every realm. */
	readonly folderFaults: FolderFaults;

	private constructor(bridge: SimUsbBridge, pickedFolder: string) {
		this.#bridge = bridge;
		this.pickedFolder = pickedFolder;
		// Named for this harness: a page of another test's context never hears its faults.
		this.folderFaults = new FolderFaults(`folder-faults:${bridge.url}`);
	}

	static async start(options: { pickedFolder?: string } = {}): Promise<UsbHarness> {
		return new UsbHarness(await SimUsbBridge.start(), options.pickedFolder ?? 'picked');
	}

	/** The registry: plugged devices, permissions and the chooser (`registry.chooser`). */
	get registry(): SimUsbRegistry {
		return this.#bridge.registry;
	}

	/** Plugs the device in; `granted` as if the page had chosen it on an earlier visit. */
	plug(hardware: SimUsbHardware, options: { granted?: boolean } = {}): SimUsbDeviceRef {
		return this.#bridge.plug(hardware, options);
	}

	/** Pulls the cable: waiting transfers fail with NetworkError and every realm gets 'disconnect'. */
	unplug(hardware: SimUsbHardware): void {
		this.#bridge.unplug(hardware);
	}

	/** Serves a test-only file from memory at `path` of the app's origin; nothing of it ships. */
	serve(path: string, body: string, options: ServeOptions = {}): void {
		this.#served.set(path, {
			body,
			contentType: options.contentType ?? (path.endsWith('.html') ? 'text/html' : 'text/javascript'),
			worker: options.worker ?? WORKER_PATH.test(path),
		});
	}

	/**
	 * Puts the fake into every page of `context` (init script) and every worker (route that prepends it
	 * to worker scripts: Playwright does not run init scripts in workers).
	 */
	async installInto(context: BrowserContext): Promise<void> {
		const script = await realmScript({
			url: this.#bridge.url,
			pickedFolder: this.pickedFolder,
			faultChannel: this.folderFaults.channel,
		});
		// Pages and workers fulfilled by a route have no server address, so Chromium counts them as public
		// and blocks their WebSocket to the bridge on loopback unless the origin may reach the local network.
		await context.grantPermissions(['local-network-access']);
		await context.addInitScript({ content: script });
		await context.route(
			(url) => this.#served.has(url.pathname) || WORKER_PATH.test(url.pathname),
			(route) =>
				this.#fulfil(route, script).catch((error: unknown) => {
					// A test that ends, or kills the browser, may do so while a worker chunk is being fetched
					// (the app loads some on first use: the Photos database reader while the library is
					// read): that request has nobody left to answer.
					if (/has been closed|Target closed|has been disposed/.test(String(error))) return;
					throw error;
				}),
		);
	}

	async close(): Promise<void> {
		await this.#bridge.close();
	}

	async #fulfil(route: Route, script: string): Promise<void> {
		const file = this.#served.get(new URL(route.request().url()).pathname);
		if (file) {
			const body = file.worker ? script + file.body : file.body;
			await route.fulfill({ status: 200, contentType: file.contentType, body });
			return;
		}
		const response = await route.fetch();
		if (!response.ok()) {
			await route.fulfill({ response });
			return;
		}
		// The worker's policy comes with its script and refuses the fake's WebSocket to this process, as
		// it should; `bypassCSP` covers pages only, so the worker scripts this route serves go without it.
		const { 'content-security-policy': _policy, ...headers } = response.headers();
		await route.fulfill({ response, headers, body: script + (await response.text()) });
	}
}
