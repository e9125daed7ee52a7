import type { WireEvent, WireReply, WireRequest } from './protocol';
import type { WireSocket } from './socket';

export interface WireCallResult {
	readonly value: unknown;
	/** The binary message that followed the reply, if it announced one. */
	readonly data?: Uint8Array;
}

export interface WireCallerOptions {
	/** Pushed messages that are not replies. */
	onEvent?: (message: WireEvent) => void;
	/** The socket closed (or could not be opened). */
	onClose?: () => void;
	/** What calls still waiting when the socket closes fail with. */
	closedError: () => Error;
}

/**
 * Request/reply over a `WireSocket`, dialled on first use. Rebuilds each error in this realm as a
 * DOMException of the same name, so callers see what they would see from the real API.
 */
export class WireCaller {
	readonly #dial: () => Promise<WireSocket>;
	readonly #options: WireCallerOptions;
	#socket: Promise<WireSocket> | undefined;
	#closed = false;
	#nextId = 1;
	readonly #pending = new Map<number, { resolve: (r: WireCallResult) => void; reject: (e: unknown) => void }>();
	#replyAwaitingData: { id: number; value: unknown } | undefined;

	constructor(dial: () => Promise<WireSocket>, options: WireCallerOptions) {
		this.#dial = dial;
		this.#options = options;
	}

	get closed(): boolean {
		return this.#closed;
	}

	/** Opens the socket now rather than at the first call (to start receiving events). */
	connect(): Promise<WireSocket> {
		this.#socket ??= this.#dial().then(
			(socket) => {
				socket.onmessage = (message) => this.#receive(message);
				socket.onclose = () => this.#shutDown();
				if (this.#closed) socket.close();
				return socket;
			},
			(error: unknown) => {
				this.#shutDown();
				throw error;
			},
		);
		return this.#socket;
	}

	async call(op: string, args: readonly unknown[], data?: Uint8Array): Promise<WireCallResult> {
		if (this.#closed) throw this.#options.closedError();
		const socket = await this.connect().catch(() => {
			throw this.#options.closedError();
		});
		if (this.#closed) throw this.#options.closedError();
		const id = this.#nextId++;
		const request: WireRequest = data ? { id, op, args, binary: true } : { id, op, args };
		return new Promise<WireCallResult>((resolve, reject) => {
			this.#pending.set(id, { resolve, reject });
			socket.send(JSON.stringify(request));
			if (data) socket.send(data);
		});
	}

	close(): void {
		if (this.#closed) return;
		void this.#socket?.then((socket) => socket.close()).catch(() => undefined);
		this.#shutDown();
	}

	#receive(message: string | Uint8Array): void {
		if (typeof message !== 'string') {
			const awaiting = this.#replyAwaitingData;
			this.#replyAwaitingData = undefined;
			if (awaiting) this.#settle(awaiting.id, { value: awaiting.value, data: message });
			return;
		}
		const parsed = JSON.parse(message) as WireReply | WireEvent;
		if ('event' in parsed) {
			this.#options.onEvent?.(parsed);
			return;
		}
		if (!parsed.ok) {
			const pending = this.#pending.get(parsed.id);
			this.#pending.delete(parsed.id);
			pending?.reject(new DOMException(parsed.error.message, parsed.error.name));
		} else if (parsed.binary) {
			this.#replyAwaitingData = { id: parsed.id, value: parsed.value };
		} else {
			this.#settle(parsed.id, { value: parsed.value });
		}
	}

	#settle(id: number, result: WireCallResult): void {
		const pending = this.#pending.get(id);
		this.#pending.delete(id);
		pending?.resolve(result);
	}

	#shutDown(): void {
		if (this.#closed && this.#pending.size === 0) return;
		const wasOpen = !this.#closed;
		this.#closed = true;
		const pending = [...this.#pending.values()];
		this.#pending.clear();
		for (const { reject } of pending) reject(this.#options.closedError());
		if (wasOpen) this.#options.onClose?.();
	}
}
