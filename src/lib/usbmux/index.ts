/** The USB-level mux, host side: `UsbmuxClient.open(transport)`, then `connect(port)` per device service. */
export { UsbmuxClient, type UsbmuxClientOptions } from './usbmux-client';
export { UsbmuxConnection } from './usbmux-connection';
export type { ControlMessage, MuxVersion } from './mux-packets';
export {
	ControlType,
	DEVICE_WINDOW,
	HOST_WINDOW,
	MAX_DEVICE_PACKET_LENGTH,
	MAX_HOST_PACKET_LENGTH,
	MAX_PACKET_LENGTH,
	MuxProtocol,
	TcpFlag,
} from './constants';
