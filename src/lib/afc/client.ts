import { concatBytes } from '../bytes';
import { DeviceError } from '../errors';
import type { DeviceFileInfo, DeviceFiles } from '../library/device-files';
import type { ByteChannel } from '../streams/byte-channel';
import { AFC_PIPELINE_DEPTH, AfcLimits, AfcSeekFrom } from './constants';
import { AfcConnection, type AfcReply } from './connection';
import { parseDeviceInfo, parseFileInfo, toDeviceFileInfo, type AfcDeviceInfo, type AfcFileInfo } from './file-info';
import { createFileStream, type FileReader } from './file-stream';
import { expectData, expectHandle, expectPosition, expectSuccess } from './replies';
import {
	encodeFileClose,
	encodeFileOpen,
	encodeFileRead,
	encodeFileSeek,
	encodeFileTell,
	encodeGetDeviceInfo,
	encodeGetFileInfo,
	encodeReadDir,
} from './requests';
import { Slots } from './slots';
import { AfcStatusError } from './status';
import { decodeStringList } from './strings';

export interface AfcClientOptions {
	/**
	 * Bytes per FileRefRead in `read()`: 4 MiB by default (pymobiledevice3's read size; libimobiledevice asks
	 * for 1 MiB), at most 8 MiB. Fewer, larger replies cost fewer round trips here and larger writes to the
	 * folder, whose cost is per write as much as per byte.
	 */
	readChunkSize?: number;
	/** Bytes of the first FileRefRead of each `read()`: 256 KiB by default (a file's header and thumbnail come in it). */
	firstReadSize?: number;
	/** FileRefReads kept in flight per file in `read()`: 2 by default. */
	readsInFlight?: number;
	/** Files open at once; more `read()`s or `openFile()`s wait for one to close. 8 by default. */
	maxOpenFiles?: number;
	/**
	 * Requests sent and not yet answered; more wait their turn. The one bound on the client's
	 * pipelining; `AFC_PIPELINE_DEPTH` by default, 1 for plain request/reply.
	 */
	pipelineDepth?: number;
	/** How long the phone may stay silent while requests wait. 30 s by default; 0 waits forever. */
	replyTimeoutMs?: number;
}

/** An open file on the phone: afcd's handle, kept whole (64 bits). */
export type AfcFileHandle = bigint;

const MiB = 1024 * 1024;

function positiveInteger(value: number | undefined, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
	if (value === undefined) return fallback;
	if (!Number.isSafeInteger(value) || value < 1 || value > max) {
		throw new RangeError(`Expected a whole number from 1 to ${max}, got ${value}.`);
	}
	return value;
}

/** Errors that are a status the phone sent to a pipelined request: perhaps the pipelining's fault. */
const failedPipelined = new WeakSet<object>();

/** What `check` makes of a reply; a status error it throws is marked when the request was pipelined. */
function checked<T>(reply: AfcReply, check: (reply: AfcReply) => T): T {
	try {
		return check(reply);
	} catch (error) {
		if (reply.pipelined && error instanceof AfcStatusError) failedPipelined.add(error);
		throw error;
	}
}

/**
 * The AFC client: the phone's Media partition (the AFC root is /var/mobile/Media) as `DeviceFiles`,
 * over one AFC connection. Any number of calls may run at once; their requests are pipelined on the
 * connection, at most `pipelineDepth` unanswered. A call that fails with a status the phone sent to a
 * pipelined request is made once more in plain request/reply (each request sent alone) before its
 * error counts; when that works, the phone is taken not to want pipelining and gets none from then on.
 * Errors are `DeviceError`s; those from a status the phone sent are `AfcStatusError`s.
 */
export class AfcClient implements DeviceFiles {
	readonly #connection: AfcConnection;
	readonly #fileSlots: Slots;
	readonly #openPaths = new Map<AfcFileHandle, string>();
	readonly #chunkSize: number;
	readonly #firstChunkSize: number;
	readonly #readsInFlight: number;
	/** The file calls, as a read stream makes them. */
	readonly #fileReader: FileReader<AfcFileHandle> = {
		openFile: (path, alone) => this.openFile(path, alone),
		seekFile: (handle, offset, alone) => this.seekFile(handle, offset, AfcSeekFrom.Start, alone),
		readFile: (handle, length, alone) => this.readFile(handle, length, alone),
		closeFile: (handle, alone) => this.closeFile(handle, alone),
		failedPipelined: (error) => this.failedPipelined(error),
		plainWorked: () => this.plainWorked(),
	};

	constructor(channel: ByteChannel, options: AfcClientOptions = {}) {
		this.#chunkSize = positiveInteger(options.readChunkSize, 4 * MiB, AfcLimits.maxReadLength);
		this.#firstChunkSize = positiveInteger(options.firstReadSize, 256 * 1024, AfcLimits.maxReadLength);
		this.#readsInFlight = positiveInteger(options.readsInFlight, 2);
		this.#fileSlots = new Slots(positiveInteger(options.maxOpenFiles, 8));
		const replyTimeoutMs = options.replyTimeoutMs ?? 30_000;
		if (!(replyTimeoutMs >= 0)) throw new RangeError(`replyTimeoutMs must be 0 or more, got ${replyTimeoutMs}.`);
		this.#connection = new AfcConnection(channel, {
			pipelineDepth: positiveInteger(options.pipelineDepth, AFC_PIPELINE_DEPTH),
			replyTimeoutMs,
		});
	}

	/** Requests that may be unanswered at once now: 1 once the phone turned pipelining down. */
	get pipelineDepth(): number {
		return this.#connection.pipelineDepth;
	}

	/**
	 * Names in a folder, without `.` and `..`, in the order the phone gives them; with `limit`, the first
	 * that many, decoding no further.
	 */
	async list(path: string, limit = Number.POSITIVE_INFINITY): Promise<string[]> {
		const listing = await this.#plainOnFailure(async (alone) => {
			const reply = await this.#connection.request((n) => encodeReadDir(n, path), AfcLimits.maxListReply, alone);
			return checked(reply, (r) => expectData(r, 'list', path));
		});
		return decodeStringList(listing, { limit, skip: (name) => name === '.' || name === '..' || name === '' });
	}

	async stat(path: string): Promise<DeviceFileInfo> {
		return toDeviceFileInfo(await this.fileInfo(path));
	}

	/** Everything GetFileInfo says, times in nanoseconds. */
	async fileInfo(path: string): Promise<AfcFileInfo> {
		return this.#plainOnFailure(async (alone) => {
			const reply = await this.#connection.request((n) => encodeGetFileInfo(n, path), AfcLimits.maxInfoReply, alone);
			return parseFileInfo(checked(reply, (r) => expectData(r, 'stat', path)));
		});
	}

	/** The phone's model and the Media partition's size and free space. */
	async deviceInfo(): Promise<AfcDeviceInfo> {
		return this.#plainOnFailure(async (alone) => {
			const reply = await this.#connection.request((n) => encodeGetDeviceInfo(n), AfcLimits.maxInfoReply, alone);
			return parseDeviceInfo(checked(reply, (r) => expectData(r, 'device-info')));
		});
	}

	/**
	 * The file's bytes from `offset` on (at most `length`), in chunks of at most `readChunkSize`, with `readsInFlight`
	 * reads outstanding while the consumer keeps up and none issued when it does not. Cancelling the
	 * stream closes the file on the phone. A failure of a pipelined request goes on from where the
	 * stream stood, once, in plain request/reply.
	 */
	read(path: string, offset = 0, length = Number.POSITIVE_INFINITY): ReadableStream<Uint8Array> {
		return createFileStream(this.#fileReader, path, offset, length, {
			chunkSize: this.#chunkSize,
			firstChunkSize: this.#firstChunkSize,
			readsInFlight: this.#readsInFlight,
		});
	}

	/**
	 * `length` bytes from `offset` (fewer at the end of the file) in one piece: open, seek when `offset`
	 * is not 0, FileRefReads of at most `readChunkSize` sent back to back, close — the requests `read`
	 * makes for the same piece, without a stream (a first scan reads tens of thousands of file heads).
	 */
	async readRange(path: string, offset: number, length: number): Promise<Uint8Array> {
		if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) {
			throw new DeviceError('afc-failed', `Cannot read ${path} from position ${offset}.`);
		}
		return this.#plainOnFailure((alone) => this.#readRangeOnce(path, offset, length, alone));
	}

	async #readRangeOnce(path: string, offset: number, length: number, alone: boolean): Promise<Uint8Array> {
		const handle = await this.openFile(path, alone);
		// The seek, the reads and the close leave together: afcd answers them in order, so the file is
		// closed after the last read without waiting for its bytes first.
		const seeked = offset > 0 ? quiet(this.seekFile(handle, offset, AfcSeekFrom.Start, alone)) : undefined;
		const reads: Promise<Uint8Array>[] = [];
		for (let asked = 0; asked < length; asked += this.#chunkSize) {
			reads.push(quiet(this.readFile(handle, Math.min(this.#chunkSize, length - asked), alone)));
		}
		const closed = quiet(this.closeFile(handle, alone));
		try {
			await seeked;
			const pieces: Uint8Array[] = [];
			for (const read of reads) {
				const piece = await read;
				if (piece.byteLength === 0) break;
				pieces.push(piece);
			}
			return pieces.length === 1 ? pieces[0]! : concatBytes(pieces);
		} finally {
			await closed.catch(() => undefined);
		}
	}

	/**
	 * Opens a file for reading, once one of the `maxOpenFiles` places is free. Close it with `closeFile`.
	 * With `alone`, this and the other file calls are sent in plain request/reply.
	 */
	async openFile(path: string, alone = false): Promise<AfcFileHandle> {
		await this.#fileSlots.acquire();
		try {
			const reply = await this.#connection.request((n) => encodeFileOpen(n, path), AfcLimits.maxSmallReply, alone);
			const handle = checked(reply, (r) => expectHandle(r, path));
			this.#openPaths.set(handle, path);
			return handle;
		} catch (error) {
			this.#fileSlots.release();
			throw error;
		}
	}

	/**
	 * One FileRefRead of up to `length` bytes from the file's position; fewer at the end, none past
	 * it. Sent at once: several may be in flight on one handle and come back in order.
	 */
	async readFile(handle: AfcFileHandle, length: number, alone = false): Promise<Uint8Array> {
		positiveInteger(length, 1, AfcLimits.maxReadLength);
		// Taken now: the file may be closed (a close sent behind this read) before the reply comes.
		const path = this.#openPaths.get(handle);
		const reply = await this.#connection.request(
			(n) => encodeFileRead(n, handle, length),
			Math.max(length, AfcLimits.maxSmallReply),
			alone,
		);
		const data = checked(reply, (r) => expectData(r, 'read', path));
		if (data.byteLength > length) {
			throw new DeviceError(
				'protocol',
				`The iPhone sent ${data.byteLength} bytes where at most ${length} were asked for.`,
			);
		}
		return data;
	}

	async seekFile(handle: AfcFileHandle, offset: number, from: AfcSeekFrom = AfcSeekFrom.Start, alone = false): Promise<void> {
		const path = this.#openPaths.get(handle);
		const reply = await this.#connection.request((n) => encodeFileSeek(n, handle, offset, from), AfcLimits.maxSmallReply, alone);
		checked(reply, (r) => expectSuccess(r, 'seek', path));
	}

	async tellFile(handle: AfcFileHandle, alone = false): Promise<number> {
		const reply = await this.#connection.request((n) => encodeFileTell(n, handle), AfcLimits.maxSmallReply, alone);
		return checked(reply, (r) => expectPosition(r, this.#openPaths.get(handle)));
	}

	/**
	 * Closes a handle from `openFile` and frees its place, even when the phone reports an error. A close
	 * the phone turned down pipelined is sent again alone: the file is still open there.
	 */
	async closeFile(handle: AfcFileHandle, alone = false): Promise<void> {
		const path = this.#openPaths.get(handle);
		if (path === undefined) return;
		this.#openPaths.delete(handle);
		try {
			// A close turned down pipelined left the file open on the phone: it is sent again, alone.
			await this.#plainOnFailure(async (again) => {
				const reply = await this.#connection.request((n) => encodeFileClose(n, handle), AfcLimits.maxSmallReply, alone || again);
				checked(reply, (r) => expectSuccess(r, 'close', path));
			});
		} finally {
			this.#fileSlots.release();
		}
	}

	/** Whether `error` is a status the phone sent to a request of this client's that was pipelined. */
	failedPipelined(error: unknown): boolean {
		return typeof error === 'object' && error !== null && failedPipelined.has(error);
	}

	/**
	 * The phone answered a call made again in plain request/reply after it failed pipelined: it does
	 * not take pipelining, and gets none from now on.
	 */
	plainWorked(): void {
		this.#connection.stopPipelining();
	}

	/** `attempt(false)`, or, when it failed pipelined, `attempt(true)`: every request alone. */
	async #plainOnFailure<T>(attempt: (alone: boolean) => Promise<T>): Promise<T> {
		try {
			return await attempt(false);
		} catch (error) {
			if (!this.failedPipelined(error)) throw error;
		}
		const result = await attempt(true);
		this.plainWorked();
		return result;
	}

	/** Why the connection ended (reset, silent past the watchdog, closed), or undefined while it works. */
	get failure(): DeviceError | undefined {
		return this.#connection.failure;
	}

	/** Ends the connection; calls still waiting fail with 'connection-closed'. */
	close(): Promise<void> {
		return this.#connection.close();
	}
}

/** Swallows a rejection nobody may be waiting for any more, and returns the promise unchanged. */
function quiet<T>(promise: Promise<T>): Promise<T> {
	promise.catch(() => undefined);
	return promise;
}
