import type { SimUsbDeviceInfo } from './descriptors';
import type { SimUsbHardware } from './hardware';
import { chromiumError, goneLink, type SimUsbLink } from './link';

/** A plugged device as a realm learns of it: an id for this plug-in, and its descriptors. */
export interface SimUsbDeviceRef {
	readonly id: string;
	readonly info: SimUsbDeviceInfo;
}

export type SimUsbRegistryEvent =
	| { readonly type: 'connect'; readonly ref: SimUsbDeviceRef }
	| { readonly type: 'disconnect'; readonly ref: SimUsbDeviceRef };

/** The filter fields WebUSB defines (`USBDeviceFilter`). */
export interface SimUsbFilter {
	vendorId?: number;
	productId?: number;
	classCode?: number;
	subclassCode?: number;
	protocolCode?: number;
	serialNumber?: string;
}

export interface SimUsbRequestOptions {
	filters: SimUsbFilter[];
	exclusionFilters?: SimUsbFilter[];
}

/**
 * What a `SimUsb` (the `USB`-shaped object of one realm) needs from wherever the plugged devices and
 * the permissions live: the same process, or the test process across a wire. Permission is per origin,
 * so every realm of a page sees the same grants.
 */
export interface SimUsbRegistryLink {
	/** Plugged devices this origin may use. */
	getDevices(): Promise<SimUsbDeviceRef[]>;
	/** The chooser: grants and returns a matching device; NotFoundError when none is chosen. */
	requestDevice(options: SimUsbRequestOptions): Promise<SimUsbDeviceRef>;
	forget(id: string): Promise<void>;
	/** A new handle on a plugged device. */
	connectDevice(id: string): SimUsbLink;
	/** Connect/disconnect of devices this origin may use. Returns the unsubscribe function. */
	subscribe(listener: (event: SimUsbRegistryEvent) => void): () => void;
}

/** WebUSB's "match a device filter": the device descriptor, or any interface of any configuration. */
export function matchesFilter(info: SimUsbDeviceInfo, filter: SimUsbFilter): boolean {
	if (filter.vendorId !== undefined && info.vendorId !== filter.vendorId) return false;
	if (filter.productId !== undefined && info.productId !== filter.productId) return false;
	if (filter.serialNumber !== undefined && info.serialNumber !== filter.serialNumber) return false;
	if (filter.classCode === undefined) return true;
	const matchesClass = (cls: number, subclass: number, protocol: number) =>
		cls === filter.classCode &&
		(filter.subclassCode === undefined || subclass === filter.subclassCode) &&
		(filter.protocolCode === undefined || protocol === filter.protocolCode);
	if (matchesClass(info.deviceClass, info.deviceSubclass, info.deviceProtocol)) return true;
	return info.configurations.some((configuration) =>
		configuration.interfaces.some((iface) =>
			iface.alternates.some((a) => matchesClass(a.interfaceClass, a.interfaceSubclass, a.interfaceProtocol)),
		),
	);
}

interface Plugged {
	readonly id: string;
	readonly hardware: SimUsbHardware;
}

/**
 * The machine's USB bus and the browser's permission store, for one origin: which devices are
 * plugged, which the page was granted (kept by vendor, product and serial number, as Chromium keeps
 * them, so a replugged phone stays granted), and what the chooser picks.
 */
export class SimUsbRegistry implements SimUsbRegistryLink {
	/**
	 * What the person picks in the chooser among the matching devices; `undefined` cancels. Default:
	 * the first one.
	 */
	chooser: (candidates: SimUsbDeviceRef[]) => SimUsbDeviceRef | undefined = (candidates) => candidates[0];

	readonly #plugged: Plugged[] = [];
	readonly #grants = new Set<string>();
	readonly #listeners = new Set<(event: SimUsbRegistryEvent) => void>();
	#nextId = 1;

	/** Plugs `hardware` in; `granted` as if the page had been given it before. */
	plug(hardware: SimUsbHardware, options: { granted?: boolean } = {}): SimUsbDeviceRef {
		if (!hardware.plugged) throw new Error('This hardware was unplugged; plug a new SimUsbHardware instead.');
		const existing = this.#plugged.find((p) => p.hardware === hardware);
		if (existing) return this.#ref(existing);
		const plugged: Plugged = { id: `usb-${this.#nextId++}`, hardware };
		this.#plugged.push(plugged);
		if (options.granted) this.#grants.add(this.#grantKey(hardware.info));
		void hardware.unplugged.then(() => this.#removed(plugged));
		if (this.#granted(plugged)) this.#emit({ type: 'connect', ref: this.#ref(plugged) });
		return this.#ref(plugged);
	}

	unplug(hardware: SimUsbHardware): void {
		hardware.unplug();
	}

	grant(hardware: SimUsbHardware): void {
		this.#grants.add(this.#grantKey(hardware.info));
	}

	/** The id this registry gave `hardware` while it is plugged. */
	idOf(hardware: SimUsbHardware): string | undefined {
		return this.#plugged.find((p) => p.hardware === hardware)?.id;
	}

	async getDevices(): Promise<SimUsbDeviceRef[]> {
		return this.#plugged.filter((p) => this.#granted(p)).map((p) => this.#ref(p));
	}

	async requestDevice(options: SimUsbRequestOptions): Promise<SimUsbDeviceRef> {
		const filters = options.filters ?? [];
		const exclusions = options.exclusionFilters ?? [];
		const candidates = this.#plugged
			.filter(({ hardware }) => filters.length === 0 || filters.some((f) => matchesFilter(hardware.info, f)))
			.filter(({ hardware }) => !exclusions.some((f) => matchesFilter(hardware.info, f)))
			.map((p) => this.#ref(p));
		const chosen = candidates.length > 0 ? this.chooser(candidates) : undefined;
		const plugged = chosen && this.#plugged.find((p) => p.id === chosen.id);
		if (!plugged) throw chromiumError('noDeviceSelected');
		this.#grants.add(this.#grantKey(plugged.hardware.info));
		return this.#ref(plugged);
	}

	async forget(id: string): Promise<void> {
		const plugged = this.#plugged.find((p) => p.id === id);
		if (plugged) this.#grants.delete(this.#grantKey(plugged.hardware.info));
	}

	connectDevice(id: string): SimUsbLink {
		const plugged = this.#plugged.find((p) => p.id === id);
		return plugged ? plugged.hardware.connect() : goneLink();
	}

	subscribe(listener: (event: SimUsbRegistryEvent) => void): () => void {
		this.#listeners.add(listener);
		return () => void this.#listeners.delete(listener);
	}

	#removed(plugged: Plugged): void {
		const index = this.#plugged.indexOf(plugged);
		if (index < 0) return;
		this.#plugged.splice(index, 1);
		if (this.#granted(plugged)) this.#emit({ type: 'disconnect', ref: this.#ref(plugged) });
	}

	#emit(event: SimUsbRegistryEvent): void {
		for (const listener of [...this.#listeners]) listener(event);
	}

	#ref({ id, hardware }: Plugged): SimUsbDeviceRef {
		return { id, info: { ...hardware.info, activeConfiguration: hardware.activeConfiguration } };
	}

	#granted({ hardware }: Plugged): boolean {
		return this.#grants.has(this.#grantKey(hardware.info));
	}

	#grantKey(info: SimUsbDeviceInfo): string {
		return `${info.vendorId}:${info.productId}:${info.serialNumber ?? ''}`;
	}
}
