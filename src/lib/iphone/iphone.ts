import type { DeviceError } from '../errors';
import { LOCKDOWN_PORT, LockdownClient, type SessionSecurity } from '../lockdown';
import { openIPhone, type HostOs } from '../usb';
import type { UsbTransport } from '../usb/transport';
import { UsbmuxClient } from '../usbmux';


export interface IPhoneOpenOptions {
	/** The device to open; otherwise the first granted iPhone (or the one with `udid`). */
	device?: USBDevice;
	udid?: string;
	/** Which operating system the advice in errors is written for. */
	os?: HostOs;
	/** TLS for lockdown sessions. */
	security?: SessionSecurity;
}

/**
 * One iPhone on the cable: the USB transport, the usbmux client on it, and ways to reach the phone's
 * services. The facade the rest of the app holds, as Tango's `Adb` is for Android.
 */
export class IPhone {
	readonly #transport: UsbTransport;
	readonly #mux: UsbmuxClient;
	readonly #security: SessionSecurity | undefined;

	private constructor(transport: UsbTransport, mux: UsbmuxClient, security: SessionSecurity | undefined) {
		this.#transport = transport;
		this.#mux = mux;
		this.#security = security;
	}

	/** Claims the iPhone on `usb` (normally `navigator.usb`) and starts usbmux on it. */
	static async open(usb: USB, options: IPhoneOpenOptions = {}): Promise<IPhone> {
		const transport = await openIPhone(usb, { device: options.device, udid: options.udid, os: options.os });
		try {
			return new IPhone(transport, await UsbmuxClient.open(transport), options.security);
		} catch (error) {
			await transport.close();
			throw error;
		}
	}

	/** The phone's UDID, from its USB serial number. */
	get udid(): string {
		return this.#transport.serialNumber;
	}

	/** Settles, with the reason, when the phone is gone (unplugged), the link to it broke, or it was closed. */
	get closed(): Promise<DeviceError> {
		return this.#mux.closed;
	}

	/** A new connection to lockdownd. */
	async lockdown(): Promise<LockdownClient> {
		return new LockdownClient(await this.#mux.connect(LOCKDOWN_PORT), { security: this.#security });
	}

	/** A raw connection to a port a service was started on. */
	connect(port: number) {
		return this.#mux.connect(port);
	}

	async close(): Promise<void> {
		await this.#mux.close();
		await this.#transport.close();
	}
}
