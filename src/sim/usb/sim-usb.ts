import { SimUsbDevice } from './device';
import type { SimUsbHardware } from './hardware';
import { chromiumError } from './link';
import {
	SimUsbRegistry,
	type SimUsbDeviceRef,
	type SimUsbRegistryEvent,
	type SimUsbRegistryLink,
} from './registry';

/**
 * A `USB` object (what `navigator.usb` is) for one JS realm, over a registry of plugged devices and
 * permissions. Each plugged device appears as one `SimUsbDevice` per realm, the same object from
 * `getDevices()`, `requestDevice()` and the 'connect'/'disconnect' events, as in Chromium.
 *
 * Built with no argument it owns an in-process `SimUsbRegistry` and `plug`/`unplug` work on it;
 * built over a remote registry (the end-to-end harness) devices are plugged where the registry lives.
 */
export class SimUsb extends EventTarget implements USB {
	onconnect: ((this: USB, ev: USBConnectionEvent) => unknown) | null = null;
	ondisconnect: ((this: USB, ev: USBConnectionEvent) => unknown) | null = null;

	readonly #link: SimUsbRegistryLink;
	readonly #devices = new Map<string, SimUsbDevice>();

	constructor(registry: SimUsbRegistryLink = new SimUsbRegistry()) {
		super();
		this.#link = registry;
		this.addEventListener('connect', (event) => this.onconnect?.call(this, event as USBConnectionEvent));
		this.addEventListener('disconnect', (event) => this.ondisconnect?.call(this, event as USBConnectionEvent));
		registry.subscribe((event) => this.#onRegistryEvent(event));
	}

	override addEventListener(
		type: 'connect' | 'disconnect',
		listener: (this: this, ev: USBConnectionEvent) => unknown,
		options?: boolean | AddEventListenerOptions,
	): void;
	override addEventListener(
		type: string,
		listener: EventListenerOrEventListenerObject | null,
		options?: boolean | AddEventListenerOptions,
	): void;
	override addEventListener(type: string, listener: unknown, options?: boolean | AddEventListenerOptions): void {
		super.addEventListener(type, listener as EventListenerOrEventListenerObject | null, options);
	}

	override removeEventListener(
		type: 'connect' | 'disconnect',
		listener: (this: this, ev: USBConnectionEvent) => unknown,
		options?: boolean | EventListenerOptions,
	): void;
	override removeEventListener(
		type: string,
		listener: EventListenerOrEventListenerObject | null,
		options?: boolean | EventListenerOptions,
	): void;
	override removeEventListener(type: string, listener: unknown, options?: boolean | EventListenerOptions): void {
		super.removeEventListener(type, listener as EventListenerOrEventListenerObject | null, options);
	}

	/** The in-process registry, when this object owns one. */
	get registry(): SimUsbRegistry | undefined {
		return this.#link instanceof SimUsbRegistry ? this.#link : undefined;
	}

	/** Plugs `hardware` into the in-process registry and returns this realm's `USBDevice` for it. */
	plug(hardware: SimUsbHardware, options: { granted?: boolean } = {}): SimUsbDevice {
		return this.#deviceFor(this.#localRegistry().plug(hardware, options));
	}

	unplug(hardware: SimUsbHardware): void {
		this.#localRegistry().unplug(hardware);
	}

	async getDevices(): Promise<USBDevice[]> {
		const refs = await this.#link.getDevices();
		return refs.map((ref) => this.#deviceFor(ref));
	}

	async requestDevice(options: USBDeviceRequestOptions = { filters: [] }): Promise<USBDevice> {
		// Chromium refuses to show its chooser without a user gesture; Node has no notion of one.
		const activation = (globalThis as { navigator?: { userActivation?: { isActive: boolean } } }).navigator
			?.userActivation;
		if (activation && !activation.isActive) throw chromiumError('gestureRequired');
		const ref = await this.#link.requestDevice({
			filters: options.filters,
			...(options.exclusionFilters ? { exclusionFilters: options.exclusionFilters } : {}),
		});
		return this.#deviceFor(ref);
	}

	#localRegistry(): SimUsbRegistry {
		const registry = this.registry;
		if (!registry) throw new Error('Devices are plugged where the registry lives (the test process).');
		return registry;
	}

	#deviceFor(ref: SimUsbDeviceRef): SimUsbDevice {
		let device = this.#devices.get(ref.id);
		if (!device) {
			device = new SimUsbDevice(ref.info, this.#link.connectDevice(ref.id), {
				forget: () => this.#link.forget(ref.id),
			});
			this.#devices.set(ref.id, device);
		}
		return device;
	}

	#onRegistryEvent(event: SimUsbRegistryEvent): void {
		const device = this.#deviceFor(event.ref);
		if (event.type === 'disconnect') this.#devices.delete(event.ref.id);
		this.dispatchEvent(Object.assign(new Event(event.type), { device }));
	}
}
