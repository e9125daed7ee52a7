import { DeviceError, isDeviceError } from '../errors';
import { LOCKDOWN_PORT, LockdownClient, type PairRecord, type SessionSecurity } from '../lockdown';
import type { ByteChannel } from '../streams/byte-channel';
import { withDeadline } from '../streams/waits';
import { openIPhone, type ClaimProgress, type HostOs } from '../usb';
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
	/** Taking the phone from another program that holds it (`usb/claim-mux.ts`): each try, and the win. */
	onClaimProgress?: (progress: ClaimProgress) => void;
}

/** How long a service's TLS handshake may take, as a lockdown exchange may. */
const SERVICE_HANDSHAKE_MS = 30_000;

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
		const transport = await openIPhone(usb, { device: options.device, udid: options.udid, os: options.os, onClaimProgress: options.onClaimProgress });
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

	/**
	 * Starts `name` with the session's lockdown and connects to it: in TLS with the pair record's keys
	 * when the phone answers `EnableServiceSSL`, as every public client honours it (libimobiledevice's
	 * `service_client_factory_start_service`, pymobiledevice3's `start_lockdown_service`).
	 */
	async startService(session: { lockdown: LockdownClient; record: PairRecord }, name: string): Promise<ByteChannel> {
		const { lockdown, record } = session;
		const started = await lockdown.startService(name, { escrowBag: record.escrowBag });
		const channel = await this.#mux.connect(started.port);
		if (!started.enableServiceSSL) return channel;
		const security = this.#security;
		try {
			if (security === undefined) {
				throw new DeviceError('protocol', 'The iPhone asked for an encrypted connection this page cannot make.');
			}
			return await withDeadline(
				security.startClient(channel, record),
				SERVICE_HANDSHAKE_MS,
				() => new DeviceError('timeout', 'The iPhone stopped answering.', { advice: 'Unplug the iPhone, plug it back in and try again.' }),
			);
		} catch (error) {
			await channel.close().catch(() => undefined);
			throw isDeviceError(error)
				? error
				: new DeviceError('tls', 'The encrypted connection to the iPhone could not be set up.', {
						cause: error,
						advice: 'Unplug the iPhone, plug it back in and try again.',
					});
		}
	}

	async close(): Promise<void> {
		await this.#mux.close();
		await this.#transport.close();
	}
}
