import { DeviceError } from '../errors';

/** The file operations a read stream is made of. */
export interface FileReader<Handle> {
	openFile(path: string): Promise<Handle>;
	seekFile(handle: Handle, offset: number): Promise<void>;
	readFile(handle: Handle, length: number): Promise<Uint8Array>;
	closeFile(handle: Handle): Promise<void>;
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
 * bytes is the end of the file.
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
	let firstRead = true;
	let opened: Promise<Handle> | undefined;
	let handle: Handle | undefined;
	let seeked: Promise<void> | undefined;
	const reads: Promise<Uint8Array>[] = [];
	let finished = false;

	const release = async () => {
		finished = true;
		reads.length = 0;
		const open = await opened?.catch(() => undefined);
		opened = undefined;
		handle = undefined;
		if (open !== undefined) await files.closeFile(open).catch(() => undefined);
	};

	return new ReadableStream<Uint8Array>(
		{
			async pull(controller) {
				try {
					if (opened === undefined) {
						if (!Number.isSafeInteger(offset) || offset < 0 || !(length >= 0)) {
							throw new DeviceError('afc-failed', `Cannot read ${path} from position ${offset}.`);
						}
						opened = files.openFile(path);
						handle = await opened;
						if (finished) return;
						if (offset > 0) seeked = quiet(files.seekFile(handle, offset));
					}
					if (handle === undefined) return;
					while (reads.length < options.readsInFlight && unrequested > 0) {
						const size = Math.min(firstRead ? Math.min(options.firstChunkSize, options.chunkSize) : options.chunkSize, unrequested);
						firstRead = false;
						unrequested -= size;
						reads.push(quiet(files.readFile(handle, size)));
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
					if (chunk.byteLength === 0) {
						await release();
						controller.close();
						return;
					}
					controller.enqueue(chunk);
				} catch (error) {
					if (finished) return;
					await release();
					controller.error(error);
				}
			},
			cancel: release,
		},
		// Nothing is read ahead of the consumer beyond the reads in flight.
		{ highWaterMark: 0 },
	);
}
