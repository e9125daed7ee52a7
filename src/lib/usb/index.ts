/** The product's USB layer: find, open and claim an iPhone over a `USB` object; failures in plain words. */
export type { UsbTransport } from './transport';
export { openIPhone, listIPhones, requestIPhone, type OpenIPhoneOptions } from './open-iphone';
export { CLAIM_PLANS, type ClaimMethod, type ClaimPlan, type ClaimProgress } from './claim-mux';
export { claimProgressWords } from './claim-words';
export { platformNotices, type BrowserFeatures, type PlatformNotice } from './platform-guidance';
export {
	APPLE_VENDOR_ID,
	IOS_PRODUCT_ID_MIN,
	IOS_PRODUCT_ID_MAX,
	IPHONE_FILTERS,
	isAppleMobileDevice,
	udidFromSerialNumber,
} from './apple-device';
export { findMuxInterface, isNetworkOnlyMode, muxInterfaceOf, type MuxInterfaceLocation } from './mux-interface';
export { hostOsFromPlatform, type HostOs } from './host-os';
export { usbFailure, type UsbStep } from './usb-failure';
export { WebUsbTransport, type WebUsbTransportOptions } from './webusb-transport';
