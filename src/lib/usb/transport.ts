/**
 * The one seam between WebUSB and the protocols above it: the usbmux interface's two bulk endpoints
 * seen as a byte pipe. The host's usbmux layer reads and writes through this and nothing else, so the
 * same code runs over a real iPhone, the virtual one in a worker, or one behind a WebSocket in tests.
 */
export interface UsbTransport {
	/**
	 * Bulk-IN data in whatever pieces the transfers returned: a piece may hold part of a mux packet or
	 * several. Empty transfers are not passed on. Errors with a `DeviceError` ('unplugged',
	 * 'usb-transfer') when the device goes away.
	 */
	readonly readable: ReadableStream<Uint8Array>;
	/** Each chunk written goes out as one bulk-OUT transfer. */
	readonly writable: WritableStream<Uint8Array>;
	/** wMaxPacketSize of the bulk endpoints: 512 at high speed, 1024 at SuperSpeed. */
	readonly packetSize: number;
	/** The device's serial number: the iPhone's UDID. */
	readonly serialNumber: string;
	/** Settles once the transport has ended, for whatever reason; never rejects. */
	readonly closed: Promise<void>;
	/** Releases the interface and closes the device. Safe to call more than once. */
	close(): Promise<void>;
}
