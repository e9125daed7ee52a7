import { DeviceError } from '../../lib/errors';
import type { ByteChannel } from '../../lib/streams/byte-channel';
import { inResultLength } from './in-cuts';
import type { SimInResult } from './link';
import { seededRandom } from './seeded-random';

/**
 * How the device's IN data is cut into transfer results.
 * - 'packet': one mux packet per result, as a real iPhone ends each packet with a short packet or ZLP.
 * - 'stream': seeded random splits of packets, several packets coalesced into one result, and stray
 *   zero-length results: what a host must survive if it parses the IN side as a byte stream. A split
 *   falls where a real transfer can end: after a whole number of USB packets (`in-cuts.ts`).
 */
export type InChunking = 'packet' | 'stream';

export interface BulkPipeOptions {
	chunking: InChunking;
	seed: number;
	packetSize: number;
	/** Bytes the device buffers for IN before its end's writes wait for the host to read. */
	inBufferBytes: number;
	/** Bytes the device end buffers from OUT transfers before further OUT transfers wait. */
	outBufferBytes: number;
	/** Called when the device end has written something the host may now read. */
	onInData: () => void;
}

const EMPTY = new Uint8Array(0);

/**
 * The device's two bulk endpoints seen from both sides: the device end is a `ByteChannel` (each chunk
 * written is one whole mux packet going IN; the readable carries what the host's OUT transfers sent),
 * the host side is `takeIn` / `deliverOut`, called by the hardware for transfers.
 */
export class BulkPipe {
	readonly deviceEnd: ByteChannel;
	readonly #options: BulkPipeOptions;
	readonly #random: () => number;
	#packets: Uint8Array[] = [];
	#headOffset = 0;
	#queuedIn = 0;
	#inRoom: (() => void) | undefined;
	#outController!: ReadableStreamDefaultController<Uint8Array>;
	#inController!: WritableStreamDefaultController;
	#outRoom: (() => void) | undefined;
	#ended = false;

	constructor(options: BulkPipeOptions) {
		this.#options = options;
		this.#random = seededRandom(options.seed);
		const readable = new ReadableStream<Uint8Array>(
			{
				start: (controller) => void (this.#outController = controller),
				pull: () => this.#wake('out'),
			},
			{ highWaterMark: options.outBufferBytes, size: (chunk) => chunk.byteLength },
		);
		const writable = new WritableStream<Uint8Array>({
			start: (controller) => void (this.#inController = controller),
			write: (packet) => this.#pushPacket(packet),
		});
		this.deviceEnd = { readable, writable, close: async () => this.end() };
	}

	get queuedIn(): number {
		return this.#queuedIn;
	}

	/**
	 * The next IN result for a transfer of `length` bytes, at most `limit` bytes of data (the fault
	 * budget); `undefined` when the device has nothing to send.
	 */
	takeIn(length: number, limit: number): SimInResult | undefined {
		const head = this.#packets[0];
		if (head === undefined) return undefined;
		const headLeft = head.byteLength - this.#headOffset;
		const { packetSize } = this.#options;
		if (length % packetSize !== 0 && headLeft > length) {
			// The device keeps sending full packets past the end of the host's buffer: an overflow.
			const data = head.subarray(this.#headOffset, this.#headOffset + Math.min(length, limit));
			this.#consume(headLeft);
			return { status: 'babble', data };
		}
		const size = this.#resultSize(Math.min(length, limit), headLeft);
		return { status: 'ok', data: this.#take(size) };
	}

	/** Hands an OUT transfer's bytes to the device end, waiting while the device's buffer is full. */
	async deliverOut(data: Uint8Array): Promise<void> {
		while (!this.#ended && (this.#outController.desiredSize ?? 0) <= 0) {
			await new Promise<void>((resolve) => (this.#outRoom = resolve));
		}
		// A device whose end has stopped takes the bytes and drops them, as a hung daemon would.
		if (!this.#ended && data.byteLength > 0) this.#outController.enqueue(data);
	}

	/** The device went away, or its end stopped: both directions of the device end finish. */
	end(): void {
		if (this.#ended) return;
		this.#ended = true;
		try {
			this.#outController.close();
		} catch {
			// already closed or errored
		}
		this.#inController.error(new DeviceError('unplugged', 'The USB connection to the host ended.'));
		this.#wake('in');
		this.#wake('out');
	}

	#resultSize(max: number, headLeft: number): number {
		const whole = Math.min(max, headLeft);
		if (this.#options.chunking === 'packet') return whole;
		const r = this.#random();
		if (r < 1 / 16) return 0;
		if (r >= 0.4 && r < 0.7) return whole;
		const most = Math.min(max, this.#queuedIn);
		const wanted = r < 0.4 ? 1 + Math.floor(this.#random() * whole) : whole + Math.floor(this.#random() * (most - whole + 1));
		return Math.min(max, inResultLength(this.#packets, this.#headOffset, wanted, this.#options.packetSize));
	}

	#take(size: number): Uint8Array {
		if (size === 0) return EMPTY;
		const head = this.#packets[0]!;
		const start = this.#headOffset;
		if (head.byteLength - start >= size) {
			this.#consume(size);
			return head.subarray(start, start + size);
		}
		const out = new Uint8Array(size);
		let filled = 0;
		while (filled < size) {
			const packet = this.#packets[0]!;
			const n = Math.min(packet.byteLength - this.#headOffset, size - filled);
			out.set(packet.subarray(this.#headOffset, this.#headOffset + n), filled);
			filled += n;
			this.#consume(n);
		}
		return out;
	}

	#consume(n: number): void {
		const head = this.#packets[0]!;
		this.#headOffset += n;
		this.#queuedIn -= n;
		if (this.#headOffset === head.byteLength) {
			this.#packets.shift();
			this.#headOffset = 0;
		}
		if (this.#queuedIn <= this.#options.inBufferBytes) this.#wake('in');
	}

	async #pushPacket(packet: Uint8Array): Promise<void> {
		if (this.#ended) throw new DeviceError('unplugged', 'The USB connection to the host ended.');
		if (packet.byteLength === 0) return;
		this.#packets.push(packet);
		this.#queuedIn += packet.byteLength;
		this.#options.onInData();
		while (!this.#ended && this.#queuedIn > this.#options.inBufferBytes) {
			await new Promise<void>((resolve) => (this.#inRoom = resolve));
		}
	}

	#wake(side: 'in' | 'out'): void {
		const resolve = side === 'in' ? this.#inRoom : this.#outRoom;
		if (side === 'in') this.#inRoom = undefined;
		else this.#outRoom = undefined;
		resolve?.();
	}
}
