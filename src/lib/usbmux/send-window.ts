/**
 * The sending half of a pseudo-TCP connection: our sequence number against what the peer has
 * acknowledged and the window it advertises. Never send past `peerAck + peerWindow` (protocol.md §2.5,
 * "Flow control"); a real iPhone answers an overrun with a RST ("amnesia"). Sequence numbers are 32-bit
 * and wrap: a long file transfer goes past 4 GiB on one connection.
 */
export class SendWindow {
	#seq: number;
	#peerAck: number;
	#peerWindow: number;
	#waiter: { resolve: () => void; reject: (error: unknown) => void } | undefined;
	#failure: { error: unknown } | undefined;

	constructor(seq: number, peerAck: number, peerWindow: number) {
		this.#seq = seq >>> 0;
		this.#peerAck = peerAck >>> 0;
		this.#peerWindow = peerWindow;
	}

	/** Sequence number of the next byte we send. */
	get seq(): number {
		return this.#seq;
	}

	/** Bytes sent and not yet acknowledged. */
	get inFlight(): number {
		return (this.#seq - this.#peerAck) >>> 0;
	}

	/** Bytes we may send now. */
	get available(): number {
		return Math.max(0, this.#peerWindow - this.inFlight);
	}

	/** The peer's ack and window from a packet it sent. Acks outside what we sent are ignored. */
	update(ack: number, window: number): void {
		if (((ack - this.#peerAck) >>> 0) <= this.inFlight) this.#peerAck = ack >>> 0;
		this.#peerWindow = window;
		if (this.#waiter !== undefined && this.available > 0) {
			const { resolve } = this.#waiter;
			this.#waiter = undefined;
			resolve();
		}
	}

	/** `bytes` more were sent. */
	advance(bytes: number): void {
		this.#seq = (this.#seq + bytes) >>> 0;
	}

	/** Resolves once something may be sent; rejects once the connection has failed. One waiter at a time. */
	whenOpen(): Promise<void> {
		if (this.#failure !== undefined) return Promise.reject(this.#failure.error);
		if (this.available > 0) return Promise.resolve();
		return new Promise((resolve, reject) => {
			this.#waiter = { resolve, reject };
		});
	}

	fail(error: unknown): void {
		if (this.#failure !== undefined) return;
		this.#failure = { error };
		const waiter = this.#waiter;
		this.#waiter = undefined;
		waiter?.reject(error);
	}
}
