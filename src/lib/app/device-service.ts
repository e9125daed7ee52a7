import { AfcClient } from '../afc';
import { DeviceError, isDeviceError } from '../errors';
import { describeAssets, groupAssets, scanCameraRoll, type DescribedAsset } from '../library';
import { createDemoUsb } from './demo-iphone';
import { overviewOf, type LibraryOverview } from './library-overview';
import { IPhone, openTrustedSession, type TrustedSession } from '../iphone';
import { tlsSessionSecurity } from '../lockdown';
import { AppDatabase, DexiePairRecordStore, forgetDevice, type PairRecordStore } from '../store';
import type { HostOs } from '../usb';

export interface ConnectedIPhone {
	udid: string;
	name: string;
	productType: string;
	productVersion: string;
	/** lockdownd's answer to QueryType: proof that the whole path to the phone works. */
	lockdownType: string;
	/** True when this connection asked "Trust This Computer?" (false: a stored pairing was reused). */
	paired: boolean;
}

/** A DeviceError as it crosses to the page: plain data. */
export interface ShownError {
	code: string;
	message: string;
	advice?: string;
}

/** What the page hears about the phone while connecting and after. */
export interface DeviceEvents {
	/** The phone shows "Trust This Computer?" now. */
	waitingForTrust?(): void;
	/** The phone went away (cable pulled) or the connection broke. */
	disconnected?(error: ShownError): void;
}

/** How far reading the camera roll has come. */
export interface LibraryProgress {
	stage: 'listing' | 'reading-dates';
	done: number;
	total?: number;
}

/**
 * The device side of the app, run in a dedicated worker so the page only renders: it opens the
 * iPhone the page was granted, pairs with it (or reuses the stored pairing), holds the session and
 * reports what happens to it.
 */
export class DeviceService {
	readonly #usb: () => USB;
	readonly #store: PairRecordStore;
	#iphone: IPhone | undefined;
	#session: TrustedSession | undefined;
	#files: AfcClient | undefined;
	#assets: DescribedAsset[] = [];
	#closing = false;

	constructor(usb: () => USB, store: PairRecordStore = new DexiePairRecordStore(new AppDatabase())) {
		this.#usb = usb;
		this.#store = store;
	}

	/**
	 * Connects to the iPhone the page was granted (`udid`), or with `demo` to a virtual iPhone that runs
	 * in this worker, whose sample photos are fetched from `demo.mediaBase`.
	 */
	async connect(
		options: { udid?: string; os?: HostOs; demo?: { mediaBase: string } },
		events: DeviceEvents = {},
	): Promise<ConnectedIPhone> {
		await this.disconnect();
		const usb = options.demo
			? (await createDemoUsb((name) => fetch(new URL(name, options.demo!.mediaBase)))).usb
			: this.#usb();
		if (!usb) throw new DeviceError('no-webusb', 'This browser cannot talk to USB devices.');
		const iphone = await IPhone.open(usb, { udid: options.udid, os: options.os, security: tlsSessionSecurity });
		this.#iphone = iphone;
		this.#closing = false;
		void iphone.closed.then(() => {
			if (this.#iphone !== iphone || this.#closing) return;
			this.#iphone = undefined;
			this.#session = undefined;
			this.#files = undefined;
			events.disconnected?.({
				code: 'unplugged',
				message: 'The iPhone was disconnected.',
				advice: 'Check the cable, plug the iPhone back in and connect again. Nothing already copied is lost.',
			});
		});
		try {
			const probe = await iphone.lockdown();
			const lockdownType = await probe.queryType();
			await probe.close();
			if (lockdownType !== 'com.apple.mobile.lockdown') {
				throw new DeviceError('protocol', 'This device does not answer like an iPhone.');
			}
			const session = await openTrustedSession(iphone, {
				store: this.#store,
				onWaitingForTrust: () => events.waitingForTrust?.(),
			});
			this.#session = session;
			return {
				udid: iphone.udid,
				name: session.info.deviceName,
				productType: session.info.productType,
				productVersion: session.info.productVersion,
				lockdownType,
				paired: session.paired,
			};
		} catch (error) {
			await this.disconnect();
			throw isDeviceError(error) ? error : new DeviceError('protocol', 'The iPhone did not answer as expected.', { cause: error });
		}
	}

	/**
	 * Reads the camera roll: every file under the photo folders, grouped into assets, each with its
	 * capture date and whether it is on the phone or only in iCloud.
	 */
	async readLibrary(onProgress?: (progress: LibraryProgress) => void): Promise<LibraryOverview> {
		const files = await this.#afc();
		const scan = await scanCameraRoll(files, {
			onProgress: (p) => onProgress?.({ stage: 'listing', done: p.filesFound }),
		});
		this.#assets = await describeAssets(files, groupAssets(scan.files), {
			concurrency: 16,
			onProgress: (done, total) => onProgress?.({ stage: 'reading-dates', done, total }),
		});
		const info = await files.deviceInfo();
		return overviewOf(this.#assets, { totalBytes: info.totalBytes, freeBytes: info.freeBytes });
	}

	/** The AFC connection, started once per session. */
	async #afc(): Promise<AfcClient> {
		if (this.#files) return this.#files;
		const iphone = this.#iphone;
		const session = this.#session;
		if (!iphone || !session) throw new DeviceError('no-device', 'Connect the iPhone first.');
		const service = await session.lockdown.startService('com.apple.afc', { escrowBag: session.record.escrowBag });
		this.#files = new AfcClient(await iphone.connect(service.port));
		return this.#files;
	}

	/** Unpairs the connected phone (when it is connected) and deletes this computer's pairing with it. */
	async forget(udid: string): Promise<void> {
		const session = this.#session;
		if (session && this.#iphone?.udid === udid) {
			await session.lockdown.unpair(session.record.hostId).catch(() => undefined);
		}
		await this.disconnect();
		await forgetDevice(this.#store, udid);
	}

	async disconnect(): Promise<void> {
		const iphone = this.#iphone;
		this.#iphone = undefined;
		this.#session = undefined;
		this.#files = undefined;
		this.#assets = [];
		if (!iphone) return;
		this.#closing = true;
		await iphone.close().catch(() => undefined);
	}
}
