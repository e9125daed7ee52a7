import { concatBytes } from '../bytes';
import { DeviceError } from '../errors';
import type { DeviceFileInfo, DeviceFiles } from '../library/device-files';
import type { ByteChannel } from '../streams/byte-channel';
import { AfcLimits, AfcSeekFrom } from './constants';
import { AfcConnection } from './connection';
import { parseDeviceInfo, parseFileInfo, toDeviceFileInfo, type AfcDeviceInfo, type AfcFileInfo } from './file-info';
import { createFileStream } from './file-stream';
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
	/** Requests sent and not yet answered; more wait their turn. 32 by default. */
	maxRequestsInFlight?: number;
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

/**
 * The AFC client: the phone's Media partition (the AFC root is /var/mobile/Media) as `DeviceFiles`,
 * over one AFC connection. Any number of calls may run at once; their requests are pipelined on the
 * connection. Errors are `DeviceError`s; those from a status the phone sent are `AfcStatusError`s.
 */
export class AfcClient implements DeviceFiles {
	readonly #connection: AfcConnection;
	readonly #fileSlots: Slots;
	readonly #openPaths = new Map<AfcFileHandle, string>();
	readonly #chunkSize: number;
	readonly #firstChunkSize: number;
	readonly #readsInFlight: number;

	constructor(channel: ByteChannel, options: AfcClientOptions = {}) {
		this.#chunkSize = positiveInteger(options.readChunkSize, 4 * MiB, AfcLimits.maxReadLength);
		this.#firstChunkSize = positiveInteger(options.firstReadSize, 256 * 1024, AfcLimits.maxReadLength);
		this.#readsInFlight = positiveInteger(options.readsInFlight, 2);
		this.#fileSlots = new Slots(positiveInteger(options.maxOpenFiles, 8));
		const replyTimeoutMs = options.replyTimeoutMs ?? 30_000;
		if (!(replyTimeoutMs >= 0)) throw new RangeError(`replyTimeoutMs must be 0 or more, got ${replyTimeoutMs}.`);
		this.#connection = new AfcConnection(channel, {
			maxRequestsInFlight: positiveInteger(options.maxRequestsInFlight, 32),
			replyTimeoutMs,
		});
	}

	/**
	 * Names in a folder, without `.` and `..`, in the order the phone gives them; with `limit`, the first
	 * that many, decoding no further.
	 */
	async list(path: string, limit = Number.POSITIVE_INFINITY): Promise<string[]> {
		const reply = await this.#connection.request((n) => encodeReadDir(n, path), AfcLimits.maxListReply);
		return decodeStringList(expectData(reply, 'list', path), { limit, skip: (name) => name === '.' || name === '..' || name === '' });
	}

	async stat(path: string): Promise<DeviceFileInfo> {
		return toDeviceFileInfo(await this.fileInfo(path));
	}

	/** Everything GetFileInfo says, times in nanoseconds. */
	async fileInfo(path: string): Promise<AfcFileInfo> {
		const reply = await this.#connection.request((n) => encodeGetFileInfo(n, path), AfcLimits.maxInfoReply);
		return parseFileInfo(expectData(reply, 'stat', path));
	}

	/** The phone's model and the Media partition's size and free space. */
	async deviceInfo(): Promise<AfcDeviceInfo> {
		const reply = await this.#connection.request((n) => encodeGetDeviceInfo(n), AfcLimits.maxInfoReply);
		return parseDeviceInfo(expectData(reply, 'device-info'));
	}

	/**
	 * The file's bytes from `offset` on (at most `length`), in chunks of at most `readChunkSize`, with `readsInFlight`
	 * reads outstanding while the consumer keeps up and none issued when it does not. Cancelling the
	 * stream closes the file on the phone.
	 */
	read(path: string, offset = 0, length = Number.POSITIVE_INFINITY): ReadableStream<Uint8Array> {
		return createFileStream(this, path, offset, length, {
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
		const handle = await this.openFile(path);
		// The seek, the reads and the close leave together: afcd answers them in order, so the file is
		// closed after the last read without waiting for its bytes first.
		const seeked = offset > 0 ? quiet(this.seekFile(handle, offset)) : undefined;
		const reads: Promise<Uint8Array>[] = [];
		for (let asked = 0; asked < length; asked += this.#chunkSize) {
			reads.push(quiet(this.readFile(handle, Math.min(this.#chunkSize, length - asked))));
		}
		const closed = quiet(this.closeFile(handle));
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

	/** Opens a file for reading, once one of the `maxOpenFiles` places is free. Close it with `closeFile`. */
	async openFile(path: string): Promise<AfcFileHandle> {
		await this.#fileSlots.acquire();
		try {
			const reply = await this.#connection.request((n) => encodeFileOpen(n, path), AfcLimits.maxSmallReply);
			const handle = expectHandle(reply, path);
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
	async readFile(handle: AfcFileHandle, length: number): Promise<Uint8Array> {
		positiveInteger(length, 1, AfcLimits.maxReadLength);
		// Taken now: the file may be closed (a close sent behind this read) before the reply comes.
		const path = this.#openPaths.get(handle);
		const reply = await this.#connection.request(
			(n) => encodeFileRead(n, handle, length),
			Math.max(length, AfcLimits.maxSmallReply),
		);
		const data = expectData(reply, 'read', path);
		if (data.byteLength > length) {
			throw new DeviceError(
				'protocol',
				`The iPhone sent ${data.byteLength} bytes where at most ${length} were asked for.`,
			);
		}
		return data;
	}

	async seekFile(handle: AfcFileHandle, offset: number, from: AfcSeekFrom = AfcSeekFrom.Start): Promise<void> {
		const path = this.#openPaths.get(handle);
		const reply = await this.#connection.request((n) => encodeFileSeek(n, handle, offset, from), AfcLimits.maxSmallReply);
		expectSuccess(reply, 'seek', path);
	}

	async tellFile(handle: AfcFileHandle): Promise<number> {
		const reply = await this.#connection.request((n) => encodeFileTell(n, handle), AfcLimits.maxSmallReply);
		return expectPosition(reply, this.#openPaths.get(handle));
	}

	/** Closes a handle from `openFile` and frees its place, even when the phone reports an error. */
	async closeFile(handle: AfcFileHandle): Promise<void> {
		const path = this.#openPaths.get(handle);
		if (path === undefined) return;
		this.#openPaths.delete(handle);
		try {
			const reply = await this.#connection.request((n) => encodeFileClose(n, handle), AfcLimits.maxSmallReply);
			expectSuccess(reply, 'close', path);
		} finally {
			this.#fileSlots.release();
		}
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
