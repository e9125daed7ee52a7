import { findMuxInterface } from './mux-interface';

export const APPLE_VENDOR_ID = 0x05ac;
/** The product ids usbmuxd treats as iOS devices in normal mode (usbmuxd src/usb.h). */
export const IOS_PRODUCT_ID_MIN = 0x1290;
export const IOS_PRODUCT_ID_MAX = 0x12af;

/** What the browser's chooser is asked to show: every Apple device; the mux interface is checked after. */
export const IPHONE_FILTERS: USBDeviceFilter[] = [{ vendorId: APPLE_VENDOR_ID }];

/**
 * Whether a device may be an iPhone, iPad or iPod we can talk to: Apple's, and either in usbmuxd's
 * product id range or showing a usbmux interface in some configuration (newer devices outside the range).
 */
export function isAppleMobileDevice(device: USBDevice): boolean {
	if (device.vendorId !== APPLE_VENDOR_ID) return false;
	if (device.productId >= IOS_PRODUCT_ID_MIN && device.productId <= IOS_PRODUCT_ID_MAX) return true;
	return findMuxInterface(device.configurations, null) !== undefined;
}

/**
 * The UDID from the USB serial number: new-style serials (24 hex digits, iPhone XS and later) get the
 * dash usbmuxd inserts after the 8th digit (`00008110-000A10123AF9801E`); 40-digit ones stay as they are.
 */
export function udidFromSerialNumber(serialNumber: string): string {
	return /^[0-9a-fA-F]{24}$/.test(serialNumber) ? `${serialNumber.slice(0, 8)}-${serialNumber.slice(8)}` : serialNumber;
}
