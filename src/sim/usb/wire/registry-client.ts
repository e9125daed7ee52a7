import type { SimUsbLink } from '../link';
import type { SimUsbDeviceRef, SimUsbRegistryEvent, SimUsbRegistryLink, SimUsbRequestOptions } from '../registry';
import { WireCaller } from './caller';
import { WireSimUsbLink } from './device-client';
import { DEVICE_PATH_PREFIX, REGISTRY_PATH } from './protocol';
import type { WireDialer } from './socket';

/**
 * The registry (plugged devices, permissions) at the far end of a wire (`serveSimUsbRegistry`), for one
 * realm's `SimUsb`. Every realm of the page dials the same registry, so a grant made in the page is
 * seen by `getDevices()` in its workers.
 */
export class WireSimUsbRegistryLink implements SimUsbRegistryLink {
	readonly #dial: WireDialer;
	readonly #caller: WireCaller;
	readonly #listeners = new Set<(event: SimUsbRegistryEvent) => void>();
	readonly #links = new Map<string, Set<WireSimUsbLink>>();

	constructor(dial: WireDialer) {
		this.#dial = dial;
		this.#caller = new WireCaller(() => dial(REGISTRY_PATH), {
			onEvent: ({ event }) => this.#onEvent(event),
			closedError: () => new DOMException('The virtual USB bus is out of reach.', 'NetworkError'),
		});
	}

	async getDevices(): Promise<SimUsbDeviceRef[]> {
		return (await this.#caller.call('getDevices', [])).value as SimUsbDeviceRef[];
	}

	async requestDevice(options: SimUsbRequestOptions): Promise<SimUsbDeviceRef> {
		return (await this.#caller.call('requestDevice', [options])).value as SimUsbDeviceRef;
	}

	async forget(id: string): Promise<void> {
		await this.#caller.call('forget', [id]);
	}

	connectDevice(id: string): SimUsbLink {
		const link = new WireSimUsbLink(() => this.#dial(DEVICE_PATH_PREFIX + encodeURIComponent(id)));
		const links = this.#links.get(id) ?? new Set();
		links.add(link);
		this.#links.set(id, links);
		void link.gone.then(() => {
			links.delete(link);
			if (links.size === 0) this.#links.delete(id);
		});
		return link;
	}

	subscribe(listener: (event: SimUsbRegistryEvent) => void): () => void {
		this.#listeners.add(listener);
		void this.#caller.connect().catch(() => undefined);
		return () => void this.#listeners.delete(listener);
	}

	/** Hangs up; for tearing a realm's fake down. */
	close(): void {
		this.#caller.close();
	}

	#onEvent(event: SimUsbRegistryEvent): void {
		if (event.type === 'disconnect') {
			for (const link of this.#links.get(event.ref.id) ?? []) link.markGone();
		}
		for (const listener of [...this.#listeners]) listener(event);
	}
}
