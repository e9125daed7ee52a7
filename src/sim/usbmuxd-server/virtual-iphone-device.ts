import { openIPhone } from '../../lib/usb';
import { UsbmuxClient } from '../../lib/usbmux';
import { SimUsb } from '../usb';
import type { VirtualIPhone } from '../virtual-iphone';
import type { FrontendDevice } from './server-node';

/**
 * The virtual iPhone as the usbmuxd front-end announces it. Like usbmuxd itself, the front-end is host
 * software: it claims the phone over (virtual) USB with our own USB and usbmux layers, and each client
 * Connect becomes a usbmux connection — so third-party tools exercise the simulator's whole stack, from
 * the USB transfers up.
 */
export async function virtualIPhoneDevice(phone: VirtualIPhone, deviceId = 1): Promise<FrontendDevice> {
	const usb = new SimUsb();
	usb.plug(phone.hardware, { granted: true });
	const mux = await UsbmuxClient.open(await openIPhone(usb, { udid: phone.udid }));
	return {
		deviceId,
		productId: phone.hardware.info.productId,
		udid: phone.udid,
		locationId: 0x14100000 + deviceId,
		connect: (port) => mux.connect(port),
	};
}
