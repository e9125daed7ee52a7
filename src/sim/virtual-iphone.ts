import { udidFromSerialNumber } from '../lib/usb';
import { serveAfc, type AfcdOptions } from './afcd';
import { VirtualCameraRoll, type CameraRollOptions } from './camera-roll';
// The hostile profile is handed in, never imported: the demo's chunk must not carry the lies.
import type { HostileProfile } from './hostile';
import { SimLockdownd, type DeviceKeys, type DeviceSessionSecurity, type DeviceValues, type SimLockdowndOptions } from './lockdownd';
import { SIM_IPHONE_SERIAL, SimUsbHardware, type SimUsbHardwareOptions } from './usb';
import { SimUsbmuxDevice, type SimUsbmuxDeviceOptions } from './usbmux';
import type { VirtualFileSystem } from './virtual-fs';

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
	/** A phone that lies (`new HostileProfile(…)`, `sim/hostile/`): evil names, loops, wrong sizes, oversized packets, spoiled TLS. */
	hostile?: HostileProfile;
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
	readonly #usbOptions: Omit<SimUsbHardwareOptions, 'info'>;
	readonly #afcOptions: AfcdOptions;
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
			services: (name) => phone?.startService(name),
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

	/** lockdownd's StartService: a one-connection listener on a fresh port, as the real daemon starts. */
	startService(name: string): { port: number; enableServiceSSL: boolean } | undefined {
		if (name !== 'com.apple.afc') return undefined;
		const port = this.#nextServicePort;
		this.#nextServicePort = port >= 65535 ? FIRST_SERVICE_PORT : port + 1;
		this.#servicePorts.add(port);
		this.mux.listen(port, (connection) => {
			this.mux.unlisten(port);
			this.#servicePorts.delete(port);
			const served = this.#hostile?.afcService(connection, this.#afcOptions, this.mux) ?? { channel: connection, options: this.#afcOptions };
			serveAfc(served.channel, this.storage, served.options);
		});
		return { port, enableServiceSSL: false };
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
