import type { DeviceFiles } from '../library';
import type { BufferGauge } from './hash-stream';

/** Bytes read from the phone ahead of the engine, by default: ~110 ms of a USB 3 iPhone, 400 ms of USB 2. */
export const DEFAULT_READ_AHEAD_BYTES = 16 * 1024 * 1024;
/** Files read ahead of the engine at most: a run of small ones (edits, sidecars) does not stop the cable. */
const DEFAULT_READ_AHEAD_FILES = 8;

interface Started {
	files: DeviceFiles;
	path: string;
	stream: ReadableStream<Uint8Array>;
	/** The phone has given all of it (or failed to): the next file may start. */
	complete: boolean;
}

/**
 * Keeps the cable busy whatever the folder is doing. Files are read through buffers that the phone
 * fills ahead of the engine, within one byte budget for all of them: the file of the current turn,
 * then the next ones, each started once the one before it has come whole. So a slow write, the
 * read-back of a large video, the naming of a file or a run of tiny sidecars does not leave the phone
 * idle. What it holds is counted by `gauge`: at most the budget plus one chunk per file, besides the
 * file service's reads in flight.
 */
export class ReadAhead {
	readonly #budget: SharedBudget;
	readonly #maxFiles: number;
	readonly #proceed: (() => Promise<void>) | undefined;
	/** Files started before their turn, in the order they will be read. */
	#started: Started[] = [];
	/** Files to start after them, once the ones before have come whole and the budget has room. */
	#pending: { files: DeviceFiles; paths: string[] } | undefined;
	readonly #startMoreLater = () => this.#startMore();

	/** `proceed`: waits while the backup is paused (the phone rests too), throws once it is cancelled. */
	constructor(options: { budget?: number; files?: number; gauge?: BufferGauge; proceed?: () => Promise<void> } = {}) {
		this.#budget = new SharedBudget(Math.max(0, options.budget ?? DEFAULT_READ_AHEAD_BYTES), options.gauge);
		this.#maxFiles = Math.max(1, options.files ?? DEFAULT_READ_AHEAD_FILES);
		this.#proceed = options.proceed;
	}

	/**
	 * The files that come next, `order` from `from` on, read through `files`: the first is started now,
	 * the others one after another, as many as are allowed ahead. Started files that are not next any
	 * more are dropped.
	 */
	start(files: DeviceFiles, order: readonly string[], from = 0): void {
		const wanted = order.slice(from, from + this.#maxFiles);
		let kept = 0;
		while (kept < this.#started.length && kept < wanted.length && this.#started[kept]!.files === files && this.#started[kept]!.path === wanted[kept]) kept++;
		for (const dropped of this.#started.splice(kept)) void dropped.stream.cancel().catch(() => undefined);
		this.#pending = { files, paths: wanted.slice(kept) };
		this.#startMore();
	}

	/**
	 * The whole file `path` through `files`: the stream started for it, or a new one when none was
	 * started for this path on this connection. Started files before it are dropped.
	 */
	read(files: DeviceFiles, path: string): ReadableStream<Uint8Array> {
		const at = this.#started.findIndex((started) => started.files === files && started.path === path);
		if (at < 0) {
			this.cancel();
			return this.#buffered(files.read(path));
		}
		for (const dropped of this.#started.splice(0, at)) void dropped.stream.cancel().catch(() => undefined);
		const taken = this.#started.shift()!;
		this.#startMore();
		return taken.stream;
	}

	/** Drops the reads started and not taken: their reads on the phone stop and their files close. */
	cancel(): void {
		this.#pending = undefined;
		for (const dropped of this.#started.splice(0)) void dropped.stream.cancel().catch(() => undefined);
	}

	#startMore(): void {
		const pending = this.#pending;
		while (pending !== undefined && pending.paths.length > 0 && this.#started.every((started) => started.complete)) {
			if (this.#budget.full) {
				this.#budget.onRoom(this.#startMoreLater);
				return;
			}
			const path = pending.paths.shift()!;
			const started: Started = { files: pending.files, path, stream: undefined!, complete: false };
			started.stream = this.#buffered(pending.files.read(path), () => {
				started.complete = true;
				if (this.#started.includes(started)) this.#startMore();
			});
			this.#started.push(started);
		}
	}

	#buffered(source: ReadableStream<Uint8Array>, onComplete?: () => void): ReadableStream<Uint8Array> {
		return readAheadOf(source, { budget: this.#budget, proceed: this.#proceed, onComplete });
	}
}

/** Bytes read ahead and not yet taken, across files; whoever waits for room is called when some is freed. */
class SharedBudget {
	readonly #limit: number;
	readonly #gauge: BufferGauge | undefined;
	#queued = 0;
	#waiting = new Set<() => void>();

	constructor(limit: number, gauge?: BufferGauge) {
		this.#limit = limit;
		this.#gauge = gauge;
	}

	get full(): boolean {
		return this.#queued >= this.#limit;
	}

	take(bytes: number): void {
		this.#queued += bytes;
		this.#gauge?.take(bytes);
	}

	release(bytes: number): void {
		this.#queued -= bytes;
		this.#gauge?.release(bytes);
		if (this.full || this.#waiting.size === 0) return;
		const waiting = this.#waiting;
		this.#waiting = new Set();
		for (const wake of waiting) wake();
	}

	/** Calls `wake` once, when room is next freed. */
	onRoom(wake: () => void): void {
		this.#waiting.add(wake);
	}

	forget(wake: () => void): void {
		this.#waiting.delete(wake);
	}
}

/**
 * The same bytes as `source`, pulled from it at once and kept while `budget` has room (the file
 * service's streams read nothing until asked: this is what opens the file and keeps its reads going).
 * One chunk is always asked for, whatever the budget: that is what starts the file. A failure is kept
 * for the reader to see, after the bytes that came before it. `proceed` is awaited before each read;
 * `onComplete` is called once the source has ended, whole or failed.
 */
function readAheadOf(
	source: ReadableStream<Uint8Array>,
	options: { budget: SharedBudget; proceed?: () => Promise<void>; onComplete?: () => void },
): ReadableStream<Uint8Array> {
	const { budget, proceed, onComplete } = options;
	const reader = source.getReader();
	const queue: Uint8Array[] = [];
	let queued = 0;
	let ended: { error?: unknown } | undefined;
	let cancelled = false;
	let filling = false;
	let wake: (() => void) | undefined;
	const wakeReader = () => {
		const waiting = wake;
		wake = undefined;
		waiting?.();
	};
	const end = (how: { error?: unknown }) => {
		ended = how;
		wakeReader();
		onComplete?.();
	};
	const retry = () => void fill();

	const fill = async () => {
		if (filling) return;
		filling = true;
		try {
			while (ended === undefined && !cancelled) {
				if (budget.full && queue.length > 0) {
					budget.onRoom(retry);
					return;
				}
				await proceed?.();
				if (cancelled) return;
				const { done, value } = await reader.read();
				if (cancelled) return;
				if (done) {
					end({});
					return;
				}
				queue.push(value);
				queued += value.byteLength;
				budget.take(value.byteLength);
				wakeReader();
			}
		} catch (error) {
			if (!cancelled) end({ error });
		} finally {
			filling = false;
		}
	};

	return new ReadableStream<Uint8Array>(
		{
			start() {
				void fill();
			},
			async pull(controller) {
				while (queue.length === 0 && ended === undefined) {
					await new Promise<void>((resolve) => (wake = resolve));
				}
				const chunk = queue.shift();
				if (chunk !== undefined) {
					queued -= chunk.byteLength;
					controller.enqueue(chunk);
					// Its own next read first, then whoever else waits for room.
					void fill();
					budget.release(chunk.byteLength);
					return;
				}
				if (ended?.error !== undefined) throw ended.error;
				controller.close();
			},
			cancel(reason) {
				cancelled = true;
				budget.forget(retry);
				budget.release(queued);
				queue.length = 0;
				queued = 0;
				return reader.cancel(reason);
			},
		},
		{ highWaterMark: 0 },
	);
}
