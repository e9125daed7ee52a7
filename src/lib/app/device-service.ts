import { DeviceError, isDeviceError } from '../errors';
import { IPhone } from '../iphone';
import type { HostOs } from '../usb';

export interface ConnectedIPhone {
	udid: string;
	/** lockdownd's answer to QueryType: proof that the whole path to the phone works. */
	lockdownType: string;
}

/** What the page hears about the phone after connecting. */
export interface DeviceEvents {
	/** The phone went away (cable pulled) or the connection broke; `error` says how, in plain words. */
	disconnected(error: { code: string; message: string; advice?: string }): void;
}

/**
 * The device side of the app, run in a dedicated worker so the page only renders: it opens the
 * iPhone the page was granted, holds the connection and reports what happens to it.
 */
export class DeviceService {
	readonly #usb: () => USB;
	#iphone: IPhone | undefined;
	#closing = false;

	constructor(usb: () => USB) {
		this.#usb = usb;
	}

	async connect(options: { udid?: string; os?: HostOs }, events?: DeviceEvents): Promise<ConnectedIPhone> {
		await this.disconnect();
		const usb = this.#usb();
		if (!usb) throw new DeviceError('no-webusb', 'This browser cannot talk to USB devices.');
		const iphone = await IPhone.open(usb, options);
		this.#iphone = iphone;
		this.#closing = false;
		try {
			const lockdown = await iphone.lockdown();
			const lockdownType = await lockdown.queryType();
			void iphone.closed.then(() => {
				if (this.#iphone !== iphone || this.#closing) return;
				this.#iphone = undefined;
				events?.disconnected({
					code: 'unplugged',
					message: 'The iPhone was disconnected.',
					advice: 'Check the cable, plug the iPhone back in and connect again. Nothing already copied is lost.',
				});
			});
			return { udid: iphone.udid, lockdownType };
		} catch (error) {
			await this.disconnect();
			throw isDeviceError(error) ? error : new DeviceError('protocol', 'The iPhone did not answer as expected.', { cause: error });
		}
	}

	async disconnect(): Promise<void> {
		const iphone = this.#iphone;
		this.#iphone = undefined;
		if (!iphone) return;
		this.#closing = true;
		await iphone.close().catch(() => undefined);
	}
}
