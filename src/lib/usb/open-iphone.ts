import { DeviceError } from '../errors';
import { IPHONE_FILTERS, isAppleMobileDevice, udidFromSerialNumber, APPLE_VENDOR_ID } from './apple-device';
import type { HostOs } from './host-os';
import { findMuxInterface, isNetworkOnlyMode } from './mux-interface';
import type { UsbTransport } from './transport';
import { claimMux, type ClaimProgress } from './claim-mux';
import { networkOnlyMode, noIPhoneConnected, notAnIPhone, usbFailure } from './usb-failure';
import { usbStep } from './usb-step';
import { WebUsbTransport } from './webusb-transport';

export interface OpenIPhoneOptions {
	/** The device to open (from `requestIPhone`); otherwise one the page was granted before. */
	device?: USBDevice;
	/** Among several granted iPhones, the one with this UDID (or raw USB serial number). */
	udid?: string;
	/** The OS the browser runs on, for advice when another program holds the phone. */
	os?: HostOs;
	/** IN transfers kept waiting on the device; default 4. */
	inFlightTransfers?: number;
	/** Bytes per IN transfer, rounded up to a multiple of the packet size; default 64 KiB. */
	transferSize?: number;
	/** Send a zero-length OUT transfer after each one that is a multiple of the packet size; default off. */
	sendZeroLengthPackets?: boolean;
	/**
	 * Hears each try at claiming the phone, and when it was taken from another program (which then has
	 * lost it while the page holds it); words for the page: `claimProgressWords`.
	 */
	onClaimProgress?: (progress: ClaimProgress) => void;
	/** The pause between tries at claiming a phone another program holds; for tests. */
	claimPauseMs?: number;
}

const DEFAULT_IN_FLIGHT = 4;
const DEFAULT_TRANSFER_SIZE = 64 * 1024;

/** The Apple mobile devices among those the page may use (granted earlier), without opening any. */
export async function listIPhones(usb: USB): Promise<USBDevice[]> {
	let devices: USBDevice[];
	try {
		devices = await usb.getDevices();
	} catch (error) {
		throw usbFailure(error, 'request');
	}
	return devices.filter(isAppleMobileDevice);
}

/**
 * Shows the browser's chooser for Apple devices; call it from a click. Rejects with 'no-device' when
 * nothing was chosen.
 */
export async function requestIPhone(usb: USB, options: { os?: HostOs } = {}): Promise<USBDevice> {
	if (typeof usb.requestDevice !== 'function') {
		throw new DeviceError('no-webusb', 'USB devices can only be chosen from the page itself.');
	}
	try {
		return await usb.requestDevice({ filters: IPHONE_FILTERS });
	} catch (error) {
		throw usbFailure(error, 'request', options.os);
	}
}

/**
 * Opens an iPhone for usbmux: chooses the device, opens it, selects the configuration holding the mux
 * interface (the active one if it has it, else the highest), claims the interface (taking it from
 * another program where the OS allows: `claimMux`) and returns its bulk endpoints as a `UsbTransport`.
 * Every failure is a `DeviceError` with advice for `options.os`.
 */
export async function openIPhone(usb: USB, options: OpenIPhoneOptions = {}): Promise<UsbTransport> {
	const os = options.os ?? 'unknown';
	const device = options.device ?? (await chooseGranted(usb, options.udid));
	if (device.vendorId !== APPLE_VENDOR_ID) throw notAnIPhone(false, os);
	if (!findMuxInterface(device.configurations, activeValue(device))) {
		throw isNetworkOnlyMode(device.configurations) ? networkOnlyMode() : notAnIPhone(true, os);
	}

	await usbStep('open', os, () => device.open());
	try {
		// Chosen again now that the device is open: its active configuration is the current one.
		const mux = findMuxInterface(device.configurations, activeValue(device));
		if (!mux) throw notAnIPhone(true, os);
		await claimMux(device, mux, {
			os,
			...(options.onClaimProgress ? { onProgress: options.onClaimProgress } : {}),
			...(options.claimPauseMs === undefined ? {} : { pauseMs: options.claimPauseMs }),
		});
		const claimed = device.configuration?.interfaces.find((i) => i.interfaceNumber === mux.interfaceNumber);
		if (claimed && claimed.alternate.alternateSetting !== 0) {
			await usbStep('claim', os, () => device.selectAlternateInterface(mux.interfaceNumber, 0));
		}
		const inPacket = mux.inEndpoint.packetSize;
		const wanted = Math.max(options.transferSize ?? DEFAULT_TRANSFER_SIZE, inPacket);
		return new WebUsbTransport(usb, device, mux, {
			inFlightTransfers: Math.max(1, Math.floor(options.inFlightTransfers ?? DEFAULT_IN_FLIGHT)),
			transferSize: Math.ceil(wanted / inPacket) * inPacket,
			sendZeroLengthPackets: options.sendZeroLengthPackets ?? false,
			serialNumber: udidFromSerialNumber(device.serialNumber ?? ''),
			os,
		});
	} catch (error) {
		// Leave the device as we found it, so the next attempt (or another program) can have it.
		await device.close().catch(() => undefined);
		throw error;
	}
}

async function chooseGranted(usb: USB, udid: string | undefined): Promise<USBDevice> {
	const candidates = await listIPhones(usb);
	const chosen =
		udid === undefined
			? candidates[0]
			: candidates.find((d) => d.serialNumber === udid || udidFromSerialNumber(d.serialNumber ?? '') === udid);
	if (!chosen) throw noIPhoneConnected();
	return chosen;
}

function activeValue(device: USBDevice): number | null {
	return device.configuration?.configurationValue ?? null;
}
