import { DeviceError } from '../../lib/errors';
import type { ByteChannel } from '../../lib/streams/byte-channel';
import { TcpFlag } from '../../lib/usbmux/constants';
import { InboundQueue } from '../../lib/usbmux/inbound-queue';
import { SendWindow } from '../../lib/usbmux/send-window';
import type { TcpHeader } from '../../lib/usbmux/tcp-header';
import type { UsbmuxViolationKind } from './violations';

/** What a device-side connection needs from the mux session that carries it. */
export interface SimConnectionLink {
	/** The device's receive window in bytes. */
	readonly window: number;
	/** Largest payload of one device packet. */
	readonly maxPayload: number;
	/** How far ahead of the host's ACKs the device lets itself send, given the window the host advertised. */
	sendWindow(hostWindow: number): number;
	/** Emits one packet; resolves once the pipe has taken it. */
	send(header: TcpHeader, payload?: Uint8Array): Promise<void>;
	/** An ACK may be owed: `soon` sends it right after the current work, otherwise it is delayed a little. */
	ackDue(connection: SimConnection, soon: boolean): void;
	released(connection: SimConnection): void;
	violation(kind: UsbmuxViolationKind, detail: string): void;
}

/** Counters a test can look at. */
export interface SimConnectionInfo {
	hostPort: number;
	port: number;
	/** Payload bytes sent to the host. */
	bytesSent: number;
	/** Of those, not yet acknowledged by the host. */
	unacknowledged: number;
	/** Payload bytes received from the host. */
	bytesReceived: number;
	/** Received bytes the service has not read yet. */
	bufferedForService: number;
}

type State = 'syn-received' | 'open' | 'ended';

/**
 * The device end of one pseudo-TCP connection: the service sees a `ByteChannel`; the host sees a phone
 * that acknowledges what the service has read, enforces its window, and never sends past the host's.
 */
export class SimConnection {
	readonly hostPort: number;
	readonly port: number;
	/** What the listening service gets. */
	readonly channel: ByteChannel;

	readonly #link: SimConnectionLink;
	readonly #inbound: InboundQueue;
	/** The device's ISN is 0, so its first data byte is sequence 1; nothing may go out before the host's ACK. */
	readonly #window = new SendWindow(1, 1, 0);
	readonly #hostIsn: number;
	#state: State = 'syn-received';
	#received = 0;
	#consumed = 0;
	#ackedConsumed = 0;
	#writableController!: WritableStreamDefaultController;
	#writableClosing = false;

	constructor(link: SimConnectionLink, syn: TcpHeader) {
		this.#link = link;
		this.hostPort = syn.sourcePort;
		this.port = syn.destinationPort;
		this.#hostIsn = syn.seq;
		this.#inbound = new InboundQueue({
			consumed: (bytes) => this.#onConsumed(bytes),
			cancelled: () => this.reset(),
		});
		const writable = new WritableStream<Uint8Array>({
			start: (controller) => {
				this.#writableController = controller;
			},
			write: (chunk) => this.#write(chunk),
			// A service that closes its socket makes the phone send RST, once what it wrote has gone out.
			close: () => {
				this.#writableClosing = true;
				this.reset();
			},
			abort: () => this.reset(),
		});
		this.channel = { readable: this.#inbound.readable, writable, close: async () => this.reset() };
	}

	get info(): SimConnectionInfo {
		return {
			hostPort: this.hostPort,
			port: this.port,
			bytesSent: (this.#window.seq - 1) >>> 0,
			unacknowledged: this.#window.inFlight,
			bytesReceived: this.#received,
			bufferedForService: this.#inbound.buffered,
		};
	}

	/** The answer to the host's SYN: seq 0, ack = its seq + 1, flags SYN|ACK. */
	synAck(): TcpHeader {
		return { ...this.#header(TcpFlag.Syn | TcpFlag.Ack), seq: 0 };
	}

	handle(header: TcpHeader, payload: Uint8Array): void {
		if (this.#state === 'ended') return;
		if (header.flags & TcpFlag.Rst) {
			this.#end();
			return;
		}
		if (header.flags !== TcpFlag.Ack) {
			this.#link.violation('malformed', `flags 0x${header.flags.toString(16)} on an open connection to ${this.port}`);
			this.reset();
			return;
		}
		this.#state = 'open';
		this.#window.update(header.ack, this.#link.sendWindow(header.window));
		if (payload.byteLength === 0) return;
		const expected = (this.#hostIsn + 1 + this.#received) >>> 0;
		if (header.seq !== expected) {
			this.#link.violation('tcp-seq', `seq ${header.seq} where ${expected} was next on port ${this.port}`);
		}
		this.#received += payload.byteLength;
		const unacknowledged = this.#received - this.#ackedConsumed;
		if (unacknowledged > this.#link.window) {
			this.#link.violation(
				'window-overrun',
				`${unacknowledged} unacknowledged bytes on port ${this.port}, window ${this.#link.window}`,
			);
			this.reset('amnesia');
			return;
		}
		this.#inbound.push(payload);
	}

	/** A pure ACK if the service has read bytes not acknowledged yet. */
	takeAck(): TcpHeader | undefined {
		if (this.#state !== 'open' || this.#consumed === this.#ackedConsumed) return undefined;
		return this.#header(TcpFlag.Ack);
	}

	/** Sends RST (with `reason` as payload, as a phone does) and ends the connection. */
	reset(reason?: string): void {
		if (this.#state === 'ended') return;
		void this.#link
			.send(this.#header(TcpFlag.Rst | TcpFlag.Ack), reason ? new TextEncoder().encode(reason) : undefined)
			.catch(() => undefined);
		this.#end();
	}

	/** Ends without telling the host (it reset, or went away). */
	drop(): void {
		this.#end();
	}

	#end(): void {
		if (this.#state === 'ended') return;
		this.#state = 'ended';
		const error = new DeviceError('connection-closed', 'The computer closed the connection.');
		this.#window.fail(error);
		if (!this.#writableClosing) this.#writableController.error(error);
		this.#inbound.end();
		this.#link.released(this);
	}

	async #write(chunk: Uint8Array): Promise<void> {
		let offset = 0;
		while (offset < chunk.byteLength) {
			await this.#window.whenOpen();
			const length = Math.min(this.#window.available, this.#link.maxPayload, chunk.byteLength - offset);
			const header = this.#header(TcpFlag.Ack);
			this.#window.advance(length);
			const payload = chunk.subarray(offset, offset + length);
			offset += length;
			await this.#link.send(header, payload);
		}
	}

	#onConsumed(bytes: number): void {
		this.#consumed += bytes;
		this.#link.ackDue(this, this.#consumed - this.#ackedConsumed >= this.#link.window / 2);
	}

	#header(flags: number): TcpHeader {
		this.#ackedConsumed = this.#consumed;
		return {
			sourcePort: this.port,
			destinationPort: this.hostPort,
			seq: this.#window.seq,
			ack: (this.#hostIsn + 1 + this.#consumed) >>> 0,
			flags,
			window: this.#link.window,
		};
	}
}
