import type { DeviceFiles } from '../library';

/**
 * Starts reading the next file from the phone before its turn, so that the cable keeps moving while
 * the engine checks the last file on disk and saves it under its name. One file at a time, from its
 * start: what it holds is the file service's reads in flight (a few MiB) and one open file on the phone.
 */
export class ReadAhead {
	#next: { files: DeviceFiles; path: string; stream: ReadableStream<Uint8Array> } | undefined;

	/** Starts reading `path` through `files`; a read started before and not taken is dropped. */
	start(files: DeviceFiles, path: string): void {
		this.cancel();
		this.#next = { files, path, stream: started(files.read(path)) };
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
		return files.read(path);
	}

	/** Drops a read started and not taken: its reads on the phone stop and its file closes. */
	cancel(): void {
		const next = this.#next;
		this.#next = undefined;
		if (next !== undefined) void next.stream.cancel().catch(() => undefined);
	}
}

/**
 * The same bytes as `source`, whose first chunk is asked for now: the file service's streams read
 * nothing until asked (they keep no data ahead of their reader beyond the reads in flight), so this
 * is what opens the file and sends the first reads. A failure is kept for the reader to see.
 */
function started(source: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
	const reader = source.getReader();
	let first: Promise<ReadableStreamReadResult<Uint8Array>> | undefined = reader.read();
	first.catch(() => undefined); // seen by the first pull, or dropped with the stream
	return new ReadableStream<Uint8Array>(
		{
			async pull(controller) {
				const next = first ?? reader.read();
				first = undefined;
				const { done, value } = await next;
				if (done) controller.close();
				else controller.enqueue(value);
			},
			cancel(reason) {
				first = undefined;
				return reader.cancel(reason);
			},
		},
		{ highWaterMark: 0 },
	);
}
