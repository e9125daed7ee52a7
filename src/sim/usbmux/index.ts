/** The virtual iPhone's end of the USB-level mux, and an in-memory transport to reach it without USB. */
export { SimUsbmuxDevice, type ServiceHandler, type SimUsbmuxDeviceOptions } from './sim-usbmux-device';
export type { SimConnectionInfo } from './sim-connection';
export type { UsbmuxViolation, UsbmuxViolationKind } from './violations';
export { createSimUsbTransport, type SimUsbTransport, type SimUsbTransportOptions } from './sim-usb-transport';
