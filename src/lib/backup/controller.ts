/**
 * Pause, resume and cancel for a running backup. The page holds it (through the device worker) and the
 * engine consults it between chunks: pausing holds the current file open where it is; cancelling
 * stops at once, drops the current file's temporary copy and keeps everything finished.
 */
export class BackupController {
	readonly #abort = new AbortController();
	#paused = false;
	#wake: (() => void)[] = [];
	#listeners = new Set<(paused: boolean) => void>();

	get signal(): AbortSignal {
		return this.#abort.signal;
	}

	get paused(): boolean {
		return this.#paused;
	}

	pause(): void {
		if (this.#paused || this.signal.aborted) return;
		this.#paused = true;
		for (const listener of this.#listeners) listener(true);
	}

	resume(): void {
		if (!this.#paused) return;
		this.#paused = false;
		this.#release();
		for (const listener of this.#listeners) listener(false);
	}

	cancel(reason: unknown = new DOMException('The backup was cancelled.', 'AbortError')): void {
		this.#abort.abort(reason);
		this.#paused = false;
		this.#release();
	}

	/** Calls `listener` when the backup is paused or resumed; returns a function that stops it. */
	onPauseChange(listener: (paused: boolean) => void): () => void {
		this.#listeners.add(listener);
		return () => this.#listeners.delete(listener);
	}

	/** Resolves at once when running, else when resumed; rejects with the reason once cancelled. */
	async proceed(): Promise<void> {
		while (this.#paused && !this.signal.aborted) await new Promise<void>((wake) => this.#wake.push(wake));
		this.signal.throwIfAborted();
	}

	#release(): void {
		const waiting = this.#wake;
		this.#wake = [];
		for (const wake of waiting) wake();
	}
}
