/**
 * The virtual iPhone's USB side: its internals (`SimUsbHardware`), the `USBDevice` and `USB` objects a
 * page uses (`SimUsbDevice`, `SimUsb`), the registry of plugged devices and permissions, and the wire
 * that lets the internals live in another process or worker.
 */
export { iPhoneUsbInfo, SIM_IPHONE_SERIAL, SIM_IPHONE_PRODUCT_ID } from './descriptors';
export type {
	IPhoneUsbInfoOptions,
	SimUsbDeviceInfo,
	SimUsbConfigurationInfo,
	SimUsbInterfaceInfo,
	SimUsbAlternateInfo,
	SimUsbEndpointInfo,
	SimUsbPipeInfo,
} from './descriptors';
export type { InChunking } from './bulk-pipe';
export { echoDeviceEnd } from './echo';
export { SimUsbFaults } from './faults';
export { SimUsbHardware } from './hardware';
export { linuxUsbmuxd, macosUsbmuxd, type SimUsbHolder } from './holder';
export type { SimUsbHardwareOptions, SimUsbTraceEvent } from './hardware';
export { CHROMIUM, chromiumError, goneLink } from './link';
export type { SimUsbLink, SimInResult, SimOutResult, SimControlSetup, SimTransferStatus } from './link';
export { SimUsbDevice } from './device';
export { SimUsbRegistry, matchesFilter } from './registry';
export type { SimUsbDeviceRef, SimUsbRegistryEvent, SimUsbRegistryLink, SimUsbFilter, SimUsbRequestOptions } from './registry';
export { SimUsb } from './sim-usb';
export { createWireSocketPair, messagePortWireSocket } from './wire/socket';
export type { WireSocket, WireDialer } from './wire/socket';
export { WireSimUsbLink } from './wire/device-client';
export { WireSimUsbRegistryLink } from './wire/registry-client';
export { serveSimUsb, serveSimUsbDevice, serveSimUsbRegistry } from './wire/server';
