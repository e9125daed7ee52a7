import { DeviceError } from '../../lib/errors';
import type { ByteChannel } from '../../lib/streams/byte-channel';
import type { UsbTransport } from '../../lib/usb/transport';
import { inResultLength } from '../usb/in-cuts';
import type { SimUsbmuxDevice } from './sim-usbmux-device';

export interface SimUsbTransportOptions {
	/** wMaxPacketSize reported to the host. Default 512. */
	packetSize?: number;
	serialNumber?: string;
	/**
	 * Size of each piece the host's reads get, asked once per piece: pieces may split packets or hold
	 * several, cut where a USB transfer can end (`sim/usb/in-cuts.ts`). Without it, each device packet
	 * arrives as one piece, as from a real phone. (Each host write reaches the device as one OUT
	 * transfer, as over USB.)
	 */
	devicePieceSize?: () => number;
	/** Let data gather for a moment before a waiting read is served, so pieces can hold several packets. */
	coalesce?: boolean;
}

export interface SimUsbTransport extends UsbTransport {
	/** Pulls the cable: the host's reads and writes fail with 'unplugged', the device sees the pipe end. */
	unplug(): void;
}

/**
 * A `UsbTransport` joined in memory to a virtual iPhone's mux, without the USB layer: for tests of the
 * layers above usbmux and for fuzzing how the host copes with the pieces USB transfers cut the stream into.
 */
export function createSimUsbTransport(device: SimUsbmuxDevice, options: SimUsbTransportOptions = {}): SimUsbTransport {
	const packetSize = options.packetSize ?? 512;
	const toHost = new PiecePipe(options.devicePieceSize, packetSize, options.coalesce ?? false);
	const toDevice = new PiecePipe(undefined, packetSize, false);
	let resolveClosed!: () => void;
	const closed = new Promise<void>((resolve) => {
		resolveClosed = resolve;
	});
	const unplug = () => {
		const error = new DeviceError('unplugged', 'The iPhone was disconnected.', {
			advice: 'Plug the iPhone back in, unlock it and try again.',
		});
		toHost.end(error);
		toDevice.end(error);
		resolveClosed();
	};
	const deviceEnd: ByteChannel = {
		readable: toDevice.readable,
		writable: toHost.writable,
		close: async () => unplug(),
	};
	void device.attach(deviceEnd);
	return {
		readable: toHost.readable,
		writable: toDevice.writable,
		packetSize,
		serialNumber: options.serialNumber ?? '00008030-001A2D3E0C38802E',
		closed,
		close: async () => unplug(),
		unplug,
	};
}

/**
 * Bytes one way, each write one transfer; re-cut into pieces on the reading side when `pieceSize` is
 * given. Writes wait while much is unread.
 */
class PiecePipe {
	static readonly #limit = 256 * 1024;
	readonly readable: ReadableStream<Uint8Array>;
	readonly writable: WritableStream<Uint8Array>;
	readonly #pieceSize: (() => number) | undefined;
	readonly #packetSize: number;
	readonly #coalesce: boolean;
	#chunks: Uint8Array[] = [];
	/** Bytes of `#chunks[0]` already read. */
	#headOffset = 0;
	#buffered = 0;
	#wakeReader: (() => void) | undefined;
	#wakeWriter: (() => void) | undefined;
	#ended: { error: DeviceError } | undefined;

	constructor(pieceSize: (() => number) | undefined, packetSize: number, coalesce: boolean) {
		this.#pieceSize = pieceSize;
		this.#packetSize = packetSize;
		this.#coalesce = coalesce;
		this.readable = new ReadableStream<Uint8Array>(
			{ pull: (controller) => this.#pull(controller), cancel: () => this.#discard() },
			{ highWaterMark: 0 },
		);
		this.writable = new WritableStream<Uint8Array>({ write: (chunk) => this.#write(chunk) });
	}

	/** Ends both sides: the reader's pending and later reads fail, as do writes. */
	end(error: DeviceError): void {
		if (this.#ended !== undefined) return;
		this.#ended = { error };
		this.#discard();
		this.#wakeReader?.();
		this.#wakeWriter?.();
	}

	#discard(): void {
		this.#chunks = [];
		this.#headOffset = 0;
		this.#buffered = 0;
	}

	async #write(chunk: Uint8Array): Promise<void> {
		if (this.#ended !== undefined) throw this.#ended.error;
		if (chunk.byteLength === 0) return;
		this.#chunks.push(chunk);
		this.#buffered += chunk.byteLength;
		this.#wakeReader?.();
		while (this.#buffered > PiecePipe.#limit && this.#ended === undefined) {
			await new Promise<void>((resolve) => (this.#wakeWriter = resolve));
		}
	}

	async #pull(controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> {
		if (this.#buffered === 0 && this.#ended === undefined) {
			await new Promise<void>((resolve) => (this.#wakeReader = resolve));
			this.#wakeReader = undefined;
			if (this.#coalesce) await new Promise((resolve) => setTimeout(resolve, 0));
		}
		if (this.#ended !== undefined) {
			controller.error(this.#ended.error);
			return;
		}
		controller.enqueue(this.#take());
		if (this.#buffered <= PiecePipe.#limit) {
			this.#wakeWriter?.();
			this.#wakeWriter = undefined;
		}
	}

	#take(): Uint8Array {
		const first = this.#chunks[0]!;
		const start = this.#headOffset;
		const headLeft = first.byteLength - start;
		const wanted = this.#pieceSize === undefined ? headLeft : Math.max(1, Math.floor(this.#pieceSize()));
		const length = inResultLength(this.#chunks, start, Math.min(wanted, this.#buffered), this.#packetSize);
		this.#buffered -= length;
		if (length <= headLeft) {
			this.#advance(length);
			return first.subarray(start, start + length);
		}
		const piece = new Uint8Array(length);
		let filled = 0;
		while (filled < length) {
			const chunk = this.#chunks[0]!;
			const n = Math.min(chunk.byteLength - this.#headOffset, length - filled);
			piece.set(chunk.subarray(this.#headOffset, this.#headOffset + n), filled);
			filled += n;
			this.#advance(n);
		}
		return piece;
	}

	#advance(n: number): void {
		this.#headOffset += n;
		if (this.#headOffset === this.#chunks[0]!.byteLength) {
			this.#chunks.shift();
			this.#headOffset = 0;
		}
	}
}
