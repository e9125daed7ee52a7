import { AfcLimits, AfcOpenMode, AfcSeekFrom, AfcStatus } from '../../lib/afc/constants';
import { formatDeviceInfo, formatFileInfo } from '../../lib/afc/file-info';
import type { AfcPacket } from '../../lib/afc/packet';
import { AfcPacketDecoder } from '../../lib/afc/packet-decoder';
import { encodeDataHeader, encodeOpenResult, encodeStatus, encodeTellResult } from '../../lib/afc/replies';
import { decodeRequest, type AfcRequest } from '../../lib/afc/requests';
import { encodeStringList } from '../../lib/afc/strings';
import type { ByteChannel } from '../../lib/streams/byte-channel';
import type { VirtualFileSystem } from '../virtual-fs';
import { RequestInbox, type AfcdPipelining, type ReceivedRequest } from './request-inbox';

/** Data replies up to this size leave in one write with their header. */
const ONE_WRITE_REPLY_BYTES = 64 * 1024;

/** A request as the hooks see it. */
export interface AfcdRequest {
	packetNumber: number;
	operation: number;
	kind: AfcRequest['kind'] | 'malformed';
	/** The path the request names, or the path of the open file it uses. */
	path?: string;
	handle?: bigint;
	/** FileRefRead: the file position the read starts at, and the bytes asked for. */
	offset?: number;
	length?: number;
}

/** Ways to misbehave, for tests of the host's defences. */
export interface AfcdFaults {
	/** Cut the connection once this many reply bytes have gone out, mid-packet if need be. */
	closeAfterBytes?: number;
	/** Answer with this packet number instead of the request's (`undefined`: the right one). */
	packetNumber?: (request: AfcdRequest) => number | undefined;
	/** Answer with this status instead of the real reply (`undefined`: the real reply). */
	status?: (request: AfcdRequest) => number | undefined;
	/** From the first request this is true for, answer nothing more; the connection stays open. */
	stall?: (request: AfcdRequest) => boolean;
}

export interface AfcdOptions {
	/** GetDeviceInfo's `Model`. */
	model?: string;
	/** Most bytes one FileRefRead returns; a larger request gets fewer bytes, never an error. 4 MiB by default. */
	maxReadLength?: number;
	/** Open handles allowed; one more open gets NO_RESOURCES. 64 by default. */
	maxOpenFiles?: number;
	/**
	 * Awaited before each request is answered, with requests answered one at a time as afcd does: a
	 * way to watch requests, pause at a chosen read (resolve later) or stall (never resolve).
	 */
	beforeAnswer?: (request: AfcdRequest) => void | Promise<void>;
	/** How requests sent before earlier ones were answered are taken: in order, at most 16, 1 ms apart by default. */
	pipelining?: AfcdPipelining;
	faults?: AfcdFaults;
}

export interface AfcdSession {
	/** Handles open now. */
	readonly openFiles: number;
	/** Settles when the connection has ended and afcd stopped serving it. */
	readonly done: Promise<void>;
	/** Most requests the host had unanswered at once. */
	readonly deepestPipeline: number;
	/** Requests refused for being pipelined beyond what this afcd takes. */
	readonly refused: number;
}

interface OpenFile {
	path: string;
	position: number;
}

const MiB = 1024 * 1024;
const EMPTY = new Uint8Array(0);
/** What a request may carry: a path, or a FileRefWrite's data (answered "not supported"). */
const MAX_REQUEST_BODY = AfcLimits.maxReadLength + AfcLimits.maxPathBytes;

/** AFC paths may be relative ("DCIM") or absolute; the virtual file system wants "/DCIM". */
export function normalizeAfcPath(path: string): string {
	const parts: string[] = [];
	for (const part of path.split('/')) {
		if (part === '' || part === '.') continue;
		if (part === '..') parts.pop();
		else parts.push(part);
	}
	return `/${parts.join('/')}`;
}

/**
 * The virtual iPhone's afcd on one connection, over `fs`. Reply shapes and statuses follow a real
 * device (protocol.md §7): a missing path is READ_ERROR to GetFileInfo and OBJECT_NOT_FOUND to ReadDir
 * and FileRefOpen; a listing of a file is READ_ERROR; ReadDir includes "." and ".."; a file that lists
 * but cannot be read (an iCloud placeholder) fails FileRefOpen, and any later read, with IO_ERROR,
 * which is what ifuse shows as "Input/output error" (ifuse#54); a stale handle is INVALID_ARG. Requests
 * are answered one at a time, in order, each no sooner than a reply latency after it came, and a host
 * that pipelines more than the phone takes is refused (`request-inbox.ts`).
 */
export function serveAfc(channel: ByteChannel, fs: VirtualFileSystem, options: AfcdOptions = {}): AfcdSession {
	const afcd = new Afcd(channel, fs, options);
	return {
		get openFiles() {
			return afcd.openFiles;
		},
		get deepestPipeline() {
			return afcd.inbox.deepest;
		},
		get refused() {
			return afcd.inbox.refused;
		},
		done: afcd.serve(),
	};
}

/** A status code, or what a successful reply carries. */
type Reply = number | { data: Uint8Array } | { handle: bigint } | { position: number };

class Afcd {
	readonly #channel: ByteChannel;
	readonly #fs: VirtualFileSystem;
	readonly #options: AfcdOptions;
	readonly #maxReadLength: number;
	readonly #handles = new Map<bigint, OpenFile>();
	readonly inbox: RequestInbox;
	#nextHandle = 1n;
	#sent = 0;
	#stalled = false;
	#writer: WritableStreamDefaultWriter<Uint8Array> | undefined;

	constructor(channel: ByteChannel, fs: VirtualFileSystem, options: AfcdOptions) {
		this.#channel = channel;
		this.#fs = fs;
		this.#options = options;
		this.#maxReadLength = options.maxReadLength ?? 4 * MiB;
		this.inbox = new RequestInbox(options.pipelining);
	}

	get openFiles(): number {
		return this.#handles.size;
	}

	async serve(): Promise<void> {
		const reader = this.#channel.readable.getReader();
		this.#writer = this.#channel.writable.getWriter();
		void this.#receive(reader);
		try {
			for (;;) {
				const request = await this.inbox.next();
				if (request === undefined || !(await this.#handle(request))) return;
			}
		} finally {
			this.#handles.clear();
			await this.#channel.close();
			void reader.cancel().catch(() => undefined);
		}
	}

	/**
	 * Takes requests off the channel as they come, while earlier ones are answered: what the host sent
	 * before it had its replies is known, as a phone's socket buffer holds it.
	 */
	async #receive(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
		const decoder = new AfcPacketDecoder(() => MAX_REQUEST_BODY);
		try {
			for (;;) {
				const { value, done } = await reader.read();
				if (done) return;
				for (const packet of decoder.push(value)) this.inbox.push(packet);
			}
		} catch {
			// A request stream out of step, or a channel that broke: either way the connection is over.
		} finally {
			this.inbox.end();
		}
	}

	/** Answers one request; false once the connection is gone. */
	async #handle(received: ReceivedRequest): Promise<boolean> {
		const { packet } = received;
		let request: AfcRequest | undefined;
		try {
			request = decodeRequest(packet);
		} catch {
			request = undefined;
		}
		const seen = this.#describe(packet, request);
		const faults = this.#options.faults;
		if (this.#stalled || faults?.stall?.(seen) === true) {
			// Requests are still read (and dropped), so the connection ends when the host closes it.
			this.#stalled = true;
			return true;
		}
		await this.#options.beforeAnswer?.(seen);
		const forced = faults?.status?.(seen);
		// A refused request does nothing: a refused open opens nothing, a refused read moves no position.
		const reply: Reply =
			forced !== undefined
				? forced
				: received.refused
					? this.inbox.refusal
					: request === undefined
						? AfcStatus.OpHeaderInvalid
						: await this.#answer(request);
		this.inbox.answered();
		const packetNumber = faults?.packetNumber?.(seen) ?? packet.header.packetNumber;
		if (typeof reply === 'number') return this.#write(encodeStatus(packetNumber, reply));
		if ('handle' in reply) return this.#write(encodeOpenResult(packetNumber, reply.handle));
		if ('position' in reply) return this.#write(encodeTellResult(packetNumber, reply.position));
		const header = encodeDataHeader(packetNumber, reply.data.byteLength);
		// A large reply in two writes: a multi-megabyte read is not copied to prepend 40 bytes. A small one
		// (a stat, a listing, a header read) in one: the same bytes, half the packets.
		if (reply.data.byteLength > ONE_WRITE_REPLY_BYTES) return (await this.#write(header)) && this.#write(reply.data);
		const whole = new Uint8Array(header.byteLength + reply.data.byteLength);
		whole.set(header);
		whole.set(reply.data, header.byteLength);
		return this.#write(whole);
	}

	#describe(packet: AfcPacket, request: AfcRequest | undefined): AfcdRequest {
		const { packetNumber, operation } = packet.header;
		if (request === undefined) return { packetNumber, operation, kind: 'malformed' };
		const seen: AfcdRequest = { packetNumber, operation, kind: request.kind };
		if ('path' in request) seen.path = normalizeAfcPath(request.path);
		if ('handle' in request) {
			seen.handle = request.handle;
			const file = this.#handles.get(request.handle);
			if (file !== undefined) {
				seen.path = file.path;
				if (request.kind === 'read') {
					seen.offset = file.position;
					seen.length = request.length;
				}
			}
		}
		return seen;
	}

	async #answer(request: AfcRequest): Promise<Reply> {
		// Files the storage makes on first use (the Photos database) are made before anything is said of them.
		if ('path' in request && this.#fs.prepare !== undefined) {
			try {
				await this.#fs.prepare(normalizeAfcPath(request.path));
			} catch {
				return AfcStatus.IoError;
			}
		}
		switch (request.kind) {
			case 'read-dir':
				return this.#readDir(normalizeAfcPath(request.path));
			case 'get-file-info':
				return this.#fileInfo(normalizeAfcPath(request.path));
			case 'get-device-info':
				return { data: formatDeviceInfo({ model: this.#options.model ?? 'iPhone14,5', ...this.#fs.capacity }) };
			case 'open':
				return this.#open(normalizeAfcPath(request.path), request.mode);
			case 'read':
				return this.#read(request.handle, request.length);
			case 'seek':
				return this.#seek(request.handle, request.whence, request.offset);
			case 'tell': {
				const file = this.#handles.get(request.handle);
				return file === undefined ? AfcStatus.InvalidArg : { position: file.position };
			}
			case 'close':
				return this.#handles.delete(request.handle) ? AfcStatus.Success : AfcStatus.InvalidArg;
			case 'other':
				return AfcStatus.OpNotSupported;
		}
	}

	#readDir(path: string): Reply {
		const entry = this.#fs.stat(path);
		if (entry === undefined) return AfcStatus.ObjectNotFound;
		const names = entry.kind === 'directory' ? this.#fs.list(path) : undefined;
		if (names === undefined) return AfcStatus.ReadError;
		return { data: encodeStringList(['.', '..', ...names]) };
	}

	#fileInfo(path: string): Reply {
		const entry = this.#fs.stat(path);
		if (entry === undefined) return AfcStatus.ReadError;
		if (entry.kind === 'directory') {
			// APFS reports 32 bytes per entry, "." and ".." included: an empty folder is 64 (the fixture).
			const entries = (this.#fs.list(path)?.length ?? 0) + 2;
			return { data: formatFileInfo({ ...entry, size: 32 * entries, blocks: 0, links: 2 }) };
		}
		// 512-byte blocks for whole 4 KiB allocation units.
		const blocks = Math.ceil(entry.size / 4096) * 8;
		return { data: formatFileInfo({ ...entry, blocks, links: 1 }) };
	}

	async #open(path: string, mode: number): Promise<Reply> {
		if (mode < AfcOpenMode.ReadOnly || mode > 6) return AfcStatus.InvalidArg;
		// The virtual camera roll is read-only; a real one would take writes.
		if (mode !== AfcOpenMode.ReadOnly) return AfcStatus.PermDenied;
		const entry = this.#fs.stat(path);
		if (entry === undefined) return AfcStatus.ObjectNotFound;
		if (entry.kind === 'directory') return AfcStatus.ObjectIsDir;
		if (this.#handles.size >= (this.#options.maxOpenFiles ?? 64)) return AfcStatus.NoResources;
		// A placeholder fails at open: ifuse#54's reporter saw "Failed to open input stream".
		const probe = await this.#readBytes(path, 0, Math.min(1, entry.size));
		if (typeof probe === 'number') return probe;
		const handle = this.#nextHandle++;
		this.#handles.set(handle, { path, position: 0 });
		return { handle };
	}

	async #read(handle: bigint, length: number): Promise<Reply> {
		const file = this.#handles.get(handle);
		if (file === undefined) return AfcStatus.InvalidArg;
		const entry = this.#fs.stat(file.path);
		if (entry === undefined) return AfcStatus.ObjectNotFound;
		const size = this.#fs.dataSize?.(file.path) ?? entry.size;
		const wanted = Math.max(0, Math.min(length, this.#maxReadLength, size - file.position));
		const data = await this.#readBytes(file.path, file.position, wanted);
		if (typeof data === 'number') return data;
		file.position += data.byteLength;
		return { data };
	}

	async #readBytes(path: string, offset: number, length: number): Promise<Uint8Array | number> {
		if (length === 0) return EMPTY;
		try {
			return await this.#fs.read(path, offset, length);
		} catch (error) {
			return (error as { reason?: unknown }).reason === 'not-found' ? AfcStatus.ObjectNotFound : AfcStatus.IoError;
		}
	}

	#seek(handle: bigint, whence: number, offset: number): Reply {
		const file = this.#handles.get(handle);
		if (file === undefined) return AfcStatus.InvalidArg;
		let base: number;
		if (whence === AfcSeekFrom.Start) base = 0;
		else if (whence === AfcSeekFrom.Current) base = file.position;
		else if (whence === AfcSeekFrom.End) base = this.#fs.stat(file.path)?.size ?? 0;
		else return AfcStatus.InvalidArg;
		const position = base + offset;
		if (position < 0) return AfcStatus.InvalidArg;
		file.position = position;
		return AfcStatus.Success;
	}

	async #write(bytes: Uint8Array): Promise<boolean> {
		const writer = this.#writer!;
		const limit = this.#options.faults?.closeAfterBytes;
		try {
			if (limit !== undefined && this.#sent + bytes.byteLength >= limit) {
				await writer.write(bytes.subarray(0, limit - this.#sent));
				this.#sent = limit;
				return false;
			}
			await writer.write(bytes);
			this.#sent += bytes.byteLength;
			return true;
		} catch {
			return false;
		}
	}
}
