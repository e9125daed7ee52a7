import type { DeviceFiles } from '../library';
import type { BufferGauge } from './copy-file';

/** Bytes of a file read from the phone ahead of the engine, by default: ~50 ms of a USB 3 iPhone, 200 ms of USB 2. */
export const DEFAULT_READ_AHEAD_BYTES = 8 * 1024 * 1024;

/**
 * Keeps the cable busy whatever the folder is doing. Every file is read through a buffer that the
 * phone fills up to `budget` bytes ahead of the engine, so a slow write, a read-back or the naming of
 * a file does not leave the phone idle; and the next file is started before its turn, so the opening
 * of a file on the phone overlaps with the end of the one before. One file ahead at a time, from its
 * start. What it holds is counted by `gauge`: at most `budget` plus one chunk per stream, besides the
 * file service's reads in flight.
 */
export class ReadAhead {
	readonly #budget: number;
	readonly #gauge: BufferGauge | undefined;
	readonly #proceed: (() => Promise<void>) | undefined;
	#next: { files: DeviceFiles; path: string; stream: ReadableStream<Uint8Array> } | undefined;

	/** `proceed`: waits while the backup is paused (the phone rests too), throws once it is cancelled. */
	constructor(options: { budget?: number; gauge?: BufferGauge; proceed?: () => Promise<void> } = {}) {
		this.#budget = Math.max(0, options.budget ?? DEFAULT_READ_AHEAD_BYTES);
		this.#gauge = options.gauge;
		this.#proceed = options.proceed;
	}

	/** Starts reading `path` through `files` unless it is started already; a read started before for another file is dropped. */
	start(files: DeviceFiles, path: string): void {
		if (this.started(files, path)) return;
		this.cancel();
		this.#next = { files, path, stream: this.#buffered(files.read(path)) };
	}

	/** Whether `path` is the file started (on `files`) and not yet taken. */
	started(files: DeviceFiles, path: string): boolean {
		return this.#next !== undefined && this.#next.files === files && this.#next.path === path;
	}

	/**
	 * The whole file `path` through `files`: the stream started for it, or a new one when none was
	 * started for this path on this connection (the one started, if any, is dropped).
	 */
	read(files: DeviceFiles, path: string): ReadableStream<Uint8Array> {
		const next = this.#next;
		this.#next = undefined;
		if (next !== undefined && next.files === files && next.path === path) return next.stream;
		if (next !== undefined) void next.stream.cancel().catch(() => undefined);
		return this.#buffered(files.read(path));
	}

	/** Drops a read started and not taken: its reads on the phone stop and its file closes. */
	cancel(): void {
		const next = this.#next;
		this.#next = undefined;
		if (next !== undefined) void next.stream.cancel().catch(() => undefined);
	}

	#buffered(source: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
		return readAheadOf(source, { budget: this.#budget, gauge: this.#gauge, proceed: this.#proceed });
	}
}

/**
 * The same bytes as `source`, pulled from it at once and kept until `budget` bytes wait for the
 * reader (the file service's streams read nothing until asked: this is what opens the file and keeps
 * its reads going). One chunk is always asked for, whatever the budget: that is what starts the file.
 * A failure is kept for the reader to see, after the bytes that came before it. `proceed` is awaited
 * before each read.
 */
export function readAheadOf(
	source: ReadableStream<Uint8Array>,
	options: { budget: number; gauge?: BufferGauge; proceed?: () => Promise<void> },
): ReadableStream<Uint8Array> {
	const { budget, gauge, proceed } = options;
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

	const fill = async () => {
		if (filling) return;
		filling = true;
		try {
			while (ended === undefined && !cancelled && (queued < budget || queue.length === 0)) {
				await proceed?.();
				if (cancelled) return;
				const { done, value } = await reader.read();
				if (cancelled) return;
				if (done) ended = {};
				else {
					queue.push(value);
					queued += value.byteLength;
					gauge?.take(value.byteLength);
				}
				wakeReader();
			}
		} catch (error) {
			ended = { error };
			wakeReader();
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
					gauge?.release(chunk.byteLength);
					controller.enqueue(chunk);
					void fill();
					return;
				}
				if (ended?.error !== undefined) throw ended.error;
				controller.close();
			},
			cancel(reason) {
				cancelled = true;
				gauge?.release(queued);
				queue.length = 0;
				queued = 0;
				return reader.cancel(reason);
			},
		},
		{ highWaterMark: 0 },
	);
}
