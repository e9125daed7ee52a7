import { udidFromSerialNumber } from '../lib/usb';
import { serveAfc, type AfcdOptions, type AfcdSession } from './afcd';
import { VirtualCameraRoll, type CameraRollOptions } from './camera-roll';
// The hostile profile is handed in, never imported: the demo's chunk must not carry the lies.
import type { HostileProfile } from './hostile';
import {
	SimLockdownd,
	type DeviceKeys,
	type DeviceSessionSecurity,
	type DeviceValues,
	type ServiceEndpoint,
	type ServiceRequest,
	type SimLockdowndOptions,
} from './lockdownd';
import { SIM_IPHONE_SERIAL, SimUsbHardware, type SimUsbHardwareOptions } from './usb';
import { SimUsbmuxDevice, type SimUsbmuxDeviceOptions } from './usbmux';
import type { VirtualFileSystem } from './virtual-fs';
import type { ByteChannel } from '../lib/streams/byte-channel';

import { LOCKDOWN_PORT } from '../lib/lockdown';

export { LOCKDOWN_PORT };
/** Services started by lockdownd listen on ephemeral ports from here up, as on a real phone. */
const FIRST_SERVICE_PORT = 49152;

export interface VirtualIPhoneOptions {
	/** What the phone holds; a camera roll profile by default. */
	cameraRoll?: CameraRollOptions;
	/** USB details: serial (the UDID), chunking of IN transfers, packet size. */
	usb?: Omit<SimUsbHardwareOptions, 'info'>;
	mux?: SimUsbmuxDeviceOptions;
	/** lockdownd's values (the UDID always follows the USB serial), Trust dialog, hooks. */
	lockdown?: Omit<SimLockdowndOptions, 'identity' | 'services' | 'security'> & { values?: Partial<DeviceValues>; deviceKeys?: DeviceKeys };
	/** The TLS server lockdownd uses for sessions. Without it sessions stay plaintext (tests only). */
	security?: DeviceSessionSecurity;
	afc?: AfcdOptions;
	/** How StartService answers: as iOS 12–13 were seen to (plaintext AFC, escrow bag taken) by default. */
	services?: ServiceBehaviour;
	/** A phone that lies (`new HostileProfile(…)`, `sim/hostile/`): evil names, loops, wrong sizes, oversized packets, spoiled TLS. */
	hostile?: HostileProfile;
}

/** Answers lockdownd may give to StartService that public clients handle and a phone may send. */
export interface ServiceBehaviour {
	/**
	 * StartService com.apple.afc answers `EnableServiceSSL: true`: the connection to its port starts
	 * with a TLS handshake with the pair record's keys (libimobiledevice's
	 * `service_client_factory_start_service`, pymobiledevice3's `start_lockdown_service`), and afcd
	 * speaks inside it. Needs `security`.
	 */
	afcServiceSsl?: boolean;
	/**
	 * A StartService that carries an EscrowBag is refused with this lockdownd error ('MissingValue' is
	 * what a phone not unlocked since boot sends); the same request without one is served.
	 */
	rejectEscrowBag?: string;
}

/**
 * A whole iPhone, as the host sees it over USB: the USB device (`hardware`), the device end of usbmux,
 * lockdownd on port 62078, and AFC over a virtual camera roll, each layer reachable for fault
 * injection. One object serves Vitest, the demo in a worker, the benchmark, and — behind the USB wire
 * or the usbmuxd front-end — the end-to-end tests and third-party tools.
 */
export class VirtualIPhone {
	readonly mux: SimUsbmuxDevice;
	readonly lockdownd: SimLockdownd;
	readonly storage: VirtualFileSystem;
	readonly cameraRoll: VirtualCameraRoll | undefined;
	readonly udid: string;
	/** Every AFC connection served since the phone was made, to see what a host asked of afcd. */
	readonly afcSessions: AfcdSession[] = [];
	readonly #usbOptions: Omit<SimUsbHardwareOptions, 'info'>;
	readonly #afcOptions: AfcdOptions;
	readonly #serviceBehaviour: ServiceBehaviour;
	readonly #security: DeviceSessionSecurity | undefined;
	readonly #hostile: HostileProfile | undefined;
	#hardware: SimUsbHardware;
	#nextServicePort = FIRST_SERVICE_PORT;
	/** Ports of services started since the last plug-in: a phone that loses its cable forgets them. */
	readonly #servicePorts = new Set<number>();
	/** The plug-in whose loss the phone has already gone through. */
	#forgotten: SimUsbHardware | undefined;

	private constructor(options: VirtualIPhoneOptions, lockdownd: SimLockdownd, storage: VirtualFileSystem, honest: VirtualFileSystem, hostile?: HostileProfile) {
		this.#hostile = hostile;
		this.#usbOptions = { serialNumber: SIM_IPHONE_SERIAL, ...options.usb };
		this.#afcOptions = options.afc ?? {};
		this.#serviceBehaviour = options.services ?? {};
		this.#security = options.security;
		this.udid = udidFromSerialNumber(this.#usbOptions.serialNumber ?? SIM_IPHONE_SERIAL);
		this.storage = storage;
		// The camera roll under the lies, if any: what the honest files are.
		this.cameraRoll = honest instanceof VirtualCameraRoll ? honest : undefined;
		this.lockdownd = lockdownd;
		this.mux = new SimUsbmuxDevice({ packetSize: this.#usbOptions.packetSize, ...options.mux });
		this.mux.listen(LOCKDOWN_PORT, (connection) => void this.lockdownd.serve(this.#hostile?.lockdownChannel(connection) ?? connection));
		this.#hardware = this.#plugIn();
	}

	static async create(options: VirtualIPhoneOptions = {}, storage?: VirtualFileSystem): Promise<VirtualIPhone> {
		const serial = options.usb?.serialNumber ?? SIM_IPHONE_SERIAL;
		const hostile = options.hostile;
		const honest = storage ?? new VirtualCameraRoll(options.cameraRoll);
		const files = hostile?.storage(honest) ?? honest;
		let phone: VirtualIPhone | undefined;
		const lockdownd = await SimLockdownd.create({
			...options.lockdown,
			values: {
				...diskUsageOf(files),
				...options.lockdown?.values,
				UniqueDeviceID: udidFromSerialNumber(serial),
			},
			security: options.security,
			services: (name, request) => phone?.startService(name, request),
		});
		phone = new VirtualIPhone(options, lockdownd, files, honest, hostile);
		return phone;
	}

	/** The USB device as it is plugged in now; a new one after each `replug()`. */
	get hardware(): SimUsbHardware {
		return this.#hardware;
	}

	/** Pulls the cable: every transfer fails, every connection is gone. */
	unplug(): void {
		this.#hardware.unplug();
	}

	/**
	 * Plugs the cable back in (pulling it first if it is still in): a new USB device with the same
	 * serial, the same phone behind it, starting from scratch as a real one does: a new usbmux session,
	 * no connection and no started service of before; with `staleIn`, transfers left in its IN pipe.
	 */
	replug(options: { staleIn?: readonly Uint8Array[] } = {}): SimUsbHardware {
		this.unplug();
		this.#cableLost(this.#hardware);
		this.#hardware = this.#plugIn();
		// What the IN pipe still held (`staleInPipe()`): the host reads it before anything new.
		for (const transfer of options.staleIn ?? []) void this.mux.sendRaw(transfer);
		return this.#hardware;
	}

	#plugIn(): SimUsbHardware {
		const hardware = new SimUsbHardware(this.#usbOptions);
		void this.mux.attach(hardware.deviceEnd);
		// However the cable goes (unplug(), a fault after N bytes), the phone's side goes with it at once.
		void hardware.unplugged.then(() => this.#cableLost(hardware));
		return hardware;
	}

	#cableLost(hardware: SimUsbHardware): void {
		if (this.#hardware !== hardware || this.#forgotten === hardware) return;
		this.#forgotten = hardware;
		this.mux.detach();
		for (const port of this.#servicePorts) this.mux.unlisten(port);
		this.#servicePorts.clear();
	}

	/**
	 * lockdownd's StartService: a one-connection listener on a fresh port, as the real daemon starts;
	 * in TLS first when the phone answers `EnableServiceSSL` (`services.afcServiceSsl`).
	 */
	startService(name: string, request: ServiceRequest = { escrowBag: undefined, tls: undefined }): ServiceEndpoint | { error: string } | undefined {
		if (name !== 'com.apple.afc') return undefined;
		const { afcServiceSsl, rejectEscrowBag } = this.#serviceBehaviour;
		if (rejectEscrowBag !== undefined && request.escrowBag !== undefined) return { error: rejectEscrowBag };
		const security = this.#security;
		const tls = afcServiceSsl === true && security !== undefined ? request.tls : undefined;
		const port = this.#nextServicePort;
		this.#nextServicePort = port >= 65535 ? FIRST_SERVICE_PORT : port + 1;
		this.#servicePorts.add(port);
		this.mux.listen(port, (connection) => {
			this.mux.unlisten(port);
			this.#servicePorts.delete(port);
			void (async () => {
				let channel: ByteChannel = connection;
				if (tls !== undefined) {
					try {
						channel = await security!.startServer(connection, tls);
					} catch {
						// A host that does not start TLS (or fails it) is dropped, as the phone drops it.
						await connection.close();
						return;
					}
				}
				const served = this.#hostile?.afcService(channel, this.#afcOptions, this.mux) ?? { channel, options: this.#afcOptions };
				this.afcSessions.push(serveAfc(served.channel, this.storage, served.options));
			})();
		});
		return { port, enableServiceSSL: tls !== undefined };
	}
}

/** lockdownd's disk-usage domain, consistent with what AFC reports about the same storage. */
function diskUsageOf(storage: VirtualFileSystem): Partial<DeviceValues> {
	const { totalBytes, freeBytes } = storage.capacity;
	return {
		diskUsage: {
			TotalDiskCapacity: totalBytes,
			TotalDataCapacity: Math.round(totalBytes * 0.88),
			TotalDataAvailable: freeBytes,
			AmountDataAvailable: freeBytes,
			AmountDataReserved: 838_860_800,
			TotalSystemCapacity: Math.round(totalBytes * 0.08),
			TotalSystemAvailable: 2_516_582_400,
		},
	};
}
