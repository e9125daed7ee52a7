/** What the page hears while a backup runs. Plain data: it crosses to the page by postMessage. */
export interface BackupProgress {
	/** 'reconnecting': the connection to the phone broke and is being opened again (see `waiting`). */
	phase: 'copying' | 'paused' | 'reconnecting' | 'finished';
	/** While reconnecting: why, or what the person must do first (unlock the phone). */
	waiting?: { code: string; message: string; advice?: string };
	/** Handled so far (copied, found already there, in iCloud or failed) of the plan's total. */
	assets: { done: number; total: number };
	files: { done: number; total: number };
	bytes: { done: number; total: number };
	/** The file being copied, with how far along it is. */
	current: { devicePath: string; path: string; bytesDone: number; size: number } | undefined;
	/** Bytes per second from the phone, averaged over the last few seconds; undefined until known. */
	bytesPerSecond: number | undefined;
	secondsLeft: number | undefined;
	copied: number;
	deduplicated: number;
	inICloud: number;
	failed: number;
}

interface Sample {
	at: number;
	bytes: number;
}

/** Seconds of history the speed is averaged over: long enough to smooth a burst, short enough to follow a change. */
const SPEED_WINDOW_MS = 8_000;

/**
 * Speed as a moving average: bytes moved over the last few seconds. Pauses do not count (the history
 * is cleared when copying resumes), nor do skipped files (only bytes read from the phone are counted).
 */
export class SpeedMeter {
	readonly #samples: Sample[] = [];
	#moved = 0;

	add(bytes: number, at: number): void {
		this.#moved += bytes;
		this.#samples.push({ at, bytes: this.#moved });
		const cutoff = at - SPEED_WINDOW_MS;
		// Keep one sample at or before the cutoff, so the window always spans its full width.
		let drop = 0;
		while (drop + 1 < this.#samples.length && this.#samples[drop + 1]!.at <= cutoff) drop++;
		if (drop > 0) this.#samples.splice(0, drop);
	}

	/** Starts the history over (after a pause). */
	reset(at: number): void {
		this.#samples.length = 0;
		this.#samples.push({ at, bytes: this.#moved });
	}

	/** Bytes per second, or undefined while less than a second has been seen. */
	get bytesPerSecond(): number | undefined {
		const first = this.#samples[0];
		const last = this.#samples[this.#samples.length - 1];
		if (first === undefined || last === undefined) return undefined;
		const ms = last.at - first.at;
		if (ms < 1_000) return undefined;
		return ((last.bytes - first.bytes) * 1000) / ms;
	}
}
