import { DeviceError } from '../../lib/errors';
import type { ByteChannel } from '../../lib/streams/byte-channel';
import { readU32 } from '../../lib/bytes';
import {
	ControlType,
	DEVICE_WINDOW,
	MAX_DEVICE_PACKET_LENGTH,
	MAX_PACKET_LENGTH,
	MUX_HEADER_V1_SIZE,
	MUX_HEADER_V2_SIZE,
	MUX_MAGIC,
	MuxProtocol,
	TcpFlag,
} from '../../lib/usbmux/constants';
import { readMuxHeader, type MuxHeader } from '../../lib/usbmux/mux-header';
import { MuxFramer, decodeVersion, encodeVersion, tcpOverhead } from '../../lib/usbmux/mux-packets';
import { readTcpHeader, type TcpHeader } from '../../lib/usbmux/tcp-header';
import { SimConnection, type SimConnectionInfo, type SimConnectionLink } from './sim-connection';
import type { UsbmuxViolation, UsbmuxViolationKind } from './violations';

export interface SimUsbmuxDeviceOptions {
	/** The mux version the device answers: 2 (modern phones, the default) or 1. */
	version?: 1 | 2;
	/** The device's receive window per connection, in bytes (a multiple of 256). Default 131072. */
	window?: number;
	/** wMaxPacketSize, to spot host packets that would need a zero-length packet. Default 512. */
	packetSize?: number;
	/** Largest packet the device sends, header included. Default 32764, as a real phone. */
	maxPacketLength?: number;
	/**
	 * A phone that overshoots: it sends up to one packet past the window the host advertised. usbmuxd
	 * holds twice the window it advertises before it gives up on a connection, so a host must too.
	 */
	overshootWindow?: boolean;
	/**
	 * A phone that wants prompt ACKs: it sends no more than this many bytes ahead of the host's ACKs,
	 * whatever window the host advertises, and so stalls while the host holds its ACKs back ("Device
	 * likes it best when we are promptly ACKing data", usbmuxd src/device.c).
	 */
	sendAheadLimit?: number;
}

/** A device service: gets each accepted connection as a `ByteChannel`. */
export type ServiceHandler = (connection: ByteChannel) => void;

/**
 * The device end of the USB-level mux (protocol.md §2, §11): answers VERSION and SETUP, accepts
 * connections to listening ports, acknowledges what its services read, enforces its window like a
 * real iPhone ("amnesia" RST) and respects the host's. Fault hooks let tests refuse ports, reset
 * connections and stall the device; `violations` records whatever the host did wrong.
 *
 * `attach` joins it to the device end of a bulk pipe: each chunk on the channel's readable is one host
 * OUT transfer, each chunk written to its writable one whole device packet. Like a real phone it parses
 * one packet per OUT transfer (usbmuxd sends exactly one per transfer, src/usb.c `usb_send`; netmuxd's
 * writer flushes per frame because "the device parses one packet per transfer"): two packets in one
 * transfer, or one packet over two, is a violation ('transfer-framing') and the transfer is dropped.
 */
export class SimUsbmuxDevice {
	readonly #version: 1 | 2;
	readonly #window: number;
	readonly #packetSize: number;
	readonly #maxPacketLength: number;
	readonly #overshootWindow: boolean;
	readonly #sendAheadLimit: number;
	readonly #listeners = new Map<number, ServiceHandler>();
	readonly #refused = new Set<number>();
	readonly #violations: UsbmuxViolation[] = [];
	#stalled = false;
	#session: MuxSession | undefined;

	constructor(options: SimUsbmuxDeviceOptions = {}) {
		this.#version = options.version ?? 2;
		this.#window = options.window ?? DEVICE_WINDOW;
		this.#packetSize = options.packetSize ?? 512;
		this.#maxPacketLength = options.maxPacketLength ?? MAX_DEVICE_PACKET_LENGTH;
		this.#overshootWindow = options.overshootWindow ?? false;
		this.#sendAheadLimit = options.sendAheadLimit ?? Infinity;
	}

	/** Runs `handler` for every connection the host opens to `port`. */
	listen(port: number, handler: ServiceHandler): void {
		this.#listeners.set(port, handler);
	}

	unlisten(port: number): void {
		this.#listeners.delete(port);
	}

	/** While refused, a SYN to `port` gets RST even if a service listens there. */
	refusePort(port: number, refuse = true): void {
		if (refuse) this.#refused.add(port);
		else this.#refused.delete(port);
	}

	/** Sends RST now on every connection (to `port` only, if given), with `reason` as the RST's text. */
	resetConnections(port?: number, reason?: string): void {
		this.#session?.resetConnections(port, reason);
	}

	/** Stops sending anything (data, ACKs, answers) until `unstall`; what would have gone out waits. */
	stall(): void {
		this.#stalled = true;
	}

	unstall(): void {
		this.#stalled = false;
		this.#session?.releaseHeld();
	}

	/** Puts `bytes` on the IN pipe as they are, outside any framing: for tests of a device that lies about packets. */
	sendRaw(bytes: Uint8Array): Promise<void> {
		return this.#session?.sendRaw(bytes) ?? Promise.resolve();
	}

	get stalled(): boolean {
		return this.#stalled;
	}

	/** Everything the host did wrong since the device was made (or since `clearViolations`). */
	get violations(): readonly UsbmuxViolation[] {
		return this.#violations;
	}

	clearViolations(): void {
		this.#violations.length = 0;
	}

	/** The open connections, with their counters. */
	connections(): SimConnectionInfo[] {
		return this.#session?.connectionInfo() ?? [];
	}

	/**
	 * Serves the host on `channel` until the channel ends (the cable is pulled), then drops every
	 * connection. A new attach replaces the previous one: the device starts over, as after a replug.
	 */
	async attach(channel: ByteChannel): Promise<void> {
		this.detach();
		const session = new MuxSession(
			{
				version: this.#version,
				window: this.#window,
				packetSize: this.#packetSize,
				maxPacketLength: this.#maxPacketLength,
				overshootWindow: this.#overshootWindow,
				sendAheadLimit: this.#sendAheadLimit,
				listeners: this.#listeners,
				refused: this.#refused,
				stalled: () => this.#stalled,
				violation: (kind, detail) => void this.#violations.push({ kind, detail }),
			},
			channel,
		);
		this.#session = session;
		try {
			await session.run();
		} finally {
			if (this.#session === session) this.#session = undefined;
		}
	}

	/** Ends the current attachment, as if the cable were pulled on the device's side. */
	detach(): void {
		this.#session?.close();
		this.#session = undefined;
	}
}

interface DeviceContext {
	version: 1 | 2;
	window: number;
	packetSize: number;
	maxPacketLength: number;
	overshootWindow: boolean;
	sendAheadLimit: number;
	listeners: ReadonlyMap<number, ServiceHandler>;
	refused: ReadonlySet<number>;
	stalled(): boolean;
	violation(kind: UsbmuxViolationKind, detail: string): void;
}

type Phase = 'version' | 'setup' | 'active';

/** One attachment: the mux state between a VERSION and the end of the pipe. */
class MuxSession {
	readonly #ctx: DeviceContext;
	readonly #channel: ByteChannel;
	readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
	#framer = new MuxFramer();
	readonly #connections = new Map<number, SimConnection>();
	readonly #link: SimConnectionLink;
	#phase: Phase = 'version';
	/** The host's last v2 tx_seq; undefined until SETUP. */
	#hostTxSeq: number | undefined;
	/** The host's last rx_seq. */
	#hostRxSeq = 0xffff;
	#held: Uint8Array[] = [];
	readonly #ackDue = new Set<SimConnection>();
	#ackSoon = false;
	#ackTimer: ReturnType<typeof setTimeout> | undefined;
	#ended = false;

	constructor(ctx: DeviceContext, channel: ByteChannel) {
		this.#ctx = ctx;
		this.#channel = channel;
		this.#writer = channel.writable.getWriter();
		const session = this;
		this.#link = {
			window: ctx.window,
			get maxPayload() {
				return ctx.maxPacketLength - tcpOverhead(session.#framer.headerSize);
			},
			sendWindow(hostWindow) {
				const overshoot = ctx.overshootWindow ? this.maxPayload : 0;
				return Math.min(hostWindow + overshoot, ctx.sendAheadLimit);
			},
			send: (header, payload) => this.#emit(this.#framer.tcp(header, payload)),
			ackDue: (connection, soon) => this.#scheduleAck(connection, soon),
			released: (connection) => {
				const key = connectionKey(connection.hostPort, connection.port);
				if (this.#connections.get(key) === connection) this.#connections.delete(key);
			},
			violation: ctx.violation,
		};
	}

	async run(): Promise<void> {
		const reader = this.#channel.readable.getReader();
		try {
			for (;;) {
				const { value, done } = await reader.read();
				if (done || this.#ended) break;
				this.#input(value);
			}
		} catch {
			// The pipe broke: the cable is out.
		} finally {
			reader.releaseLock();
			this.close();
		}
	}

	close(): void {
		if (this.#ended) return;
		this.#ended = true;
		clearTimeout(this.#ackTimer);
		for (const connection of [...this.#connections.values()]) connection.drop();
		this.#connections.clear();
		this.#held = [];
		this.#writer.releaseLock();
		void this.#channel.close().catch(() => undefined);
	}

	resetConnections(port: number | undefined, reason: string | undefined): void {
		for (const connection of [...this.#connections.values()]) {
			if (port === undefined || connection.port === port) connection.reset(reason);
		}
	}

	sendRaw(bytes: Uint8Array): Promise<void> {
		return this.#emit(bytes).catch(() => undefined);
	}

	releaseHeld(): void {
		const held = this.#held;
		this.#held = [];
		for (const packet of held) void this.#emit(packet).catch(() => undefined);
	}

	connectionInfo(): SimConnectionInfo[] {
		return [...this.#connections.values()].map((connection) => connection.info);
	}

	/** One OUT transfer: exactly one packet, or it is dropped as a real phone would not read it. */
	#input(transfer: Uint8Array): void {
		const length = transfer.byteLength >= MUX_HEADER_V1_SIZE ? readU32(transfer, 4) : transfer.byteLength;
		if (length > MAX_PACKET_LENGTH || length < this.#framer.headerSize) {
			const text =
				length > MAX_PACKET_LENGTH
					? `asyncReadComplete, message was too large (${length} bytes, max = ${MAX_PACKET_LENGTH})`
					: `asyncReadComplete, message was too small (${length} bytes)`;
			this.#ctx.violation('bad-length', text);
			void this.#emit(this.#framer.control(ControlType.Error, text)).catch(() => undefined);
			return;
		}
		if (length !== transfer.byteLength) {
			this.#ctx.violation(
				'transfer-framing',
				`a ${transfer.byteLength}-byte OUT transfer holding a packet of ${length} bytes` +
					(length < transfer.byteLength ? ' and more after it' : ''),
			);
			return;
		}
		this.#packet(transfer);
	}

	#packet(packet: Uint8Array): void {
		if (this.#phase !== 'version' && isFreshVersionRequest(packet)) {
			// A new host on the same cable (the page was reloaded, usbmuxd restarted): like a phone, start
			// the mux over instead of treating the v1 header as a broken v2 one.
			this.#restart();
		}
		const headerSize = this.#framer.headerSize;
		if (headerSize === MUX_HEADER_V2_SIZE && packet.byteLength >= 12 && readU32(packet, 8) !== MUX_MAGIC) {
			this.#ctx.violation('bad-magic', `magic 0x${readU32(packet, 8).toString(16)}`);
			void this.#emit(this.#framer.control(ControlType.Error, 'bad magic in packet header')).catch(() => undefined);
			return;
		}
		let header: MuxHeader;
		try {
			header = readMuxHeader(packet, headerSize);
		} catch {
			this.#ctx.violation('malformed', `a ${packet.byteLength}-byte packet`);
			return;
		}
		if (packet.byteLength % this.#ctx.packetSize === 0) {
			this.#ctx.violation('zlp-length', `a ${packet.byteLength}-byte packet (protocol ${header.protocol})`);
		}
		if (headerSize === MUX_HEADER_V2_SIZE) this.#checkSeq(header);

		switch (header.protocol) {
			case MuxProtocol.Version:
				if (this.#phase === 'version') this.#answerVersion(packet.subarray(headerSize));
				return;
			case MuxProtocol.Setup:
				if (this.#phase === 'setup') this.#phase = 'active';
				return;
			case MuxProtocol.Tcp:
				if (this.#phase !== 'active') {
					this.#ctx.violation('malformed', `a connection packet before ${this.#phase.toUpperCase()}`);
					if (this.#phase === 'version') return;
				}
				this.#tcp(packet, headerSize);
				return;
			default:
				return;
		}
	}

	#restart(): void {
		for (const connection of [...this.#connections.values()]) connection.drop();
		this.#connections.clear();
		this.#ackDue.clear();
		this.#held = [];
		this.#framer = new MuxFramer();
		this.#hostTxSeq = undefined;
		this.#hostRxSeq = 0xffff;
		this.#phase = 'version';
	}

	#answerVersion(body: Uint8Array): void {
		try {
			decodeVersion(body);
		} catch {
			this.#ctx.violation('malformed', `a ${body.byteLength}-byte VERSION body`);
			return;
		}
		void this.#emit(encodeVersion({ major: this.#ctx.version, minor: 0 })).catch(() => undefined);
		if (this.#ctx.version === 2) {
			this.#framer.useVersion2();
			this.#phase = 'setup';
		} else {
			this.#phase = 'active';
		}
	}

	/** tx_seq must count up from 0 at SETUP; rx_seq must name a packet the device has sent (protocol.md §2.3). */
	#checkSeq(header: MuxHeader): void {
		const expectedTx = this.#hostTxSeq === undefined ? 0 : (this.#hostTxSeq + 1) & 0xffff;
		if (header.txSeq !== expectedTx) {
			this.#ctx.violation('bad-seq', `tx_seq ${header.txSeq} where ${expectedTx} was next`);
		}
		this.#hostTxSeq = header.txSeq;
		const lastSent = this.#framer.lastTxSeq;
		if (((header.rxSeq - this.#hostRxSeq) & 0xffff) > ((lastSent - this.#hostRxSeq) & 0xffff)) {
			this.#ctx.violation('bad-seq', `rx_seq ${header.rxSeq}; the device's last tx_seq was ${lastSent}`);
		}
		this.#framer.rxSeq = header.txSeq;
		this.#hostRxSeq = header.rxSeq;
	}

	#tcp(packet: Uint8Array, headerSize: number): void {
		let header: TcpHeader;
		let payloadOffset: number;
		try {
			({ header, payloadOffset } = readTcpHeader(packet, headerSize));
		} catch {
			this.#ctx.violation('malformed', `a ${packet.byteLength}-byte connection packet`);
			return;
		}
		const key = connectionKey(header.sourcePort, header.destinationPort);
		const existing = this.#connections.get(key);
		if (header.flags & TcpFlag.Syn) {
			existing?.drop();
			this.#accept(header, key);
			return;
		}
		if (existing === undefined) {
			if ((header.flags & TcpFlag.Rst) === 0) this.#refuse(header, header.ack);
			return;
		}
		existing.handle(header, packet.subarray(payloadOffset));
	}

	#accept(syn: TcpHeader, key: number): void {
		const port = syn.destinationPort;
		const handler = this.#ctx.listeners.get(port);
		if (handler === undefined || this.#ctx.refused.has(port)) {
			this.#refuse(syn, 0, (syn.seq + 1) >>> 0);
			return;
		}
		const connection = new SimConnection(this.#link, syn);
		this.#connections.set(key, connection);
		void this.#emit(this.#framer.tcp(connection.synAck())).catch(() => undefined);
		try {
			handler(connection.channel);
		} catch {
			connection.reset();
		}
	}

	/** RST|ACK for a SYN to a closed port, or for a packet on a connection the device does not know. */
	#refuse(to: TcpHeader, seq: number, ack: number = to.seq): void {
		const header: TcpHeader = {
			sourcePort: to.destinationPort,
			destinationPort: to.sourcePort,
			seq,
			ack,
			flags: TcpFlag.Rst | TcpFlag.Ack,
			window: this.#ctx.window,
		};
		void this.#emit(this.#framer.tcp(header)).catch(() => undefined);
	}

	#scheduleAck(connection: SimConnection, soon: boolean): void {
		this.#ackDue.add(connection);
		if (soon) {
			if (!this.#ackSoon) {
				this.#ackSoon = true;
				queueMicrotask(() => this.#flushAcks());
			}
		} else if (this.#ackTimer === undefined) {
			// Like a phone, wait a moment: a reply from the service usually carries the ACK for free.
			this.#ackTimer = setTimeout(() => this.#flushAcks(), 0);
		}
	}

	#flushAcks(): void {
		clearTimeout(this.#ackTimer);
		this.#ackTimer = undefined;
		this.#ackSoon = false;
		for (const connection of this.#ackDue) {
			const ack = connection.takeAck();
			if (ack !== undefined) void this.#emit(this.#framer.tcp(ack)).catch(() => undefined);
		}
		this.#ackDue.clear();
	}

	#emit(packet: Uint8Array): Promise<void> {
		if (this.#ended) {
			return Promise.reject(new DeviceError('connection-closed', 'The computer went away.'));
		}
		if (this.#ctx.stalled()) {
			this.#held.push(packet);
			return Promise.resolve();
		}
		const written = this.#writer.write(packet);
		written.catch(() => this.close());
		return written;
	}
}

function connectionKey(hostPort: number, port: number): number {
	return hostPort * 0x10000 + port;
}

/** A VERSION request in the 8-byte v1 layout every host starts with: protocol 0, length 20. */
function isFreshVersionRequest(packet: Uint8Array): boolean {
	return packet.byteLength === 20 && readU32(packet, 0) === MuxProtocol.Version && readU32(packet, 4) === 20;
}
