import type { SimUsbDeviceInfo } from './descriptors';
import {
	chromiumError,
	MAX_TRANSFER_LENGTH,
	type SimControlSetup,
	type SimTransferStatus,
	type SimUsbLink,
} from './link';

/** A USBInTransferResult of this realm: the native class where there is one (browsers), else its shape. */
function inTransferResult(status: SimTransferStatus, data: Uint8Array): USBInTransferResult {
	const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
	const Native = (globalThis as { USBInTransferResult?: typeof USBInTransferResult }).USBInTransferResult;
	return typeof Native === 'function' ? new Native(status, view) : { status, data: view };
}

function outTransferResult(status: SimTransferStatus, bytesWritten: number): USBOutTransferResult {
	const Native = (globalThis as { USBOutTransferResult?: typeof USBOutTransferResult }).USBOutTransferResult;
	return typeof Native === 'function' ? new Native(status, bytesWritten) : { status, bytesWritten };
}

/** The bytes of a BufferSource, copied: Chromium copies OUT data when the call is made. */
function copyOf(data: BufferSource | undefined): Uint8Array {
	if (data === undefined) return new Uint8Array(0);
	const view = ArrayBuffer.isView(data)
		? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
		: new Uint8Array(data);
	return view.slice();
}

export interface SimUsbDeviceOptions {
	/** What `forget()` does; the `SimUsb` that made the device revokes its permission. */
	forget?: () => Promise<void>;
}

/**
 * A `USBDevice` as a page sees it, over a link to the device's internals. It keeps what Blink keeps per
 * device object (opened, selected configuration, claimed interfaces, alternates, which endpoints may be
 * used) and refuses misuse with the DOMExceptions Chromium uses; what the device itself decides (access,
 * claims, data) comes through the link. A plain class: `instanceof USBDevice` is false, as it must be for
 * any fake (the real constructor is not callable).
 */
export class SimUsbDevice implements USBDevice {
	readonly usbVersionMajor: number;
	readonly usbVersionMinor: number;
	readonly usbVersionSubminor: number;
	readonly deviceClass: number;
	readonly deviceSubclass: number;
	readonly deviceProtocol: number;
	readonly vendorId: number;
	readonly productId: number;
	readonly deviceVersionMajor: number;
	readonly deviceVersionMinor: number;
	readonly deviceVersionSubminor: number;
	readonly manufacturerName: string | null;
	readonly productName: string | null;
	readonly serialNumber: string | null;
	readonly configurations: USBConfiguration[];

	readonly #info: SimUsbDeviceInfo;
	readonly #link: SimUsbLink;
	readonly #forget: (() => Promise<void>) | undefined;
	#gone = false;
	#opened = false;
	#deviceChanging = false;
	#configurationIndex = -1;
	#claimed: boolean[] = [];
	#interfaceChanging: boolean[] = [];
	#alternateIndex: number[] = [];
	readonly #inEndpoints = new Set<number>();
	readonly #outEndpoints = new Set<number>();

	constructor(info: SimUsbDeviceInfo, link: SimUsbLink, options: SimUsbDeviceOptions = {}) {
		this.#info = info;
		this.#link = link;
		this.#forget = options.forget;
		this.usbVersionMajor = info.usbVersionMajor;
		this.usbVersionMinor = info.usbVersionMinor;
		this.usbVersionSubminor = info.usbVersionSubminor;
		this.deviceClass = info.deviceClass;
		this.deviceSubclass = info.deviceSubclass;
		this.deviceProtocol = info.deviceProtocol;
		this.vendorId = info.vendorId;
		this.productId = info.productId;
		this.deviceVersionMajor = info.deviceVersionMajor;
		this.deviceVersionMinor = info.deviceVersionMinor;
		this.deviceVersionSubminor = info.deviceVersionSubminor;
		this.manufacturerName = info.manufacturerName;
		this.productName = info.productName;
		this.serialNumber = info.serialNumber;
		this.configurations = info.configurations.map((configuration, c) => ({
			configurationValue: configuration.configurationValue,
			configurationName: configuration.configurationName,
			interfaces: configuration.interfaces.map((iface, i) => {
				const alternates = iface.alternates.map((alternate) => ({
					...alternate,
					endpoints: alternate.endpoints.map((endpoint) => ({ ...endpoint })),
				}));
				const device = this;
				return {
					interfaceNumber: iface.interfaceNumber,
					alternates,
					get alternate() {
						return alternates[device.#selectedAlternate(c, i)]!;
					},
					get claimed() {
						return device.#configurationIndex === c && device.#claimed[i] === true;
					},
				};
			}),
		}));
		this.#configure(info.activeConfiguration);
		void link.gone.then(() => {
			this.#gone = true;
			this.#opened = false;
		});
	}

	get opened(): boolean {
		return this.#opened;
	}

	get configuration(): USBConfiguration | null {
		return this.configurations[this.#configurationIndex] ?? null;
	}

	async open(): Promise<void> {
		this.#ensureNoChange();
		if (this.#opened) return;
		this.#deviceChanging = true;
		try {
			const { activeConfiguration } = await this.#link.open();
			this.#opened = true;
			if (this.configuration?.configurationValue !== activeConfiguration) this.#configure(activeConfiguration);
		} finally {
			this.#deviceChanging = false;
		}
	}

	async close(): Promise<void> {
		this.#ensureNoChange();
		if (!this.#opened) return;
		this.#deviceChanging = true;
		try {
			await this.#link.close();
			this.#opened = false;
			this.#claimed.fill(false);
			this.#alternateIndex.fill(0);
			this.#inEndpoints.clear();
			this.#outEndpoints.clear();
		} finally {
			this.#deviceChanging = false;
		}
	}

	async forget(): Promise<void> {
		await this.#forget?.();
	}

	async selectConfiguration(configurationValue: number): Promise<void> {
		this.#ensureNoChange();
		if (!this.#opened) throw chromiumError('openRequired');
		const index = this.#info.configurations.findIndex((c) => c.configurationValue === configurationValue);
		if (index < 0) throw chromiumError('noSuchConfiguration');
		if (index === this.#configurationIndex) return;
		this.#deviceChanging = true;
		try {
			await this.#link.selectConfiguration(configurationValue);
			this.#configure(configurationValue);
		} finally {
			this.#deviceChanging = false;
		}
	}

	async claimInterface(interfaceNumber: number): Promise<void> {
		this.#ensureConfigured();
		const i = this.#interfaceIndex(interfaceNumber);
		if (this.#interfaceChanging[i]) throw chromiumError('interfaceChanging');
		if (this.#claimed[i]) return;
		this.#interfaceChanging[i] = true;
		try {
			await this.#link.claimInterface(interfaceNumber);
			this.#claimed[i] = true;
			this.#setEndpoints(i, true);
		} finally {
			this.#interfaceChanging[i] = false;
		}
	}

	async releaseInterface(interfaceNumber: number): Promise<void> {
		this.#ensureConfigured();
		const i = this.#interfaceIndex(interfaceNumber);
		if (this.#interfaceChanging[i]) throw chromiumError('interfaceChanging');
		if (!this.#claimed[i]) return;
		this.#setEndpoints(i, false);
		this.#interfaceChanging[i] = true;
		try {
			await this.#link.releaseInterface(interfaceNumber);
			this.#claimed[i] = false;
			this.#alternateIndex[i] = 0;
		} catch (error) {
			this.#setEndpoints(i, true);
			throw error;
		} finally {
			this.#interfaceChanging[i] = false;
		}
	}

	async selectAlternateInterface(interfaceNumber: number, alternateSetting: number): Promise<void> {
		const i = this.#ensureClaimed(interfaceNumber);
		const alternates = this.#info.configurations[this.#configurationIndex]!.interfaces[i]!.alternates;
		const a = alternates.findIndex((alternate) => alternate.alternateSetting === alternateSetting);
		if (a < 0) throw chromiumError('noSuchAlternate');
		this.#setEndpoints(i, false);
		this.#interfaceChanging[i] = true;
		try {
			await this.#link.selectAlternateInterface(interfaceNumber, alternateSetting);
			this.#alternateIndex[i] = a;
			this.#setEndpoints(i, true);
		} finally {
			this.#interfaceChanging[i] = false;
		}
	}

	async controlTransferIn(setup: USBControlTransferParameters, length: number): Promise<USBInTransferResult> {
		this.#ensureControl(setup);
		const result = await this.#link.controlTransferIn(this.#setup(setup), length);
		return inTransferResult(result.status, result.data);
	}

	async controlTransferOut(setup: USBControlTransferParameters, data?: BufferSource): Promise<USBOutTransferResult> {
		this.#ensureControl(setup);
		const result = await this.#link.controlTransferOut(this.#setup(setup), copyOf(data));
		return outTransferResult(result.status, result.bytesWritten);
	}

	async clearHalt(direction: USBDirection, endpointNumber: number): Promise<void> {
		this.#ensureEndpoint(direction, endpointNumber);
		await this.#link.clearHalt(direction, endpointNumber);
	}

	async transferIn(endpointNumber: number, length: number): Promise<USBInTransferResult> {
		if (length > MAX_TRANSFER_LENGTH) throw chromiumError('tooLong');
		this.#ensureEndpoint('in', endpointNumber);
		const result = await this.#link.transferIn(endpointNumber, length);
		return inTransferResult(result.status, result.data);
	}

	async transferOut(endpointNumber: number, data: BufferSource): Promise<USBOutTransferResult> {
		this.#ensureEndpoint('out', endpointNumber);
		const bytes = copyOf(data);
		if (bytes.byteLength > MAX_TRANSFER_LENGTH) throw chromiumError('tooLong');
		const result = await this.#link.transferOut(endpointNumber, bytes);
		return outTransferResult(result.status, result.bytesWritten);
	}

	async isochronousTransferIn(endpointNumber: number): Promise<USBIsochronousInTransferResult> {
		this.#ensureEndpoint('in', endpointNumber);
		throw new DOMException('The virtual iPhone does not model isochronous transfers.', 'NotSupportedError');
	}

	async isochronousTransferOut(endpointNumber: number): Promise<USBIsochronousOutTransferResult> {
		this.#ensureEndpoint('out', endpointNumber);
		throw new DOMException('The virtual iPhone does not model isochronous transfers.', 'NotSupportedError');
	}

	async reset(): Promise<void> {
		this.#ensureNoChange();
		if (!this.#opened) throw chromiumError('openRequired');
		await this.#link.reset();
	}

	#configure(configurationValue: number | null): void {
		const index = this.#info.configurations.findIndex((c) => c.configurationValue === configurationValue);
		this.#configurationIndex = index;
		const count = index < 0 ? 0 : this.#info.configurations[index]!.interfaces.length;
		this.#claimed = new Array<boolean>(count).fill(false);
		this.#interfaceChanging = new Array<boolean>(count).fill(false);
		this.#alternateIndex = new Array<number>(count).fill(0);
		this.#inEndpoints.clear();
		this.#outEndpoints.clear();
	}

	#selectedAlternate(configurationIndex: number, interfaceIndex: number): number {
		return configurationIndex === this.#configurationIndex ? (this.#alternateIndex[interfaceIndex] ?? 0) : 0;
	}

	#setEndpoints(interfaceIndex: number, available: boolean): void {
		const iface = this.#info.configurations[this.#configurationIndex]!.interfaces[interfaceIndex]!;
		const alternate = iface.alternates[this.#alternateIndex[interfaceIndex] ?? 0]!;
		for (const endpoint of alternate.endpoints) {
			const set = endpoint.direction === 'in' ? this.#inEndpoints : this.#outEndpoints;
			if (available) set.add(endpoint.endpointNumber);
			else set.delete(endpoint.endpointNumber);
		}
	}

	#ensureNoDeviceChange(): void {
		if (this.#gone) throw chromiumError('disconnected');
		if (this.#deviceChanging) throw chromiumError('deviceChanging');
	}

	#ensureNoChange(): void {
		this.#ensureNoDeviceChange();
		if (this.#interfaceChanging.some(Boolean)) throw chromiumError('interfaceChanging');
	}

	#ensureConfigured(): void {
		this.#ensureNoDeviceChange();
		if (!this.#opened) throw chromiumError('openRequired');
		if (this.#configurationIndex < 0) throw chromiumError('notConfigured');
	}

	#interfaceIndex(interfaceNumber: number): number {
		const interfaces = this.#info.configurations[this.#configurationIndex]!.interfaces;
		const index = interfaces.findIndex((iface) => iface.interfaceNumber === interfaceNumber);
		if (index < 0) throw chromiumError('noSuchInterface');
		return index;
	}

	#ensureClaimed(interfaceNumber: number): number {
		this.#ensureConfigured();
		const i = this.#interfaceIndex(interfaceNumber);
		if (this.#interfaceChanging[i]) throw chromiumError('interfaceChanging');
		if (!this.#claimed[i]) throw chromiumError('notClaimed');
		return i;
	}

	#ensureEndpoint(direction: USBDirection, endpointNumber: number): void {
		this.#ensureConfigured();
		if (endpointNumber < 1 || endpointNumber > 15) throw chromiumError('endpointOutOfRange');
		const available = direction === 'in' ? this.#inEndpoints : this.#outEndpoints;
		if (!available.has(endpointNumber)) throw chromiumError('endpointUnavailable');
	}

	#ensureControl(setup: USBControlTransferParameters): void {
		this.#ensureNoChange();
		if (!this.#opened) throw chromiumError('openRequired');
		if (setup.recipient === 'interface') this.#ensureClaimed(setup.index & 0xff);
		if (setup.recipient === 'endpoint') {
			this.#ensureEndpoint(setup.index & 0x80 ? 'in' : 'out', setup.index & 0x0f);
		}
	}

	#setup(setup: USBControlTransferParameters): SimControlSetup {
		const { requestType, recipient, request, value, index } = setup;
		return { requestType, recipient, request, value, index };
	}
}
