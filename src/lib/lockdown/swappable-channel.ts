import type { ByteChannel } from '../streams/byte-channel';

/**
 * A ByteChannel whose transport can be exchanged between messages: lockdown starts in plaintext, moves
 * into TLS on the same connection after StartSession, and back out after StopSession. Readers above it
 * (a ByteReader) keep their lock on this channel's streams throughout; only the inner locks move.
 *
 * Reads pull one chunk at a time from the transport and never read ahead, so at a message boundary no
 * byte of the next protocol (a TLS record) has been taken from the transport that needs it.
 */
export class SwappableChannel implements ByteChannel {
	readonly readable: ReadableStream<Uint8Array>;
	readonly writable: WritableStream<Uint8Array>;
	#transport: ByteChannel;
	#reader: ReadableStreamDefaultReader<Uint8Array>;
	#writer: WritableStreamDefaultWriter<Uint8Array>;

	constructor(transport: ByteChannel) {
		this.#transport = transport;
		this.#reader = transport.readable.getReader();
		this.#writer = transport.writable.getWriter();
		this.readable = new ReadableStream<Uint8Array>(
			{
				pull: async (controller) => {
					const { value, done } = await this.#reader.read();
					if (done) controller.close();
					else controller.enqueue(value);
				},
				cancel: () => this.close(),
			},
			{ highWaterMark: 0 },
		);
		this.writable = new WritableStream<Uint8Array>({
			write: (chunk) => this.#writer.write(chunk),
			close: () => this.close(),
			abort: () => this.close(),
		});
	}

	/**
	 * Replaces the transport by what `change` makes of it (TLS started on it, or TLS taken off it). Call
	 * only between messages: no read or write may be in flight. If `change` fails the connection is
	 * closed, since it is then in an unknown state.
	 */
	async swap(change: (transport: ByteChannel) => Promise<ByteChannel>): Promise<void> {
		this.#reader.releaseLock();
		this.#writer.releaseLock();
		let next: ByteChannel;
		try {
			next = await change(this.#transport);
		} catch (error) {
			await this.#transport.close();
			throw error;
		}
		this.#transport = next;
		this.#reader = next.readable.getReader();
		this.#writer = next.writable.getWriter();
	}

	close(): Promise<void> {
		return this.#transport.close();
	}
}
