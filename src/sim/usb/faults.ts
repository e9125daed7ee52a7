/**
 * What can go wrong with the virtual iPhone's USB side, switched on by tests. The hardware reads these
 * on every operation; setting one takes effect at once.
 */
export class SimUsbFaults {
	/** `claimInterface` fails as when another program (usbmuxd, Apple's service) holds the interface. */
	claimBusy = false;
	/** `open` fails as when the operating system denies access to the device node. */
	openDenied = false;
	/** `selectConfiguration` fails as on Linux when another claimer holds an interface. */
	configurationBusy = false;

	readonly #changed: () => void;
	readonly #unplug: () => void;
	#stalled = false;
	#budget = Infinity;
	readonly #halts = { in: 0, out: 0 };

	/** @param hooks how the hardware hears about a change it must act on */
	constructor(hooks: { changed: () => void; unplug: () => void }) {
		this.#changed = hooks.changed;
		this.#unplug = hooks.unplug;
	}

	/** Pulls the cable now. */
	unplug(): void {
		this.#unplug();
	}

	/**
	 * Pulls the cable once `bytes` more bytes have crossed the bulk endpoints (IN and OUT counted
	 * together): the transfer that reaches the count carries exactly the bytes up to it.
	 */
	unplugAfter(bytes: number): void {
		this.#budget = Math.max(0, bytes);
		if (this.#budget === 0) this.#unplug();
	}

	/** Bulk transfers stop completing (they hang) until `release()`. */
	stall(): void {
		this.#stalled = true;
	}

	release(): void {
		this.#stalled = false;
		this.#changed();
	}

	get stalled(): boolean {
		return this.#stalled;
	}

	/**
	 * The bulk endpoint answers STALL: its transfers complete with status 'stall' until the host clears
	 * the halt, `times` times over (1: one clearHalt recovers it; 2: it stalls again once more).
	 */
	halt(direction: 'in' | 'out', times = 1): void {
		this.#halts[direction] = Math.max(0, times);
		this.#changed();
	}

	/** For the hardware: is the endpoint halted now? */
	isHalted(direction: 'in' | 'out'): boolean {
		return this.#halts[direction] > 0;
	}

	/** For the hardware: the host cleared a halt. */
	clearedHalt(direction: 'in' | 'out'): void {
		if (this.#halts[direction] > 0) this.#halts[direction] -= 1;
	}

	/** For the hardware: how many bytes may still cross before the cable is pulled. */
	get byteBudget(): number {
		return this.#budget;
	}

	/** For the hardware: `bytes` crossed; true when that used up the budget. */
	spend(bytes: number): boolean {
		if (this.#budget === Infinity) return false;
		this.#budget = Math.max(0, this.#budget - bytes);
		return this.#budget === 0;
	}
}
