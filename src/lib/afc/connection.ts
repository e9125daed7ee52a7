import { concatBytes } from '../bytes';
import { DeviceError, isDeviceError } from '../errors';
import type { ByteChannel } from '../streams/byte-channel';
import { nextTask } from '../streams/next-task';
import type { AfcHeader, AfcPacket } from './packet';
import { AfcPacketDecoder } from './packet-decoder';

export interface AfcConnectionOptions {
	/** Requests sent and not yet answered; more wait, in order, for a reply to free a place. 1: plain request/reply. */
	pipelineDepth: number;
	/** How long the device may stay silent while requests wait, before everything fails with 'timeout'. 0: forever. */
	replyTimeoutMs: number;
}

/** A reply, and whether its request was pipelined (sent while others were still unanswered). */
export interface AfcReply extends AfcPacket {
	pipelined: boolean;
}

interface Waiter {
	/** The largest reply body this request can honestly get. */
	maxReplyBody: number;
	/** Sent with nothing else unanswered, and nothing sent until its reply is in. */
	alone: boolean;
	pipelined: boolean;
	resolve(reply: AfcReply): void;
	reject(error: unknown): void;
}

interface Queued extends Omit<Waiter, 'pipelined'> {
	encode(packetNumber: number): Uint8Array;
}

/**
 * One AFC connection: numbers requests, keeps up to `pipelineDepth` in flight and routes each reply to
 * its request by packet number. A request sent `alone` waits until nothing is unanswered and holds the
 * rest back until its reply is in: plain request/reply, as every public client speaks it, for a
 * request that failed pipelined. A real afcd answers in order (one connection is served one request at a time);
 * routing by number also copes with a device that does not, and a reply that matches no request
 * waiting is a protocol error that ends the connection. Replies are read as soon as they arrive, so
 * one slow consumer never stalls the cable; what they can hold is bounded by the requests in flight
 * times the reply size each allows.
 */
export class AfcConnection {
	readonly #channel: ByteChannel;
	readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
	readonly #decoder: AfcPacketDecoder;
	readonly #replyTimeoutMs: number;
	#pipelineDepth: number;
	readonly #waiting = new Map<number, Waiter>();
	/** Requests sent `alone` and not yet answered (0 or 1). */
	#aloneWaiting = 0;
	#queue: (Queued | undefined)[] = [];
	#queueHead = 0;
	/** Requests numbered and waiting to leave, together, in the channel's next write. */
	#outgoing: Uint8Array[] = [];
	#writing = false;
	#nextPacketNumber = 0;
	#failure: DeviceError | undefined;
	#lastHeard = 0;
	#watchdog: ReturnType<typeof setTimeout> | undefined;

	constructor(channel: ByteChannel, options: AfcConnectionOptions) {
		this.#channel = channel;
		this.#replyTimeoutMs = options.replyTimeoutMs;
		this.#pipelineDepth = options.pipelineDepth;
		this.#writer = channel.writable.getWriter();
		this.#decoder = new AfcPacketDecoder((header) => this.#replyLimit(header));
		void this.#readReplies(channel.readable);
	}

	/**
	 * Sends the packet `encode` builds for the packet number it is given and resolves with the reply.
	 * Requests leave in the order they were made; one made `alone` leaves when nothing is unanswered,
	 * and nothing leaves after it until its reply is in.
	 */
	request(encode: (packetNumber: number) => Uint8Array, maxReplyBody: number, alone = false): Promise<AfcReply> {
		if (this.#failure !== undefined) return Promise.reject(this.#failure);
		return new Promise<AfcReply>((resolve, reject) => {
			this.#queue.push({ encode, maxReplyBody, alone, resolve, reject });
			this.#sendQueued();
		});
	}

	/** Requests that may be unanswered at once. */
	get pipelineDepth(): number {
		return this.#pipelineDepth;
	}

	/** From now on one request at a time: the phone turned down what it was sent pipelined. */
	stopPipelining(): void {
		this.#pipelineDepth = 1;
	}

	/** Why the connection ended (it takes no more requests), or undefined while it works. */
	get failure(): DeviceError | undefined {
		return this.#failure;
	}

	/** Fails what is waiting with 'connection-closed' and closes the channel. */
	async close(): Promise<void> {
		this.#fail(new DeviceError('connection-closed', 'The file connection to the iPhone was closed.'));
		await this.#channel.close();
	}

	#send(queued: Queued): void {
		const packetNumber = this.#nextPacketNumber++;
		let packet: Uint8Array;
		try {
			packet = queued.encode(packetNumber);
		} catch (error) {
			queued.reject(error);
			return;
		}
		if (this.#waiting.size === 0) this.#lastHeard = Date.now();
		const { maxReplyBody, alone, resolve, reject } = queued;
		this.#waiting.set(packetNumber, { maxReplyBody, alone, pipelined: this.#waiting.size > 0, resolve, reject });
		if (alone) this.#aloneWaiting++;
		this.#armWatchdog();
		this.#outgoing.push(packet);
		if (!this.#writing) void this.#writeOutgoing();
	}

	/**
	 * Writes the requests waiting to leave in one piece, once the task that made them is over: the
	 * replies a packet brings each let a caller ask its next question in a microtask, so a scan's burst
	 * of stats leaves in one packet, not in one each, and costs one trip through the USB layers.
	 */
	async #writeOutgoing(): Promise<void> {
		this.#writing = true;
		try {
			await nextTask();
			while (this.#outgoing.length > 0 && this.#failure === undefined) {
				const batch = this.#outgoing.length === 1 ? this.#outgoing[0]! : concatBytes(this.#outgoing);
				this.#outgoing = [];
				await this.#writer.write(batch);
			}
		} catch (error) {
			this.#fail(error);
		} finally {
			this.#writing = false;
		}
	}

	#sendQueued(): void {
		while (this.#queueHead < this.#queue.length && this.#aloneWaiting === 0) {
			const queued = this.#queue[this.#queueHead]!;
			if (this.#waiting.size >= (queued.alone ? 1 : this.#pipelineDepth)) break;
			this.#queue[this.#queueHead++] = undefined;
			this.#send(queued);
		}
		if (this.#queueHead === this.#queue.length) {
			this.#queue = [];
			this.#queueHead = 0;
		}
	}

	#replyLimit(header: AfcHeader): number {
		const waiter = this.#waiting.get(header.packetNumber);
		if (waiter === undefined) {
			throw new DeviceError(
				'protocol',
				`The iPhone's file service answered request ${header.packetNumber}, which is not waiting for an answer.`,
			);
		}
		return waiter.maxReplyBody;
	}

	async #readReplies(readable: ReadableStream<Uint8Array>): Promise<void> {
		const reader = readable.getReader();
		try {
			for (;;) {
				const { value, done } = await reader.read();
				if (done) {
					this.#fail(new DeviceError('connection-reset', 'The iPhone closed the file connection.'));
					return;
				}
				if (this.#failure !== undefined) return;
				const packets = this.#decoder.push(value);
				// Only whole replies count as being heard: a reply trickling in a byte at a time forever is silence.
				if (packets.length > 0) this.#lastHeard = Date.now();
				for (const packet of packets) {
					const waiter = this.#waiting.get(packet.header.packetNumber);
					// The decoder checked each header against the requests waiting, but two replies to one
					// request can arrive in a single chunk.
					if (waiter === undefined) {
						const n = packet.header.packetNumber;
						throw new DeviceError('protocol', `The iPhone's file service answered request ${n} twice.`);
					}
					this.#waiting.delete(packet.header.packetNumber);
					if (waiter.alone) this.#aloneWaiting--;
					waiter.resolve({ ...packet, pipelined: waiter.pipelined });
				}
				this.#sendQueued();
			}
		} catch (error) {
			this.#fail(brokenConnection(error));
			void reader.cancel().catch(() => undefined);
		}
	}

	#armWatchdog(): void {
		if (this.#watchdog !== undefined || this.#replyTimeoutMs <= 0) return;
		this.#watchdog = setTimeout(() => this.#checkWatchdog(), this.#replyTimeoutMs);
	}

	#checkWatchdog(): void {
		this.#watchdog = undefined;
		if (this.#failure !== undefined || this.#waiting.size === 0) return;
		const silence = Date.now() - this.#lastHeard;
		if (silence < this.#replyTimeoutMs) {
			this.#watchdog = setTimeout(() => this.#checkWatchdog(), this.#replyTimeoutMs - silence);
			return;
		}
		this.#fail(
			new DeviceError('timeout', 'The iPhone stopped answering file requests.', {
				advice: 'Unlock the iPhone, check the cable, and try again.',
			}),
		);
	}

	#fail(error: unknown): void {
		if (this.#failure !== undefined) return;
		const failure = isDeviceError(error)
			? error
			: new DeviceError('connection-reset', 'The file connection to the iPhone broke.', { cause: error });
		this.#failure = failure;
		if (this.#watchdog !== undefined) clearTimeout(this.#watchdog);
		this.#watchdog = undefined;
		for (const waiter of this.#waiting.values()) waiter.reject(failure);
		this.#waiting.clear();
		this.#aloneWaiting = 0;
		for (let i = this.#queueHead; i < this.#queue.length; i++) this.#queue[i]?.reject(failure);
		this.#queue = [];
		this.#queueHead = 0;
		this.#outgoing = [];
		// A connection out of step cannot be trusted again; the channel goes with it.
		if (failure.code !== 'connection-closed') void this.#channel.close();
	}
}

/**
 * A reply stream out of step ends the connection, so it is never about one file, whatever the cause:
 * a 'too-large' reply would otherwise fail every later file on its own, and the backup would go on
 * marking each one failed.
 */
function brokenConnection(error: unknown): unknown {
	if (!isDeviceError(error, 'too-large')) return error;
	return new DeviceError('protocol', error.message, {
		cause: error,
		advice: 'Unplug the iPhone, plug it back in and try again. If this keeps happening, this device may not be a real iPhone.',
	});
}
