import { readU32 } from '../bytes';
import { DeviceError, isDeviceError } from '../errors';
import type { UsbTransport } from '../usb/transport';
import {
	HOST_WINDOW,
	MAX_HOST_PACKET_LENGTH,
	MAX_LEFTOVER_BYTES,
	MAX_PACKET_LENGTH,
	MUX_HEADER_V1_SIZE,
	MUX_HEADER_V2_SIZE,
	MuxProtocol,
	TcpFlag,
	WINDOW_SCALE_SHIFT,
} from './constants';
import { readMuxHeader } from './mux-header';
import {
	MuxFramer,
	decodeControl,
	decodeVersion,
	encodeVersion,
	tcpOverhead,
	type ControlMessage,
	type MuxVersion,
} from './mux-packets';
import { PacketReassembler } from './packet-reassembler';
import { readTcpHeader, type TcpHeader } from './tcp-header';
import { UsbmuxConnection, type ConnectionLink } from './usbmux-connection';

export interface UsbmuxClientOptions {
	/** Our receive window per connection in bytes (rounded down to 256). Default 512 KiB. */
	receiveWindow?: number;
	/** How long a connection request may go unanswered, in ms. Default 10 s. */
	connectTimeout?: number;
	/** How long the device may take to answer VERSION, in ms. Default 5 s. */
	handshakeTimeout?: number;
	/** CONTROL messages the device sends (errors, warnings, information), for logging. */
	onControlMessage?: (message: ControlMessage) => void;
}

/**
 * How long an ACK for a small amount may wait for a packet to carry it (protocol.md §2.5: at most one
 * per ~1 ms is fine; the device's window is far larger than what waits).
 */
const ACK_DELAY_MS = 1;

const UNPLUGGED = () =>
	new DeviceError('unplugged', 'The iPhone was disconnected.', {
		advice: 'Plug the iPhone back in, unlock it and try again.',
	});

/**
 * The host end of the USB-level mux (protocol.md §2): negotiates the version over a `UsbTransport`,
 * then carries any number of pseudo-TCP connections to device ports at once.
 *
 * One read loop cuts the transport's bytes into packets and dispatches them; every packet we send goes
 * through one ordered writer. When the transport fails or ends, every pending connect and every open
 * connection fails with that error at once.
 */
export class UsbmuxClient {
	/** Resolves with the reason once the client has ended (unplugged, closed by us, …); never rejects. */
	readonly closed: Promise<DeviceError>;

	readonly #transport: UsbTransport;
	readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
	readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
	readonly #framer = new MuxFramer();
	readonly #reassembler: PacketReassembler;
	/** RSTs for unknown connections written and not yet gone out. */
	#resetsOutstanding = 0;
	/** Bytes dropped before the VERSION answer (see `#dropStale`). */
	#staleBytes = 0;
	readonly #connections = new Map<number, UsbmuxConnection>();
	readonly #link: ConnectionLink;
	readonly #connectTimeout: number;
	readonly #onControlMessage: ((message: ControlMessage) => void) | undefined;
	#version: MuxVersion | undefined;
	#handshake: { resolve: () => void; reject: (error: DeviceError) => void } | undefined;
	#nextPort = 1;
	readonly #ackDue = new Set<UsbmuxConnection>();
	#ackFlushScheduled = false;
	#ackTimer: ReturnType<typeof setTimeout> | undefined;
	#dispatching = false;
	#lastWrite: Promise<unknown> = Promise.resolve();
	#ended: DeviceError | undefined;
	#resolveClosed!: (reason: DeviceError) => void;
	#shutdown: Promise<void> | undefined;

	private constructor(transport: UsbTransport, options: UsbmuxClientOptions) {
		this.#transport = transport;
		this.#reassembler = new PacketReassembler(MAX_PACKET_LENGTH, transport.packetSize);
		this.#reader = transport.readable.getReader();
		this.#writer = transport.writable.getWriter();
		this.#connectTimeout = options.connectTimeout ?? 10_000;
		this.#onControlMessage = options.onControlMessage;
		this.closed = new Promise((resolve) => {
			this.#resolveClosed = resolve;
		});
		const window = Math.min(0xffff << WINDOW_SCALE_SHIFT, options.receiveWindow ?? HOST_WINDOW);
		const receiveWindow = Math.max(1 << WINDOW_SCALE_SHIFT, window - (window % (1 << WINDOW_SCALE_SHIFT)));
		const framer = this.#framer;
		this.#link = {
			receiveWindow,
			get overhead() {
				return tcpOverhead(framer.headerSize);
			},
			get maxPayload() {
				return MAX_HOST_PACKET_LENGTH - tcpOverhead(framer.headerSize);
			},
			packetSize: transport.packetSize,
			send: (header, payload) => this.#sendTcp(header, payload),
			ready: () => this.#ready(),
			ackDue: (connection) => this.#scheduleAck(connection),
			released: (connection) => {
				if (this.#connections.get(connection.sourcePort) === connection) {
					this.#connections.delete(connection.sourcePort);
				}
			},
		};
	}

	/**
	 * Starts the mux on a claimed USB interface: VERSION (we ask for 2), then SETUP for a v2 device. A v1
	 * device keeps 8-byte headers. On failure the transport is closed and the error thrown.
	 */
	static async open(transport: UsbTransport, options: UsbmuxClientOptions = {}): Promise<UsbmuxClient> {
		const client = new UsbmuxClient(transport, options);
		await client.#start(options.handshakeTimeout ?? 5_000);
		return client;
	}

	/** The protocol version the device answered (major 1 or 2). */
	get version(): MuxVersion {
		return this.#version ?? { major: 0, minor: 0 };
	}

	/**
	 * Opens a connection to a device port (SYN → SYN/ACK → ACK). Fails with 'port-closed' when the device
	 * refuses, 'timeout' when it does not answer, or the client's own error once it has ended.
	 */
	async connect(port: number): Promise<UsbmuxConnection> {
		if (this.#ended !== undefined) throw this.#ended;
		if (!Number.isInteger(port) || port < 1 || port > 0xffff) {
			throw new DeviceError('protocol', `The iPhone named a service port that cannot exist (${port}).`);
		}
		const connection = new UsbmuxConnection(this.#link, this.#allocatePort(), port);
		this.#connections.set(connection.sourcePort, connection);
		await connection.open(this.#connectTimeout);
		return connection;
	}

	/** Resets every connection, then closes the transport. Safe to call more than once. */
	async close(): Promise<void> {
		if (this.#ended === undefined) {
			const closing = new DeviceError('connection-closed', 'The connection to the iPhone was closed.');
			for (const connection of [...this.#connections.values()]) connection.end(closing, true);
			this.#fail(closing);
		}
		await this.#shutdown;
	}

	async #start(handshakeTimeout: number): Promise<void> {
		const answered = new Promise<void>((resolve, reject) => {
			this.#handshake = { resolve, reject };
		});
		void this.#readLoop();
		void this.#transport.closed.then(() => this.#fail(UNPLUGGED()));
		this.#write(encodeVersion({ major: 2, minor: 0 }));
		const timer = setTimeout(() => {
			this.#fail(
				new DeviceError('timeout', 'The iPhone did not answer when we started talking to it over USB.', {
					advice:
						'Unplug the iPhone, plug it back in, unlock it and try again. Another program on this computer may be using it.',
				}),
			);
		}, handshakeTimeout);
		try {
			await answered;
		} catch (error) {
			await this.#shutdown;
			throw error;
		} finally {
			clearTimeout(timer);
		}
	}

	async #readLoop(): Promise<void> {
		try {
			for (;;) {
				const { value, done } = await this.#reader.read();
				if (this.#ended !== undefined) return;
				if (done) return this.#fail(UNPLUGGED());
				if (value.byteLength === 0) continue;
				if (this.#version === undefined && this.#reassembler.pendingBytes === 0 && isStaleTransfer(value)) {
					this.#dropStale(value.byteLength);
					continue;
				}
				this.#dispatching = true;
				try {
					for (const packet of this.#reassembler.push(value)) {
						this.#dispatch(packet);
						if (this.#ended !== undefined) return;
					}
				} finally {
					this.#dispatching = false;
				}
				// One ACK per connection for everything this piece delivered.
				this.#flushAcks();
			}
		} catch (error) {
			this.#fail(asDeviceError(error, 'usb-transfer'));
		}
	}

	/**
	 * Until the phone answers VERSION, a transfer that does not begin with that answer was in its IN pipe
	 * from before: the tail of a packet it was sending when the last host went, packets for connections
	 * of an earlier session (after a replug, a reload, a crash). Each USB transfer starts a packet, so
	 * such a transfer is dropped whole, as usbmuxd drops a transfer it cannot read as one, rather than
	 * taken for the start of a packet whose made-up length would swallow the answer.
	 */
	#dropStale(bytes: number): void {
		this.#staleBytes += bytes;
		if (this.#staleBytes > MAX_LEFTOVER_BYTES) {
			throw new DeviceError('protocol', 'The iPhone kept sending data from an earlier connection instead of answering.', {
				advice: 'Unplug the iPhone, plug it back in and try again.',
			});
		}
	}

	#dispatch(packet: Uint8Array): void {
		const header = readMuxHeader(packet, this.#framer.headerSize);
		if (this.#framer.headerSize === MUX_HEADER_V2_SIZE) this.#framer.rxSeq = header.txSeq;
		const body = packet.subarray(this.#framer.headerSize);
		switch (header.protocol) {
			case MuxProtocol.Version:
				return this.#onVersion(body);
			case MuxProtocol.Control:
				return this.#onControlMessage?.(decodeControl(body));
			case MuxProtocol.Tcp:
				return this.#onTcp(packet);
			default:
				// Unknown protocols are skipped, as usbmuxd does.
				return;
		}
	}

	#onVersion(body: Uint8Array): void {
		if (this.#version !== undefined) return;
		const version = decodeVersion(body);
		if (version.major !== 1 && version.major !== 2) {
			throw new DeviceError(
				'protocol',
				`The iPhone speaks a version of the USB protocol we do not know (${version.major}.${version.minor}).`,
				{ advice: 'Check for an update of this page.' },
			);
		}
		this.#version = version;
		if (version.major === 2) {
			this.#framer.useVersion2();
			this.#reassembler.minimumLength = MUX_HEADER_V2_SIZE;
			this.#write(this.#framer.setup());
		}
		this.#handshake?.resolve();
		this.#handshake = undefined;
	}

	#onTcp(packet: Uint8Array): void {
		if (this.#version === undefined) return;
		const { header, payloadOffset } = readTcpHeader(packet, this.#framer.headerSize);
		const connection = this.#connections.get(header.destinationPort);
		if (connection === undefined || connection.port !== header.sourcePort) {
			// Not ours (any more): tell the device to forget it, unless it is itself a RST, and unless as
			// many RSTs are still on their way out: a phone flooding unknown ports must not grow a queue.
			if ((header.flags & TcpFlag.Rst) === 0 && this.#resetsOutstanding < MAX_RESETS_OUTSTANDING) {
				this.#resetsOutstanding++;
				const sent = this.#sendTcp({
					sourcePort: header.destinationPort,
					destinationPort: header.sourcePort,
					seq: 0,
					ack: header.seq,
					flags: TcpFlag.Rst,
					window: 0,
				});
				void sent.finally(() => this.#resetsOutstanding--);
			}
			return;
		}
		connection.handle(header, packet.subarray(payloadOffset));
	}

	#scheduleAck(connection: UsbmuxConnection): void {
		this.#ackDue.add(connection);
		if (this.#dispatching || this.#ackFlushScheduled) return;
		this.#ackFlushScheduled = true;
		queueMicrotask(() => this.#flushAcks());
	}

	/**
	 * Sends the ACKs owed: at once for a connection whose reader freed much of the window, the rest after
	 * a moment (ACK_DELAY_MS), by which time a request on the same connection has usually carried them.
	 * Without the delay a scan sent two pure ACKs per file (afcd writes a reply's header and body as two
	 * segments), twice as many USB transfers as the requests themselves.
	 */
	#flushAcks(all = false): void {
		this.#ackFlushScheduled = false;
		if (this.#ackDue.size === 0) return;
		let waiting = false;
		for (const connection of this.#ackDue) {
			if (!all && !connection.ackPressing) {
				waiting = true;
				continue;
			}
			this.#ackDue.delete(connection);
			const ack = connection.takeAck();
			if (ack !== undefined) this.#sendTcp(ack);
		}
		if (waiting && this.#ackTimer === undefined) {
			this.#ackTimer = setTimeout(() => {
				this.#ackTimer = undefined;
				this.#flushAcks(true);
			}, ACK_DELAY_MS);
		}
	}

	/** Sends a TCP packet; the promise settles once the transfer has gone (or failed), never rejects. */
	#sendTcp(header: TcpHeader, payload?: Uint8Array): Promise<void> {
		if (this.#ended !== undefined) return Promise.resolve();
		return this.#write(this.#framer.tcp(header, payload));
	}

	#write(packet: Uint8Array): Promise<void> {
		if (this.#ended !== undefined) return Promise.resolve();
		const written = this.#writer.write(packet);
		this.#lastWrite = written;
		return written.catch((error: unknown) => this.#fail(asDeviceError(error, 'usb-transfer')));
	}

	async #ready(): Promise<void> {
		if (this.#ended !== undefined) throw this.#ended;
		try {
			await this.#writer.ready;
		} catch (error) {
			throw asDeviceError(error, 'usb-transfer');
		}
	}

	#allocatePort(): number {
		// Round robin rather than lowest-free, so a late packet for a connection just closed cannot be
		// taken for one that reuses its port at once.
		for (let tries = 0; tries < 0xffff; tries++) {
			const port = this.#nextPort;
			this.#nextPort = port === 0xffff ? 1 : port + 1;
			if (!this.#connections.has(port)) return port;
		}
		throw new DeviceError('protocol', 'Too many connections to the iPhone are open at once.');
	}

	/** Ends the client: everything pending fails with `error`, then the transport is closed. */
	#fail(error: DeviceError): void {
		if (this.#ended !== undefined) return;
		this.#ended = error;
		this.#handshake?.reject(error);
		this.#handshake = undefined;
		for (const connection of [...this.#connections.values()]) connection.end(error, false);
		this.#connections.clear();
		this.#ackDue.clear();
		clearTimeout(this.#ackTimer);
		this.#ackTimer = undefined;
		this.#resolveClosed(error);
		this.#shutdown = this.#release(error);
	}

	async #release(error: DeviceError): Promise<void> {
		// Let the RSTs of a deliberate close reach the device before the interface is released, but do
		// not wait forever on a device that has stopped taking data.
		let timer: ReturnType<typeof setTimeout> | undefined;
		await Promise.race([
			this.#lastWrite.catch(() => undefined),
			new Promise((resolve) => (timer = setTimeout(resolve, 1_000))),
		]);
		clearTimeout(timer);
		this.#reader.cancel(error).catch(() => undefined);
		this.#writer.releaseLock();
		await this.#transport.close().catch(() => undefined);
	}
}

function asDeviceError(error: unknown, code: 'usb-transfer'): DeviceError {
	if (isDeviceError(error)) return error;
	return new DeviceError(code, 'The USB connection to the iPhone failed.', {
		cause: error,
		advice: 'Unplug the iPhone, plug it back in and try again.',
	});
}

/** RSTs for packets of unknown connections that may wait to go out at once; more are not sent. */
const MAX_RESETS_OUTSTANDING = 16;

/**
 * A transfer, at a packet boundary before the VERSION answer, that cannot begin it: its header is not a
 * v1 VERSION header (protocol 0, a 12- to 56-byte body). Fewer bytes than a header cannot be told and
 * are taken as its start.
 */
function isStaleTransfer(piece: Uint8Array): boolean {
	if (piece.byteLength < MUX_HEADER_V1_SIZE) return false;
	const length = readU32(piece, 4);
	return readU32(piece, 0) !== MuxProtocol.Version || length < MUX_HEADER_V1_SIZE + 12 || length > 64;
}
