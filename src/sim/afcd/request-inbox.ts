import type { AfcPacket } from '../../lib/afc/packet';
import { AfcStatus } from '../../lib/afc/constants';
import { sleep } from '../../lib/streams/waits';

/**
 * How the virtual afcd takes requests that a host sends before the ones ahead of them are answered
 * (pipelined). Every public client (libimobiledevice, go-ios, idevice, pymobiledevice3 until 2026)
 * waits for each reply before the next request, so nothing tells how far a real afcd goes along with
 * more: the simulator holds a host to a bound, and can refuse pipelining altogether.
 */
export interface AfcdPipelining {
	/**
	 * 'in-order' (the default): one connection's requests answered one at a time, in the order they
	 * came, as afcd serves a connection; one that comes while `maxOutstanding` are still unanswered is
	 * refused. 'refuse': every request that comes while another is still unanswered is refused, a phone
	 * that takes no pipelining at all.
	 */
	mode?: 'in-order' | 'refuse';
	/** Requests a host may have unanswered at once in 'in-order' mode. 16 by default. */
	maxOutstanding?: number;
	/**
	 * The status a refused request gets. IO_ERROR by default: the worst a phone could send, since a
	 * client that does not retry takes it for a photo kept only in iCloud.
	 */
	refusal?: number;
	/**
	 * No reply leaves sooner than this after its request came in: the phone's own turnaround over USB.
	 * A host that waits for every reply pays it per request; one that pipelines, once per batch. 1 ms by
	 * default; 0 answers at once.
	 */
	replyLatencyMs?: number;
}

export const DEFAULT_MAX_OUTSTANDING = 16;
const DEFAULT_REPLY_LATENCY_MS = 1;

/** A request as afcd took it off the connection. */
export interface ReceivedRequest {
	packet: AfcPacket;
	/** When it came in (ms, `Date.now()`). */
	arrivedAt: number;
	/** Whether it is answered with the refusal instead of its reply. */
	refused: boolean;
}

/**
 * The requests of one connection between the channel and the code that answers them: taken off the
 * channel as soon as they come (so that a request's arrival is known while the ones before it are
 * answered), handed out in order, each no sooner than its latency allows, and counted: what was
 * outstanding when each came decides whether it was pipelined beyond what the phone takes.
 */
export class RequestInbox {
	readonly #mode: 'in-order' | 'refuse';
	readonly #maxOutstanding: number;
	readonly #latencyMs: number;
	readonly refusal: number;
	#queue: ReceivedRequest[] = [];
	#outstanding = 0;
	#ended = false;
	#wake: (() => void) | undefined;
	/** Most requests unanswered at once. */
	deepest = 0;
	/** Requests refused for coming while too many (in 'refuse' mode: any) were unanswered. */
	refused = 0;

	constructor(pipelining: AfcdPipelining = {}) {
		this.#mode = pipelining.mode ?? 'in-order';
		this.#maxOutstanding = pipelining.maxOutstanding ?? DEFAULT_MAX_OUTSTANDING;
		this.#latencyMs = pipelining.replyLatencyMs ?? DEFAULT_REPLY_LATENCY_MS;
		this.refusal = pipelining.refusal ?? AfcStatus.IoError;
	}

	/** A request as it comes off the channel. */
	push(packet: AfcPacket): void {
		const refused = this.#mode === 'refuse' ? this.#outstanding > 0 : this.#outstanding >= this.#maxOutstanding;
		this.#outstanding++;
		this.deepest = Math.max(this.deepest, this.#outstanding);
		if (refused) this.refused++;
		this.#queue.push({ packet, arrivedAt: Date.now(), refused });
		this.#wakeUp();
	}

	/** The host's side is gone: `next()` ends once what came before is handed out. */
	end(): void {
		this.#ended = true;
		this.#wakeUp();
	}

	/** The next request, once its latency has passed; undefined when the connection has ended. */
	async next(): Promise<ReceivedRequest | undefined> {
		while (this.#queue.length === 0) {
			if (this.#ended) return undefined;
			await new Promise<void>((resolve) => (this.#wake = resolve));
		}
		const request = this.#queue.shift()!;
		const wait = request.arrivedAt + this.#latencyMs - Date.now();
		if (wait > 0) await sleep(wait);
		return request;
	}

	/**
	 * The reply to the request `next()` gave is decided. Called before the reply is written: once it is
	 * on its way, the host may send its next request without pipelining.
	 */
	answered(): void {
		this.#outstanding--;
	}

	#wakeUp(): void {
		const wake = this.#wake;
		this.#wake = undefined;
		wake?.();
	}
}
