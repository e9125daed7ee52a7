import { DeviceError } from '../errors';
import type { HostOs } from './host-os';
import type { MuxInterfaceLocation } from './mux-interface';
import type { UsbTransport } from './transport';
import { iPhoneUnplugged, usbFailure, usbTransferFailed } from './usb-failure';

export interface WebUsbTransportOptions {
	/** IN transfers kept waiting on the device at all times. */
	readonly inFlightTransfers: number;
	/** Size of each IN transfer: a multiple of the IN endpoint's packet size. */
	readonly transferSize: number;
	/** Follow every OUT transfer whose length is a multiple of the packet size with a zero-length one. */
	readonly sendZeroLengthPackets: boolean;
	readonly serialNumber: string;
	readonly os: HostOs;
}

type InOutcome = { readonly ok: true; readonly result: USBInTransferResult } | { readonly ok: false; readonly error: unknown };

interface InFlight {
	readonly outcome: Promise<InOutcome>;
	/** Which halt-clearing episode the transfer was submitted in; see #pull. */
	readonly generation: number;
}

const EMPTY = new Uint8Array(0);

/**
 * The usbmux interface's bulk endpoints of a claimed `USBDevice` as a byte pipe. Several IN transfers
 * are always waiting on the device (one finishing is at once replaced), their results are passed on in
 * order without copying; each chunk written is one OUT transfer.
 */
export class WebUsbTransport implements UsbTransport {
	readonly readable: ReadableStream<Uint8Array>;
	readonly writable: WritableStream<Uint8Array>;
	readonly packetSize: number;
	readonly serialNumber: string;
	readonly closed: Promise<void>;

	readonly #usb: USB;
	readonly #device: USBDevice;
	readonly #interfaceNumber: number;
	readonly #inEndpoint: number;
	readonly #outEndpoint: number;
	readonly #options: WebUsbTransportOptions;
	readonly #inFlight: InFlight[] = [];
	#generation = 0;
	#recoveringFromStall = false;
	#readableController!: ReadableStreamDefaultController<Uint8Array>;
	#writableController!: WritableStreamDefaultController;
	#endError: DeviceError | undefined;
	#markClosed!: () => void;
	readonly #onDisconnect = (event: Event) => {
		if ((event as USBConnectionEvent).device === this.#device) this.#end(iPhoneUnplugged(), 'error');
	};

	constructor(usb: USB, device: USBDevice, mux: MuxInterfaceLocation, options: WebUsbTransportOptions) {
		this.#usb = usb;
		this.#device = device;
		this.#interfaceNumber = mux.interfaceNumber;
		this.#inEndpoint = mux.inEndpoint.endpointNumber;
		this.#outEndpoint = mux.outEndpoint.endpointNumber;
		this.#options = options;
		this.packetSize = mux.outEndpoint.packetSize;
		this.serialNumber = options.serialNumber;
		this.closed = new Promise((resolve) => (this.#markClosed = resolve));
		usb.addEventListener('disconnect', this.#onDisconnect);
		this.readable = new ReadableStream<Uint8Array>({
			start: (controller) => {
				this.#readableController = controller;
				for (let i = 0; i < options.inFlightTransfers; i++) this.#submitIn();
			},
			pull: (controller) => this.#pull(controller),
			cancel: () => this.close(),
		});
		this.writable = new WritableStream<Uint8Array>({
			start: (controller) => void (this.#writableController = controller),
			write: (chunk) => this.#write(chunk),
			// usbmux has no half-close: closing the writable leaves reading alone; aborting ends it all.
			abort: () => this.close(),
		});
	}

	close(): Promise<void> {
		this.#end(new DeviceError('connection-closed', 'The connection to the iPhone was closed.'), 'close');
		return this.closed;
	}

	#submitIn(): void {
		let outcome: Promise<InOutcome>;
		try {
			outcome = this.#device.transferIn(this.#inEndpoint, this.#options.transferSize).then(
				(result): InOutcome => ({ ok: true, result }),
				(error: unknown): InOutcome => ({ ok: false, error }),
			);
		} catch (error) {
			outcome = Promise.resolve({ ok: false, error });
		}
		this.#inFlight.push({ outcome, generation: this.#generation });
	}

	async #pull(controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> {
		for (;;) {
			if (this.#endError) return;
			const head = this.#inFlight.shift();
			if (head === undefined) {
				this.#submitIn();
				continue;
			}
			const outcome = await head.outcome;
			if (this.#endError) return;
			if (!outcome.ok) {
				this.#end(usbFailure(outcome.error, 'transfer', this.#options.os), 'error');
				return;
			}
			const { status, data } = outcome.result;
			if (status === 'ok') {
				this.#recoveringFromStall = false;
				this.#submitIn();
				if (data && data.byteLength > 0) {
					controller.enqueue(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
					return;
				}
				continue;
			}
			if (status !== 'stall') {
				this.#end(usbTransferFailed('the iPhone sent more than was asked for'), 'error');
				return;
			}
			// A halted endpoint fails every transfer waiting on it. Clear the halt once for all of those
			// (the ones submitted before the clear are from the same episode); a transfer submitted after
			// the clear stalling again, before anything arrived, means the halt did not go away.
			if (head.generation === this.#generation) {
				if (this.#recoveringFromStall) {
					this.#end(usbTransferFailed('the iPhone kept refusing to send'), 'error');
					return;
				}
				this.#recoveringFromStall = true;
				try {
					await this.#device.clearHalt('in', this.#inEndpoint);
				} catch (error) {
					this.#end(usbFailure(error, 'transfer', this.#options.os), 'error');
					return;
				}
				if (this.#endError) return;
				this.#generation += 1;
			}
			this.#submitIn();
		}
	}

	async #write(chunk: Uint8Array): Promise<void> {
		if (this.#endError) throw this.#endError;
		if (chunk.byteLength === 0) return;
		await this.#transferOut(chunk);
		if (this.#options.sendZeroLengthPackets && chunk.byteLength % this.packetSize === 0) {
			await this.#transferOut(EMPTY);
		}
	}

	async #transferOut(data: Uint8Array): Promise<void> {
		for (let attempt = 0; ; attempt++) {
			let result: USBOutTransferResult;
			try {
				// WebUSB copies the bytes when the call is made; the chunk is never a SharedArrayBuffer view.
				result = await this.#device.transferOut(this.#outEndpoint, data as Uint8Array<ArrayBuffer>);
			} catch (error) {
				throw this.#end(usbFailure(error, 'transfer', this.#options.os), 'error');
			}
			if (this.#endError) throw this.#endError;
			if (result.status === 'ok') {
				if (result.bytesWritten === data.byteLength) return;
				throw this.#end(usbTransferFailed(`${result.bytesWritten} of ${data.byteLength} bytes went out`), 'error');
			}
			if (result.status !== 'stall' || attempt > 0) {
				throw this.#end(usbTransferFailed('the iPhone kept refusing what was sent'), 'error');
			}
			try {
				await this.#device.clearHalt('out', this.#outEndpoint);
			} catch (error) {
				throw this.#end(usbFailure(error, 'transfer', this.#options.os), 'error');
			}
		}
	}

	/**
	 * Ends the transport once, for whatever reason came first: reading ends (done on close, the error
	 * otherwise), writing fails with the reason, the interface is released and the device closed (not
	 * when it is gone), then `closed` settles. Returns the reason that ended it.
	 */
	#end(reason: DeviceError, readable: 'close' | 'error'): DeviceError {
		if (this.#endError) return this.#endError;
		this.#endError = reason;
		if (readable === 'close') {
			try {
				this.#readableController.close();
			} catch {
				// already closed by its reader
			}
		} else {
			this.#readableController.error(reason);
		}
		this.#writableController.error(reason);
		this.#usb.removeEventListener('disconnect', this.#onDisconnect);
		void this.#release(reason.code !== 'unplugged').then(this.#markClosed);
		return reason;
	}

	async #release(deviceStillThere: boolean): Promise<void> {
		if (!deviceStillThere) return;
		// Waiting transfers are cancelled by these; their outcomes are no longer read.
		await this.#device.releaseInterface(this.#interfaceNumber).catch(() => undefined);
		await this.#device.close().catch(() => undefined);
	}
}
