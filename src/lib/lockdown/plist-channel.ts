import { DeviceError, isDeviceError } from '../errors';
import type { ByteChannel } from '../streams/byte-channel';
import { ByteReader } from '../streams/byte-reader';
import {
	LENGTH_PREFIX_BYTES,
	MAX_PLIST_MESSAGE_BYTES,
	decodePlistFrameBody,
	encodePlistFrame,
	readPlistFrameLength,
} from './plist-frame';
import type { PlistDict } from '../plist/value';
import { SwappableChannel } from './swappable-channel';

export interface PlistChannelOptions {
	/** Largest message body accepted; a bigger announced length is a DeviceError ('too-large'). */
	maxMessageBytes?: number;
	/**
	 * Write the length prefix and the body as two separate writes, as the iPhone's lockdownd does. Off
	 * for the host: one write means one usbmux packet.
	 */
	separateLengthWrite?: boolean;
}

/**
 * Length-prefixed plist messages over a ByteChannel, one at a time in each direction, on a transport
 * that can be switched into and out of TLS between messages.
 */
export class PlistChannel {
	readonly #channel: SwappableChannel;
	readonly #reader: ByteReader;
	readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
	readonly #maxMessageBytes: number;
	readonly #separateLengthWrite: boolean;

	constructor(channel: ByteChannel, options: PlistChannelOptions = {}) {
		this.#channel = new SwappableChannel(channel);
		this.#reader = new ByteReader(this.#channel.readable);
		this.#writer = this.#channel.writable.getWriter();
		this.#maxMessageBytes = options.maxMessageBytes ?? MAX_PLIST_MESSAGE_BYTES;
		this.#separateLengthWrite = options.separateLengthWrite ?? false;
	}

	async send(message: PlistDict): Promise<void> {
		const { prefix, body } = encodePlistFrame(message);
		try {
			if (this.#separateLengthWrite) {
				await this.#writer.write(prefix);
				await this.#writer.write(body);
			} else {
				const frame = new Uint8Array(prefix.length + body.length);
				frame.set(prefix);
				frame.set(body, prefix.length);
				await this.#writer.write(frame);
			}
		} catch (error) {
			throw asDeviceError(error);
		}
	}

	/** The next message; a DeviceError when the connection ends first or the message is malformed. */
	async receive(): Promise<PlistDict> {
		const message = await this.receiveOrEnd();
		if (message === undefined) {
			throw new DeviceError('connection-reset', 'The iPhone closed the connection.');
		}
		return message;
	}

	/** The next message, or `undefined` when the peer ended the connection cleanly between messages. */
	async receiveOrEnd(): Promise<PlistDict | undefined> {
		try {
			if (await this.#reader.atEnd()) return undefined;
			const prefix = await this.#reader.readExactly(LENGTH_PREFIX_BYTES);
			const length = readPlistFrameLength(prefix, this.#maxMessageBytes);
			return decodePlistFrameBody(await this.#reader.readExactly(length));
		} catch (error) {
			throw asDeviceError(error);
		}
	}

	/**
	 * Moves the connection onto another transport made from the current one (TLS started on it, or
	 * taken off it). Only between messages; bytes already received and not read would belong to the
	 * protocol being left, so they are an error.
	 */
	async switchTransport(change: (transport: ByteChannel) => Promise<ByteChannel>): Promise<void> {
		if (this.#reader.buffered > 0) {
			await this.close();
			throw new DeviceError(
				'protocol',
				'The iPhone sent something unexpected while the connection was switching encryption on or off.',
			);
		}
		await this.#channel.swap(change);
	}

	close(): Promise<void> {
		return this.#channel.close();
	}
}

function asDeviceError(error: unknown): DeviceError {
	if (isDeviceError(error)) return error;
	return new DeviceError('connection-closed', 'The connection to the iPhone ended.', { cause: error });
}
