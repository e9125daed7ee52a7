import { errorCodeOf, type DiagnosticRecorder, type DiagnosticStep, type UsbDeviceRecord } from './recorder';
import { MuxTap } from './mux-tap';

/**
 * A passive tap on the USB seam, as a protocol analyser sits on the cable: `tapUsb(usb, recorder)`
 * returns a `USB` that behaves exactly as `usb` does (the same devices, results, errors and events,
 * each device the same object every time) and tells the recorder what crossed it: each WebUSB call
 * with its outcome and timing, the descriptors of each device opened, and every bulk transfer's bytes
 * to a usbmux decoder (`MuxTap`). Recording never throws into the caller's path and never holds a
 * transfer's bytes beyond the call.
 */
export function tapUsb(usb: USB, recorder: DiagnosticRecorder): USB {
	return new TappedUsb(usb, recorder);
}

const MAX_ERROR_TEXT = 200;

/** The error's name and message, as the browser words them (never anything of the phone). */
function errorFields(error: unknown): Record<string, string> {
	const { name, message } = (typeof error === 'object' && error !== null ? error : {}) as { name?: unknown; message?: unknown };
	return {
		error: typeof name === 'string' ? name : errorCodeOf(error),
		message: typeof message === 'string' ? message.slice(0, MAX_ERROR_TEXT) : '',
	};
}

/** Runs `record` and swallows anything it throws: the tap must never break the app it watches. */
function quietly(recorder: DiagnosticRecorder, record: () => void): void {
	try {
		record();
	} catch {
		recorder.count('diagnostics.errors');
	}
}

class TappedUsb extends EventTarget implements USB {
	onconnect: ((this: USB, ev: USBConnectionEvent) => unknown) | null = null;
	ondisconnect: ((this: USB, ev: USBConnectionEvent) => unknown) | null = null;
	readonly #inner: USB;
	readonly #recorder: DiagnosticRecorder;
	readonly #devices = new WeakMap<USBDevice, TappedUsbDevice>();
	#lastFound: number | undefined;

	constructor(inner: USB, recorder: DiagnosticRecorder) {
		super();
		this.#inner = inner;
		this.#recorder = recorder;
		// Where there is no chooser (a worker's USB), there is none here either: callers test for it.
		if (typeof inner.requestDevice !== 'function') Object.defineProperty(this, 'requestDevice', { value: undefined });
		this.addEventListener('connect', (event) => this.onconnect?.call(this, event as USBConnectionEvent));
		this.addEventListener('disconnect', (event) => this.ondisconnect?.call(this, event as USBConnectionEvent));
		inner.addEventListener('connect', (event) => this.#relay(event));
		inner.addEventListener('disconnect', (event) => this.#relay(event));
	}

	async getDevices(): Promise<USBDevice[]> {
		let devices: USBDevice[];
		try {
			devices = await this.#inner.getDevices();
		} catch (error) {
			quietly(this.#recorder, () => this.#recorder.wire('usb', { what: 'getDevices', ...errorFields(error) }));
			throw error;
		}
		quietly(this.#recorder, () => {
			this.#recorder.count('usb.getDevices');
			// Asked every half second while a backup waits for the cable: only a change is worth a line.
			if (devices.length !== this.#lastFound) this.#recorder.wire('usb', { what: 'getDevices', found: devices.length });
			this.#lastFound = devices.length;
		});
		return devices.map((device) => this.#wrap(device));
	}

	async requestDevice(options?: USBDeviceRequestOptions): Promise<USBDevice> {
		this.#recorder.note('chooser', 'started');
		try {
			const device = await this.#inner.requestDevice(options);
			this.#recorder.note('chooser', 'ok');
			return this.#wrap(device);
		} catch (error) {
			this.#recorder.note('chooser', 'failed', errorCodeOf(error));
			throw error;
		}
	}

	override addEventListener(type: 'connect' | 'disconnect', listener: (this: this, ev: USBConnectionEvent) => unknown, options?: boolean | AddEventListenerOptions): void;
	override addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions): void;
	override addEventListener(type: string, listener: unknown, options?: boolean | AddEventListenerOptions): void {
		super.addEventListener(type, listener as EventListenerOrEventListenerObject | null, options);
	}

	override removeEventListener(type: 'connect' | 'disconnect', listener: (this: this, ev: USBConnectionEvent) => unknown, options?: boolean | EventListenerOptions): void;
	override removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | EventListenerOptions): void;
	override removeEventListener(type: string, listener: unknown, options?: boolean | EventListenerOptions): void {
		super.removeEventListener(type, listener as EventListenerOrEventListenerObject | null, options);
	}

	/** The same event, naming the tapped device: listeners compare devices by identity. */
	#relay(event: Event): void {
		const raw = (event as USBConnectionEvent).device;
		quietly(this.#recorder, () => this.#recorder.note('cable', event.type === 'connect' ? 'ok' : 'failed', `${event.type}ed`));
		this.dispatchEvent(Object.assign(new Event(event.type), { device: this.#wrap(raw) }));
	}

	#wrap(device: USBDevice): TappedUsbDevice {
		let tapped = this.#devices.get(device);
		if (tapped === undefined) {
			tapped = new TappedUsbDevice(device, this.#recorder);
			this.#devices.set(device, tapped);
		}
		return tapped;
	}
}

/** A `USBDevice` whose calls are passed through unchanged and recorded. */
class TappedUsbDevice implements USBDevice {
	readonly #raw: USBDevice;
	readonly #recorder: DiagnosticRecorder;
	/** The usbmux decoder of the current opening: a new session each time the device is opened. */
	#mux: MuxTap;

	constructor(raw: USBDevice, recorder: DiagnosticRecorder) {
		this.#raw = raw;
		this.#recorder = recorder;
		this.#mux = new MuxTap(recorder);
	}

	get usbVersionMajor(): number {
		return this.#raw.usbVersionMajor;
	}
	get usbVersionMinor(): number {
		return this.#raw.usbVersionMinor;
	}
	get usbVersionSubminor(): number {
		return this.#raw.usbVersionSubminor;
	}
	get deviceClass(): number {
		return this.#raw.deviceClass;
	}
	get deviceSubclass(): number {
		return this.#raw.deviceSubclass;
	}
	get deviceProtocol(): number {
		return this.#raw.deviceProtocol;
	}
	get vendorId(): number {
		return this.#raw.vendorId;
	}
	get productId(): number {
		return this.#raw.productId;
	}
	get deviceVersionMajor(): number {
		return this.#raw.deviceVersionMajor;
	}
	get deviceVersionMinor(): number {
		return this.#raw.deviceVersionMinor;
	}
	get deviceVersionSubminor(): number {
		return this.#raw.deviceVersionSubminor;
	}
	get manufacturerName(): string | null {
		return this.#raw.manufacturerName;
	}
	get productName(): string | null {
		return this.#raw.productName;
	}
	get serialNumber(): string | null {
		return this.#raw.serialNumber;
	}
	get configuration(): USBConfiguration | null {
		return this.#raw.configuration;
	}
	get configurations(): USBConfiguration[] {
		return this.#raw.configurations;
	}
	get opened(): boolean {
		return this.#raw.opened;
	}

	open(): Promise<void> {
		return this.#call('open', 'open', () => this.#raw.open(), () => this.#opened());
	}
	close(): Promise<void> {
		return this.#call('close', undefined, () => this.#raw.close());
	}
	forget(): Promise<void> {
		return this.#call('forget', undefined, () => this.#raw.forget());
	}
	reset(): Promise<void> {
		return this.#call('reset', undefined, () => this.#raw.reset());
	}
	selectConfiguration(configurationValue: number): Promise<void> {
		return this.#call('selectConfiguration', 'configure', () => this.#raw.selectConfiguration(configurationValue), undefined, { value: configurationValue });
	}
	claimInterface(interfaceNumber: number): Promise<void> {
		return this.#call('claimInterface', 'claim', () => this.#raw.claimInterface(interfaceNumber), undefined, { interface: interfaceNumber });
	}
	releaseInterface(interfaceNumber: number): Promise<void> {
		return this.#call('releaseInterface', undefined, () => this.#raw.releaseInterface(interfaceNumber), undefined, { interface: interfaceNumber });
	}
	selectAlternateInterface(interfaceNumber: number, alternateSetting: number): Promise<void> {
		return this.#call('selectAlternateInterface', undefined, () => this.#raw.selectAlternateInterface(interfaceNumber, alternateSetting), undefined, {
			interface: interfaceNumber,
			alternate: alternateSetting,
		});
	}
	clearHalt(direction: USBDirection, endpointNumber: number): Promise<void> {
		quietly(this.#recorder, () => this.#recorder.count(`usb.${direction}.clearHalt`));
		return this.#call('clearHalt', undefined, () => this.#raw.clearHalt(direction, endpointNumber), undefined, { endpoint: endpointNumber, direction });
	}

	transferIn(endpointNumber: number, length: number): Promise<USBInTransferResult> {
		return this.#transfer('transferIn', () => this.#raw.transferIn(endpointNumber, length)).then((result) => {
			quietly(this.#recorder, () => this.#sawIn(result));
			return result;
		});
	}

	transferOut(endpointNumber: number, data: BufferSource): Promise<USBOutTransferResult> {
		quietly(this.#recorder, () => {
			const bytes = ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);
			this.#recorder.count('usb.out.transfers');
			this.#recorder.count('usb.out.bytes', bytes.byteLength);
			// WebUSB takes the bytes when the call is made: they are on their way now.
			if (bytes.byteLength > 0) this.#mux.transfer('out', bytes);
		});
		return this.#transfer('transferOut', () => this.#raw.transferOut(endpointNumber, data)).then((result) => {
			quietly(this.#recorder, () => {
				if (result.status !== 'ok') this.#sawStatus('out', result.status);
			});
			return result;
		});
	}

	controlTransferIn(setup: USBControlTransferParameters, length: number): Promise<USBInTransferResult> {
		return this.#transfer('controlTransferIn', () => this.#raw.controlTransferIn(setup, length), setupFields(setup, length)).then((result) => {
			quietly(this.#recorder, () => this.#recorder.wire('usb', { what: 'controlTransferIn', ...setupFields(setup, length), status: result.status, received: result.data?.byteLength ?? 0 }));
			return result;
		});
	}

	controlTransferOut(setup: USBControlTransferParameters, data?: BufferSource): Promise<USBOutTransferResult> {
		const length = data?.byteLength ?? 0;
		return this.#transfer('controlTransferOut', () => this.#raw.controlTransferOut(setup, data), setupFields(setup, length)).then((result) => {
			quietly(this.#recorder, () => this.#recorder.wire('usb', { what: 'controlTransferOut', ...setupFields(setup, length), status: result.status, sent: result.bytesWritten }));
			return result;
		});
	}

	isochronousTransferIn(endpointNumber: number, packetLengths: number[]): Promise<USBIsochronousInTransferResult> {
		quietly(this.#recorder, () => this.#recorder.count('usb.isochronous'));
		return this.#raw.isochronousTransferIn(endpointNumber, packetLengths);
	}

	isochronousTransferOut(endpointNumber: number, data: BufferSource, packetLengths: number[]): Promise<USBIsochronousOutTransferResult> {
		quietly(this.#recorder, () => this.#recorder.count('usb.isochronous'));
		return this.#raw.isochronousTransferOut(endpointNumber, data, packetLengths);
	}

	/** A call that is a connection step (`open`, `configure`, `claim`) or worth a line, timed. */
	async #call(what: string, step: DiagnosticStep | undefined, call: () => Promise<void>, done?: () => void, fields: Record<string, string | number> = {}): Promise<void> {
		const recorder = this.#recorder;
		const started = recorder.now();
		if (step !== undefined) recorder.note(step, 'started');
		try {
			await call();
		} catch (error) {
			quietly(recorder, () => {
				recorder.wire('usb', { what, ...fields, ms: elapsed(recorder, started), ...errorFields(error) });
				if (step !== undefined) recorder.note(step, 'failed', errorCodeOf(error));
			});
			throw error;
		}
		quietly(recorder, () => {
			recorder.wire('usb', { what, ...fields, ms: elapsed(recorder, started) });
			if (step !== undefined) recorder.note(step, 'ok');
			done?.();
		});
	}

	/** A transfer's promise, its failure recorded (the caller's error goes on unchanged). */
	#transfer<T>(what: string, call: () => Promise<T>, fields: Record<string, number | string> = {}): Promise<T> {
		const failed = (error: unknown) => {
			quietly(this.#recorder, () => {
				this.#recorder.count(`usb.${what}.errors`);
				this.#recorder.wire('usb', { what, ...fields, ...errorFields(error) });
			});
		};
		let pending: Promise<T>;
		try {
			pending = call();
		} catch (error) {
			failed(error);
			throw error;
		}
		return pending.catch((error: unknown) => {
			failed(error);
			throw error;
		});
	}

	#sawIn(result: USBInTransferResult): void {
		const recorder = this.#recorder;
		recorder.count('usb.in.transfers');
		if (result.status !== 'ok') this.#sawStatus('in', result.status);
		const data = result.data;
		if (!data || data.byteLength === 0) {
			recorder.count('usb.in.empty');
			return;
		}
		recorder.count('usb.in.bytes', data.byteLength);
		this.#mux.transfer('in', new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
	}

	#sawStatus(direction: 'in' | 'out', status: USBTransferStatus | undefined): void {
		this.#recorder.count(`usb.${direction}.${status ?? 'no-status'}`);
		this.#recorder.wire('usb', { what: direction === 'in' ? 'transferIn' : 'transferOut', status: status ?? 'none' });
	}

	/** Opened: its descriptors for the report, and a new usbmux session to follow. */
	#opened(): void {
		this.#mux = new MuxTap(this.#recorder);
		this.#recorder.device(describeDevice(this.#raw), this.#raw.serialNumber ?? '');
	}
}

function elapsed(recorder: DiagnosticRecorder, since: number): number {
	return Math.round((recorder.now() - since) * 10) / 10;
}

function setupFields(setup: USBControlTransferParameters, length: number): Record<string, string | number> {
	return { requestType: setup.requestType, recipient: setup.recipient, request: setup.request, value: setup.value, index: setup.index, length };
}

function hex4(value: number): string {
	return `0x${value.toString(16).padStart(4, '0')}`;
}

/** A device's descriptors, without its serial number. */
function describeDevice(device: USBDevice): Omit<UsbDeviceRecord, 't'> {
	return {
		vendorId: hex4(device.vendorId),
		productId: hex4(device.productId),
		usbVersion: `${device.usbVersionMajor}.${device.usbVersionMinor}.${device.usbVersionSubminor}`,
		deviceVersion: `${device.deviceVersionMajor}.${device.deviceVersionMinor}.${device.deviceVersionSubminor}`,
		deviceClass: device.deviceClass,
		manufacturerName: device.manufacturerName,
		productName: device.productName,
		activeConfiguration: device.configuration?.configurationValue ?? null,
		configurations: device.configurations.map((configuration) => ({
			value: configuration.configurationValue,
			name: configuration.configurationName ?? null,
			interfaces: configuration.interfaces.map((iface) => ({
				number: iface.interfaceNumber,
				alternates: iface.alternates.map((alternate) => ({
					setting: alternate.alternateSetting,
					class: alternate.interfaceClass,
					subclass: alternate.interfaceSubclass,
					protocol: alternate.interfaceProtocol,
					name: alternate.interfaceName ?? null,
					endpoints: alternate.endpoints.map((endpoint) => `${endpoint.endpointNumber} ${endpoint.direction} ${endpoint.type} ${endpoint.packetSize}`),
				})),
			})),
		})),
	};
}
