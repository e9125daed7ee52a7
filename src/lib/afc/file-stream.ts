import { DeviceError } from '../errors';

/** The file operations a read stream is made of; with `alone`, each request is sent in plain request/reply. */
export interface FileReader<Handle> {
	openFile(path: string, alone: boolean): Promise<Handle>;
	seekFile(handle: Handle, offset: number, alone: boolean): Promise<void>;
	readFile(handle: Handle, length: number, alone: boolean): Promise<Uint8Array>;
	closeFile(handle: Handle, alone: boolean): Promise<void>;
	/** Whether `error` is a status the phone sent to a pipelined request. */
	failedPipelined(error: unknown): boolean;
	/** What failed pipelined worked in plain request/reply. */
	plainWorked(): void;
}

export interface FileStreamOptions {
	/** Bytes asked for by each read but the first. */
	chunkSize: number;
	/**
	 * Bytes asked for by the first read (at most `chunkSize`): small, so that a file's first bytes (its
	 * header, its thumbnail) and the work on them begin at once, even on a slow cable.
	 */
	firstChunkSize: number;
	/** Reads kept in flight while the consumer keeps reading. */
	readsInFlight: number;
}

/** Swallows a rejection nobody may be waiting for any more, and returns the promise unchanged. */
function quiet<T>(promise: Promise<T>): Promise<T> {
	promise.catch(() => undefined);
	return promise;
}

/**
 * A file's bytes from `offset` on, `length` of them at most. The file opens on the first pull; reads are sent only when the
 * consumer pulls, and at most `readsInFlight` of them are outstanding, so the bytes asked for and not
 * yet taken never exceed `readsInFlight × chunkSize`. The handle is closed at the end, on cancel and on
 * error. Reads on one handle are sent back to back without waiting: afcd serves a connection's
 * requests in order, so they come back as consecutive pieces of the file. A read answered with no
 * bytes is the end of the file. When the phone turns down a pipelined request (a read, or the open),
 * the file is opened again where the stream stood and read on in plain request/reply, once: a phone
 * that does not take pipelining is not taken for one whose file is kept only in iCloud.
 */
export function createFileStream<Handle>(
	files: FileReader<Handle>,
	path: string,
	offset: number,
	length: number,
	options: FileStreamOptions,
): ReadableStream<Uint8Array> {
	// Bytes not yet asked for: a bounded read never asks the phone for more than the caller wants.
	let unrequested = length;
	let delivered = 0;
	let firstRead = true;
	/** In plain request/reply, after a pipelined request failed; `retrying` until a plain read worked. */
	let alone = false;
	let retrying = false;
	let opened: Promise<Handle> | undefined;
	let handle: Handle | undefined;
	let seeked: Promise<void> | undefined;
	const reads: Promise<Uint8Array>[] = [];
	let finished = false;

	/** Closes the handle and forgets the reads in flight on it. */
	const letGo = async () => {
		reads.length = 0;
		seeked = undefined;
		const open = await opened?.catch(() => undefined);
		opened = undefined;
		handle = undefined;
		if (open !== undefined) await files.closeFile(open, alone).catch(() => undefined);
	};

	const release = async () => {
		finished = true;
		await letGo();
	};

	return new ReadableStream<Uint8Array>(
		{
			async pull(controller) {
				for (;;) {
					try {
						if (opened === undefined) {
							if (!Number.isSafeInteger(offset) || offset < 0 || !(length >= 0)) {
								throw new DeviceError('afc-failed', `Cannot read ${path} from position ${offset}.`);
							}
							opened = files.openFile(path, alone);
							handle = await opened;
							if (finished) return;
							const position = offset + delivered;
							if (position > 0) seeked = quiet(files.seekFile(handle, position, alone));
						}
						if (handle === undefined) return;
						const depth = alone ? 1 : options.readsInFlight;
						while (reads.length < depth && unrequested > 0) {
							const size = Math.min(firstRead ? Math.min(options.firstChunkSize, options.chunkSize) : options.chunkSize, unrequested);
							firstRead = false;
							unrequested -= size;
							reads.push(quiet(files.readFile(handle, size, alone)));
						}
						if (reads.length === 0) {
							await release();
							controller.close();
							return;
						}
						if (seeked !== undefined) {
							await seeked;
							seeked = undefined;
						}
						const chunk = await reads.shift()!;
						if (finished) return;
						if (retrying) {
							retrying = false;
							files.plainWorked();
						}
						if (chunk.byteLength === 0) {
							await release();
							controller.close();
							return;
						}
						delivered += chunk.byteLength;
						controller.enqueue(chunk);
						return;
					} catch (error) {
						if (finished) return;
						if (!alone && files.failedPipelined(error)) {
							// Once more, from where the stream stood, one request at a time.
							await letGo();
							alone = true;
							retrying = true;
							unrequested = length - delivered;
							continue;
						}
						await release();
						controller.error(error);
						return;
					}
				}
			},
			cancel: release,
		},
		// Nothing is read ahead of the consumer beyond the reads in flight.
		{ highWaterMark: 0 },
	);
}
