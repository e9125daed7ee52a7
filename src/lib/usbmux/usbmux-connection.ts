import { DeviceError } from '../errors';
import type { ByteChannel } from '../streams/byte-channel';
import { MAX_DEVICE_PACKET_LENGTH, TcpFlag } from './constants';
import { InboundQueue } from './inbound-queue';
import { SendWindow } from './send-window';
import type { TcpHeader } from './tcp-header';

/** What a connection needs from the client that owns the USB pipe. */
export interface ConnectionLink {
	/** Our receive window in bytes, as advertised in every packet. */
	readonly receiveWindow: number;
	/** The largest payload one data packet may carry. */
	readonly maxPayload: number;
	/** Mux + TCP header bytes in front of a payload. */
	readonly overhead: number;
	/** wMaxPacketSize of the bulk endpoints. */
	readonly packetSize: number;
	/** Sends one packet now, in order with every other packet of the client. */
	send(header: TcpHeader, payload?: Uint8Array): void;
	/** Resolves when the USB pipe can take another data packet. */
	ready(): Promise<void>;
	/** This connection may owe the device an ACK: send it soon, together with others. */
	ackDue(connection: UsbmuxConnection): void;
	/** The connection is over: its source port is free again. */
	released(connection: UsbmuxConnection): void;
}

type State = 'connecting' | 'open' | 'ended';

/**
 * One pseudo-TCP connection to a device port, as a `ByteChannel` (protocol.md §2.5). Made by
 * `UsbmuxClient.connect`.
 *
 * Reading: chunks are views of the device's packets (no copy); the device is acknowledged only for
 * bytes the reader has taken. Writing: a chunk goes out in as few packets as the device's window allows.
 * Closing the writable alone does nothing (usbmux has no half-close); `close()` sends a RST.
 */
export class UsbmuxConnection implements ByteChannel {
	readonly readable: ReadableStream<Uint8Array>;
	readonly writable: WritableStream<Uint8Array>;
	/** The device port. */
	readonly port: number;
	/** Our end's port number: this connection's id on the USB pipe. */
	readonly sourcePort: number;
	/** Resolves with the reason once the connection has ended; never rejects. */
	readonly closed: Promise<DeviceError>;

	readonly #link: ConnectionLink;
	readonly #inbound: InboundQueue;
	#window = new SendWindow(0, 0, 0);
	#state: State = 'connecting';
	#error: DeviceError | undefined;
	#deviceIsn = 0;
	#received = 0;
	#consumed = 0;
	/** `#consumed` as of the last ack we sent. */
	#ackedConsumed = 0;
	#writableController!: WritableStreamDefaultController;
	#resolveClosed!: (reason: DeviceError) => void;
	#established: { resolve: () => void; reject: (error: DeviceError) => void } | undefined;
	#connectTimer: ReturnType<typeof setTimeout> | undefined;

	/** @internal Made by `UsbmuxClient.connect`. */
	constructor(link: ConnectionLink, sourcePort: number, port: number) {
		this.#link = link;
		this.sourcePort = sourcePort;
		this.port = port;
		this.closed = new Promise((resolve) => {
			this.#resolveClosed = resolve;
		});
		this.#inbound = new InboundQueue({
			consumed: (bytes) => this.#onConsumed(bytes),
			cancelled: () => void this.close(),
		});
		this.readable = this.#inbound.readable;
		this.writable = new WritableStream<Uint8Array>({
			start: (controller) => {
				this.#writableController = controller;
			},
			write: (chunk) => this.#write(chunk),
			close: () => undefined,
			abort: () => this.close(),
		});
	}

	/** Bytes the device sent that the reader has not taken yet (at most our receive window). */
	get bufferedAmount(): number {
		return this.#inbound.buffered;
	}

	/** Sends RST and ends both directions. Safe to call more than once. */
	async close(): Promise<void> {
		this.end(new DeviceError('connection-closed', 'The connection to the iPhone was closed.'), true);
	}

	/** @internal Sends SYN and waits for the device's answer. */
	open(timeoutMs: number): Promise<void> {
		const established = new Promise<void>((resolve, reject) => {
			this.#established = { resolve, reject };
		});
		this.#link.send(this.#header(TcpFlag.Syn));
		this.#connectTimer = setTimeout(() => {
			this.end(
				new DeviceError('timeout', `The iPhone did not answer a connection request to port ${this.port}.`, {
					advice: 'Unplug the iPhone, plug it back in, unlock it and try again.',
				}),
				true,
			);
		}, timeoutMs);
		return established;
	}

	/** @internal A packet from the device for this connection. */
	handle(header: TcpHeader, payload: Uint8Array): void {
		if (this.#state === 'connecting') {
			if (header.flags === (TcpFlag.Syn | TcpFlag.Ack)) this.#establish(header);
			else if (header.flags & TcpFlag.Rst) {
				this.end(
					new DeviceError('port-closed', `The iPhone refused a connection to port ${this.port}.`, {
						advice: 'The service may not be running on the iPhone. Unlock it and try again.',
					}),
					false,
				);
			}
			// Anything else cannot answer our SYN: a packet of an earlier host's connection between the same
			// two ports (after a reload), still on its way. The answer is yet to come.
			return;
		}
		if (this.#state !== 'open') return;
		if ((header.flags & TcpFlag.Rst) === 0 && header.seq !== this.#nextDeviceSeq()) {
			// The phone never resends nor reorders (protocol.md §2.5): a packet that does not carry the next
			// byte is not this connection's but an earlier host's between the same ports. Ignored, not reset:
			// a RST would end ours on the phone too.
			return;
		}
		if (header.flags & TcpFlag.Rst) {
			this.end(this.#resetError(payload), false);
			return;
		}
		if (header.flags !== TcpFlag.Ack) {
			this.end(this.#unexpected(header.flags), true);
			return;
		}
		this.#window.update(header.ack, header.window);
		if (payload.byteLength === 0) return;
		this.#received += payload.byteLength;
		// A phone may overshoot the window it was given by a packet or so; usbmuxd holds twice what it
		// advertises before it gives up on a connection (src/device.c: CONN_INBUF_SIZE 262144 against a
		// window of 131072). Past that, the phone is not throttled by us at all.
		if (this.#received - this.#consumed > 2 * this.#link.receiveWindow) {
			this.end(
				new DeviceError(
					'protocol',
					`The iPhone sent more data on port ${this.port} than we had room for (${this.#received - this.#consumed} bytes).`,
					{ advice: 'Unplug the iPhone, plug it back in and try again.' },
				),
				true,
			);
			return;
		}
		this.#inbound.push(payload);
	}

	/** @internal A pure ACK, if one is worth sending now (see `#ackWorthSending`). */
	takeAck(): TcpHeader | undefined {
		if (this.#state !== 'open' || !this.#ackWorthSending()) return undefined;
		return this.#header(TcpFlag.Ack);
	}

	/**
	 * @internal Whether the ACK owed should go out at once rather than within the client's short delay:
	 * when the reader has freed a good part of the window, so the device keeps sending.
	 */
	get ackPressing(): boolean {
		return this.#consumed - this.#ackedConsumed >= this.#ackPressingBytes();
	}

	/**
	 * @internal Ends the connection with `error`: the reader gets what already arrived, then the error
	 * (or the end of the stream when we closed it ourselves); writes fail. With `sendRst`, tells the device.
	 */
	end(error: DeviceError, sendRst: boolean): void {
		if (this.#state === 'ended') return;
		if (sendRst) this.#link.send(this.#header(TcpFlag.Rst));
		this.#state = 'ended';
		this.#error = error;
		clearTimeout(this.#connectTimer);
		this.#established?.reject(error);
		this.#established = undefined;
		this.#window.fail(error);
		this.#writableController.error(error);
		this.#inbound.end(error.code === 'connection-closed' ? undefined : error);
		this.#resolveClosed(error);
		this.#link.released(this);
	}

	#establish(header: TcpHeader): void {
		clearTimeout(this.#connectTimer);
		this.#deviceIsn = header.seq;
		this.#window = new SendWindow(1, header.ack, header.window);
		this.#state = 'open';
		this.#link.send(this.#header(TcpFlag.Ack));
		this.#established?.resolve();
		this.#established = undefined;
	}

	async #write(chunk: Uint8Array): Promise<void> {
		try {
			await this.#send(chunk);
		} catch (error) {
			// Whatever interrupted the wait, the connection's own reason is the one to report.
			throw this.#error ?? error;
		}
	}

	async #send(chunk: Uint8Array): Promise<void> {
		const link = this.#link;
		let offset = 0;
		while (offset < chunk.byteLength) {
			await this.#window.whenOpen();
			await link.ready();
			if (this.#state !== 'open') throw this.#error;
			const room = this.#window.available;
			if (room === 0) continue;
			let length = Math.min(room, link.maxPayload, chunk.byteLength - offset);
			// A bulk transfer that is a whole number of USB packets would need a zero-length packet to
			// end it, which a browser may not be able to send: keep one byte back for the next packet.
			if (length > 1 && (link.overhead + length) % link.packetSize === 0) length -= 1;
			link.send(this.#header(TcpFlag.Ack), chunk.subarray(offset, offset + length));
			this.#window.advance(length);
			offset += length;
		}
	}

	/** The sequence number of the next byte the device sends on this connection. */
	#nextDeviceSeq(): number {
		return (this.#deviceIsn + 1 + this.#received) >>> 0;
	}

	#onConsumed(bytes: number): void {
		this.#consumed += bytes;
		if (this.#ackWorthSending()) this.#link.ackDue(this);
	}

	/**
	 * Acknowledge once the reader has caught up with everything that arrived, or once it has freed a good
	 * part of the window: so a reader keeping up causes one ACK per burst of packets, not one per packet,
	 * and a reader working through a backlog still keeps the device sending.
	 */
	#ackWorthSending(): boolean {
		const unacknowledged = this.#consumed - this.#ackedConsumed;
		return unacknowledged > 0 && (this.#inbound.buffered === 0 || unacknowledged >= this.#ackPressingBytes());
	}

	/**
	 * A full device packet's payload: a phone "likes it best when we are promptly ACKing data" (usbmuxd,
	 * src/device.c, which ACKs every data packet) and may send no further ahead of our ACKs than a packet
	 * or two whatever window we advertise, so each full packet the reader has taken is acknowledged at
	 * once. Less than that (a reply to a small request) waits the client's short delay for a request to
	 * carry it.
	 */
	#ackPressingBytes(): number {
		return Math.min(MAX_DEVICE_PACKET_LENGTH - this.#link.overhead, this.#link.receiveWindow / 4);
	}

	/** Our header for the next packet; it carries the current ack, so it counts as acknowledging. */
	#header(flags: number): TcpHeader {
		const connecting = this.#state === 'connecting';
		this.#ackedConsumed = this.#consumed;
		return {
			sourcePort: this.sourcePort,
			destinationPort: this.port,
			seq: this.#window.seq,
			ack: connecting ? 0 : (this.#deviceIsn + 1 + this.#consumed) >>> 0,
			flags,
			window: this.#link.receiveWindow,
		};
	}

	#resetError(payload: Uint8Array): DeviceError {
		const reason = new TextDecoder()
			.decode(payload.subarray(0, 200))
			.replace(/[\0-\x1f\x7f]+/g, ' ')
			.trim();
		return new DeviceError(
			'connection-reset',
			`The iPhone closed the connection to port ${this.port}${reason ? ` (it said "${reason}")` : ''}.`,
			{ advice: 'Try again. If it keeps happening, unplug the iPhone, plug it back in and unlock it.' },
		);
	}

	#unexpected(flags: number): DeviceError {
		return new DeviceError(
			'protocol',
			`The iPhone answered on port ${this.port} with a packet it should not send (flags 0x${flags.toString(16)}).`,
			{ advice: 'Unplug the iPhone, plug it back in and try again.' },
		);
	}
}
