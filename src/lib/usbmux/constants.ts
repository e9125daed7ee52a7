/**
 * Numbers of the USB-level mux protocol (docs: protocol.md §1.5 and §2). All multi-byte fields on the
 * wire are big-endian.
 */

/** The `protocol` field of the mux header. */
export const MuxProtocol = {
	Version: 0,
	Control: 1,
	Setup: 2,
	Tcp: 6,
} as const;

/** Version-1 header: protocol, length. Used for VERSION with any device and for everything with a v1 device. */
export const MUX_HEADER_V1_SIZE = 8;
/** Version-2 header: protocol, length, magic, tx_seq, rx_seq. */
export const MUX_HEADER_V2_SIZE = 16;
export const MUX_MAGIC = 0xfeedface;

export type MuxHeaderSize = typeof MUX_HEADER_V1_SIZE | typeof MUX_HEADER_V2_SIZE;

/** The 20-byte TCP header that follows the mux header in protocol-6 packets (no options). */
export const TCP_HEADER_SIZE = 20;

export const TcpFlag = {
	Fin: 0x01,
	Syn: 0x02,
	Rst: 0x04,
	Ack: 0x10,
} as const;

/** The device rejects host packets longer than this with a CONTROL error (usbmuxd#247). */
export const MAX_PACKET_LENGTH = 65535;
/** Largest packet the host sends: usbmuxd's proven USB_MTU. */
export const MAX_HOST_PACKET_LENGTH = 49152;
/** Largest packet a real device sends (0x7FFC). */
export const MAX_DEVICE_PACKET_LENGTH = 32764;

/**
 * What a phone's IN pipe may hold that is not packets of this session, at most: a few packets of up to
 * 64 KiB left from an earlier host. More in a row than this is a phone that does not speak the protocol.
 */
export const MAX_LEFTOVER_BYTES = 1024 * 1024;

/** Window fields carry the window in units of 256 bytes ("constant-scaled by 8 bits"). */
export const WINDOW_SCALE_SHIFT = 8;
/** What a real iPhone advertises (field 0x0200). */
export const DEVICE_WINDOW = 131072;
/** What the host advertises (field 0x0800, usbmuxd2's value): several 32 KiB device packets in flight. */
export const HOST_WINDOW = 512 * 1024;

/** The SETUP packet's one-byte payload. */
export const SETUP_PAYLOAD = 0x07;

/** CONTROL packet types (first payload byte). */
export const ControlType = {
	Error: 3,
	Warning: 5,
	Info: 7,
} as const;
