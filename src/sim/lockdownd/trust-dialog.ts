/** How the person holding the virtual iPhone behaves when it asks “Trust This Computer?”. */
export interface TrustDialogOptions {
	/** Pair requests answered PairingDialogResponsePending while the question is on screen. */
	pendingPolls?: number;
	/** What the person taps once they answer. */
	answer?: 'trust' | 'dont-trust';
	/** The phone starts locked: Pair is refused with PasswordProtected until `unlock()`. */
	locked?: boolean;
}

/** What a Pair request from an unknown host meets. */
export type TrustOutcome = 'locked' | 'pending' | 'trusted' | 'denied';

/**
 * The Trust dialog as lockdownd sees it, one per phone. A locked phone shows nothing; otherwise the
 * first Pair puts the question on screen and the answer comes after `pendingPolls` more polls. “Don't
 * Trust” sticks until the phone is unplugged and plugged in again (`replug()`), as on a real iPhone.
 */
export class TrustDialog {
	#pendingPolls: number;
	#answer: 'trust' | 'dont-trust';
	#locked: boolean;
	#showing = false;
	#polls = 0;
	#denied = false;
	#onShown: (() => void) | undefined;

	constructor(options: TrustDialogOptions = {}, onShown?: () => void) {
		this.#pendingPolls = options.pendingPolls ?? 1;
		this.#answer = options.answer ?? 'trust';
		this.#locked = options.locked ?? false;
		this.#onShown = onShown;
	}

	get locked(): boolean {
		return this.#locked;
	}

	/** Whether the question is on screen now. */
	get showing(): boolean {
		return this.#showing;
	}

	lock(): void {
		this.#locked = true;
	}

	unlock(): void {
		this.#locked = false;
	}

	/** Changes what the person will tap (and how long they take) from the next question on. */
	setBehaviour(options: Pick<TrustDialogOptions, 'pendingPolls' | 'answer'>): void {
		if (options.pendingPolls !== undefined) this.#pendingPolls = options.pendingPolls;
		if (options.answer !== undefined) this.#answer = options.answer;
	}

	/** Unplugging clears a “Don't Trust” and any question left on screen. */
	replug(): void {
		this.#showing = false;
		this.#denied = false;
		this.#polls = 0;
	}

	/** One Pair request from a host the phone does not know. */
	ask(): TrustOutcome {
		if (this.#locked) return 'locked';
		if (this.#denied) return 'denied';
		if (!this.#showing) {
			this.#showing = true;
			this.#polls = 0;
			this.#onShown?.();
		}
		if (this.#polls < this.#pendingPolls) {
			this.#polls++;
			return 'pending';
		}
		this.#showing = false;
		if (this.#answer === 'dont-trust') {
			this.#denied = true;
			return 'denied';
		}
		return 'trusted';
	}
}
