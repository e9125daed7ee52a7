/**
 * What the virtual iPhone tells the USB host about itself, as plain data with WebUSB's field names:
 * the descriptors a `USBDevice` shows before it is opened. Plain data so it can cross a wire (the
 * end-to-end harness sends it to the page as JSON).
 */

export interface SimUsbEndpointInfo {
	readonly endpointNumber: number;
	readonly direction: 'in' | 'out';
	readonly type: 'bulk' | 'interrupt' | 'isochronous';
	readonly packetSize: number;
}

export interface SimUsbAlternateInfo {
	readonly alternateSetting: number;
	readonly interfaceClass: number;
	readonly interfaceSubclass: number;
	readonly interfaceProtocol: number;
	readonly interfaceName: string | null;
	readonly endpoints: readonly SimUsbEndpointInfo[];
}

export interface SimUsbInterfaceInfo {
	readonly interfaceNumber: number;
	readonly alternates: readonly SimUsbAlternateInfo[];
}

export interface SimUsbConfigurationInfo {
	readonly configurationValue: number;
	readonly configurationName: string | null;
	readonly interfaces: readonly SimUsbInterfaceInfo[];
}

/** Where the device's bulk pipe (the usbmux interface) lives; absent for devices without one. */
export interface SimUsbPipeInfo {
	readonly interfaceNumber: number;
	/** The configurations in which that interface is the pipe. */
	readonly configurations: readonly number[];
	readonly inEndpoint: number;
	readonly outEndpoint: number;
}

export interface SimUsbDeviceInfo {
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
	readonly configurations: readonly SimUsbConfigurationInfo[];
	/** bConfigurationValue of the active configuration; `null` when unconfigured. */
	readonly activeConfiguration: number | null;
	readonly pipe?: SimUsbPipeInfo;
}

/** A new-style (iPhone XS and later) UDID as the USB serial number reports it: 24 hex digits, no dash. */
export const SIM_IPHONE_SERIAL = '00008110000A10123AF9801E';
export const SIM_IPHONE_PRODUCT_ID = 0x12a8;

export interface IPhoneUsbInfoOptions {
	serialNumber?: string;
	productId?: number;
	/**
	 * 1 (PTP), as the phone comes up on most hosts; `null` is what Linux leaves after usbmuxd's udev rule
	 * sets configuration 0; 3 or 4 is what Windows with Apple's driver shows.
	 */
	activeConfiguration?: number | null;
	/** 512 at High-Speed; 1024 when a USB-C Pro model enumerates at SuperSpeed. */
	packetSize?: number;
}

const bulk = (endpointNumber: number, direction: 'in' | 'out', packetSize: number): SimUsbEndpointInfo => ({
	endpointNumber,
	direction,
	type: 'bulk',
	packetSize,
});

const single = (alternate: SimUsbAlternateInfo, interfaceNumber: number): SimUsbInterfaceInfo => ({
	interfaceNumber,
	alternates: [alternate],
});

/**
 * The descriptor set of an iPhone in its default USB mode (protocol.md §1.2): four configurations, the
 * usbmux interface (0xFF/0xFE/0x02, bulk OUT 0x04, bulk IN 0x85) as interface 1 of configurations 3
 * and 4. Endpoint numbers of the other interfaces are approximate, as in the dump they come from.
 */
export function iPhoneUsbInfo(options: IPhoneUsbInfoOptions = {}): SimUsbDeviceInfo {
	const packetSize = options.packetSize ?? 512;
	const ptp: SimUsbAlternateInfo = {
		alternateSetting: 0,
		interfaceClass: 0x06,
		interfaceSubclass: 0x01,
		interfaceProtocol: 0x01,
		interfaceName: 'PTP',
		endpoints: [
			bulk(1, 'in', packetSize),
			bulk(2, 'out', packetSize),
			{ endpointNumber: 3, direction: 'in', type: 'interrupt', packetSize: 64 },
		],
	};
	const mux: SimUsbAlternateInfo = {
		alternateSetting: 0,
		interfaceClass: 0xff,
		interfaceSubclass: 0xfe,
		interfaceProtocol: 0x02,
		interfaceName: 'Apple USB Multiplexor',
		endpoints: [bulk(4, 'out', packetSize), bulk(5, 'in', packetSize)],
	};
	const ethernet = (alternateSetting: number): SimUsbAlternateInfo => ({
		alternateSetting,
		interfaceClass: 0xff,
		interfaceSubclass: 0xfd,
		interfaceProtocol: 0x01,
		interfaceName: 'Apple USB Ethernet',
		endpoints: alternateSetting === 0 ? [] : [bulk(6, 'in', packetSize), bulk(7, 'out', packetSize)],
	});
	const audio = (interfaceSubclass: number, alternateSetting: number): SimUsbAlternateInfo => ({
		alternateSetting,
		interfaceClass: 0x01,
		interfaceSubclass,
		interfaceProtocol: 0x00,
		interfaceName: null,
		endpoints:
			alternateSetting === 0 ? [] : [{ endpointNumber: 1, direction: 'in', type: 'isochronous', packetSize: 192 }],
	});
	return {
		usbVersionMajor: 2,
		usbVersionMinor: 0,
		usbVersionSubminor: 0,
		deviceClass: 0,
		deviceSubclass: 0,
		deviceProtocol: 0,
		vendorId: 0x05ac,
		productId: options.productId ?? SIM_IPHONE_PRODUCT_ID,
		// bcdDevice: not taken from a capture; nothing reads it.
		deviceVersionMajor: 16,
		deviceVersionMinor: 0,
		deviceVersionSubminor: 3,
		manufacturerName: 'Apple Inc.',
		productName: 'iPhone',
		serialNumber: options.serialNumber ?? SIM_IPHONE_SERIAL,
		configurations: [
			{ configurationValue: 1, configurationName: 'PTP', interfaces: [single(ptp, 0)] },
			{
				configurationValue: 2,
				configurationName: 'iPod USB Interface',
				interfaces: [
					single(audio(0x01, 0), 0),
					{ interfaceNumber: 1, alternates: [audio(0x02, 0), audio(0x02, 1)] },
					single(
						{
							alternateSetting: 0,
							interfaceClass: 0x03,
							interfaceSubclass: 0x00,
							interfaceProtocol: 0x00,
							interfaceName: null,
							endpoints: [{ endpointNumber: 3, direction: 'in', type: 'interrupt', packetSize: 64 }],
						},
						2,
					),
				],
			},
			{
				configurationValue: 3,
				configurationName: 'PTP + Apple Mobile Device',
				interfaces: [single(ptp, 0), single(mux, 1)],
			},
			{
				configurationValue: 4,
				configurationName: 'PTP + Apple Mobile Device + Apple USB Ethernet',
				interfaces: [
					single(ptp, 0),
					single(mux, 1),
					{ interfaceNumber: 2, alternates: [ethernet(0), ethernet(1), ethernet(2)] },
				],
			},
		],
		activeConfiguration: options.activeConfiguration === undefined ? 1 : options.activeConfiguration,
		pipe: { interfaceNumber: 1, configurations: [3, 4], inEndpoint: 5, outEndpoint: 4 },
	};
}

/**
 * The descriptors of an iPhone in its network-only USB mode (iOS 17+ "mode 5", usbmuxd's `guess_mode`):
 * one configuration with CDC-NCM (a communication interface and its data interface) and no mux, so no
 * bulk pipe. Interface and endpoint numbers are assumed, not from a capture: the mode is told apart
 * by its one configuration and the CDC-NCM class.
 */
export function iPhoneNetworkOnlyUsbInfo(options: IPhoneUsbInfoOptions = {}): SimUsbDeviceInfo {
	const packetSize = options.packetSize ?? 512;
	const { pipe: _pipe, ...usual } = iPhoneUsbInfo(options);
	const data = (alternateSetting: number): SimUsbAlternateInfo => ({
		alternateSetting,
		interfaceClass: 0x0a,
		interfaceSubclass: 0x00,
		interfaceProtocol: 0x01,
		interfaceName: null,
		endpoints: alternateSetting === 0 ? [] : [bulk(1, 'in', packetSize), bulk(2, 'out', packetSize)],
	});
	return {
		...usual,
		configurations: [
			{
				configurationValue: 1,
				configurationName: 'NCM',
				interfaces: [
					single(
						{
							alternateSetting: 0,
							interfaceClass: 0x02,
							interfaceSubclass: 0x0d,
							interfaceProtocol: 0x00,
							interfaceName: 'NCM Control',
							endpoints: [{ endpointNumber: 3, direction: 'in', type: 'interrupt', packetSize: 64 }],
						},
						0,
					),
					{ interfaceNumber: 1, alternates: [data(0), data(1)] },
				],
			},
		],
		activeConfiguration: 1,
	};
}
