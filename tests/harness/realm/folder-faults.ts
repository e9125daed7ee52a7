/**
 * Test support only: a fault-injecting backup folder at the File System Access seam. Installed with
 * the fake USB into the page and every worker (the device worker is the one that writes), it wraps the
 * File System Access prototypes of its realm so that, once the test sets a fault and `afterBytes` more
 * bytes were written, the folder fails the way Chromium fails it:
 * - 'disk-full': the write that crosses the limit writes what fits, then rejects with
 *   QuotaExceededError and errors its stream; every later write of data does the same.
 * - 'permission-revoked': writes, creating, moving and removing entries reject with NotAllowedError, and
 *   `queryPermission({ mode: 'readwrite' })` answers 'prompt' (reads still work).
 * Setting `{ kind: 'none' }` is the space freed or the permission granted again. The test sets faults
 * over a BroadcastChannel (see ../folder-faults.ts); each realm acknowledges with its address and
 * the faults that struck since the previous setting.
 */

export type FolderFault =
	| { readonly kind: 'none' }
	| { readonly kind: 'disk-full' | 'permission-revoked'; /** Bytes still written before it strikes; 0 by default. */ readonly afterBytes?: number }
	/** Writes to files whose name contains `file` wait, unfinished, until another fault (or none) is set. */
	| { readonly kind: 'hold'; readonly file: string }
	/**
	 * A drive that holds files of at most `bytes` (FAT32: 4 GiB − 1): the write that would take a file
	 * past it rejects with InvalidStateError, as Chromium reports EFBIG on Linux and macOS.
	 */
	| { readonly kind: 'file-size-limit'; readonly bytes: number };

/** Where a fault struck: the file being written and how many of its bytes got in first. */
export interface FolderFaultStrike {
	readonly kind: 'disk-full' | 'permission-revoked' | 'hold' | 'file-size-limit';
	readonly file: string;
	readonly bytesIntoFile: number;
}

export type FolderFaultMessage =
	| { readonly type: 'set'; readonly id: string; readonly fault: FolderFault }
	| { readonly type: 'ack'; readonly id: string; readonly realm: string; readonly strikes: readonly FolderFaultStrike[] };

interface StreamInfo {
	readonly file: string;
	written: number;
}

type WriteData = unknown;

let fault: FolderFault = { kind: 'none' };
let bytesLeft = Number.POSITIVE_INFINITY;
let strikes: FolderFaultStrike[] = [];

/** Held writes go on once the hold is lifted. */
let lift: () => void = () => undefined;
let lifted: Promise<void> = Promise.resolve();

function setFault(next: FolderFault): void {
	if (next.kind === 'hold' && fault.kind !== 'hold') lifted = new Promise((resolve) => (lift = resolve));
	if (next.kind !== 'hold') lift();
	fault = next;
	bytesLeft = next.kind === 'disk-full' || next.kind === 'permission-revoked' ? Math.max(0, next.afterBytes ?? 0) : Number.POSITIVE_INFINITY;
}

/** True once the fault has struck (its byte allowance is used up). */
function struck(kind: FolderFault['kind']): boolean {
	return fault.kind === kind && bytesLeft === 0;
}

function quotaExceeded(): DOMException {
	const message = 'The operation failed because it would cause the application to exceed its storage quota.';
	const QuotaExceeded = (globalThis as { QuotaExceededError?: new (message: string) => DOMException }).QuotaExceededError;
	return typeof QuotaExceeded === 'function' ? new QuotaExceeded(message) : new DOMException(message, 'QuotaExceededError');
}

function notAllowed(): DOMException {
	return new DOMException('The request is not allowed by the user agent or the platform in the current context.', 'NotAllowedError');
}

/** The bytes of a `write()` argument as a view, when it is a buffer (the product writes only those). */
function bytesOf(data: WriteData): Uint8Array | undefined {
	if (data instanceof ArrayBuffer) return new Uint8Array(data);
	if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
	return undefined;
}

function sizeOf(data: WriteData): number {
	const bytes = bytesOf(data);
	if (bytes) return bytes.byteLength;
	if (data instanceof Blob) return data.size;
	if (typeof data === 'string') return new TextEncoder().encode(data).byteLength;
	if (typeof data === 'object' && data !== null && (data as { type?: unknown }).type === 'write') {
		return sizeOf((data as { data?: unknown }).data);
	}
	return 0; // seek, truncate
}

/**
 * One write through the fault: passes while the allowance lasts; the write that crosses it writes
 * what fits, then errors the stream (`fail`) and rejects, as a sink whose write failed does.
 */
async function faultyWrite(
	info: StreamInfo,
	data: WriteData,
	pass: (data: WriteData) => Promise<void>,
	fail: (error: DOMException) => Promise<void>,
): Promise<void> {
	if (fault.kind === 'none') return pass(data);
	if (fault.kind === 'hold') {
		if (info.file.includes(fault.file)) {
			strikes.push({ kind: 'hold', file: info.file, bytesIntoFile: info.written });
			await lifted;
		}
		return pass(data);
	}
	const size = sizeOf(data);
	if (fault.kind === 'file-size-limit') {
		if (info.written + size <= fault.bytes) {
			await pass(data);
			info.written += size;
			return;
		}
		strikes.push({ kind: 'file-size-limit', file: info.file, bytesIntoFile: info.written });
		const error = new DOMException('An operation that depends on state cached in an interface object was made but the state had changed since it was read from disk.', 'InvalidStateError');
		await fail(error).catch(() => undefined);
		throw error;
	}
	const kind = fault.kind;
	if (!struck(kind) && size <= bytesLeft) {
		bytesLeft -= size;
		await pass(data);
		info.written += size;
		return;
	}
	if (kind === 'disk-full' && size === 0) return pass(data);
	const room = bytesLeft;
	bytesLeft = 0;
	const bytes = bytesOf(data);
	if (room > 0 && bytes) {
		await pass(bytes.subarray(0, room));
		info.written += room;
	}
	strikes.push({ kind, file: info.file, bytesIntoFile: info.written });
	const error = kind === 'disk-full' ? quotaExceeded() : notAllowed();
	await fail(error).catch(() => undefined);
	throw error;
}

/** Replaces `proto[name]` with `wrap(original)`. */
function patch<T extends object>(proto: T | undefined, name: string, wrap: (original: (...args: never[]) => unknown) => unknown): void {
	if (!proto || typeof (proto as Record<string, unknown>)[name] !== 'function') return;
	const original = (proto as Record<string, (...args: never[]) => unknown>)[name]!;
	Object.defineProperty(proto, name, { configurable: true, writable: true, value: wrap(original) });
}

function wrapPrototypes(): void {
	const scope = globalThis as unknown as Record<string, { prototype: object } | undefined>;
	const writableProto = scope['FileSystemWritableFileStream']?.prototype;
	const fileProto = scope['FileSystemFileHandle']?.prototype;
	const directoryProto = scope['FileSystemDirectoryHandle']?.prototype;
	const handleProto = scope['FileSystemHandle']?.prototype;
	if (!writableProto || !fileProto || !directoryProto || !handleProto) return;

	const streams = new WeakMap<WritableStream, StreamInfo>();
	const writers = new WeakMap<WritableStreamDefaultWriter, StreamInfo>();
	const abortStream = WritableStream.prototype.abort;
	const abortWriter = WritableStreamDefaultWriter.prototype.abort;

	const refusedWhenRevoked =
		(original: (...args: never[]) => unknown, when: (...args: never[]) => boolean = () => true) =>
		function (this: unknown, ...args: never[]) {
			if (struck('permission-revoked') && when(...args)) return Promise.reject(notAllowed());
			return original.apply(this, args);
		};

	patch(fileProto, 'createWritable', (original) => async function (this: FileSystemFileHandle, ...args: never[]) {
		if (struck('permission-revoked')) throw notAllowed();
		const stream = (await original.apply(this, args)) as WritableStream;
		streams.set(stream, { file: this.name, written: 0 });
		return stream;
	});
	patch(WritableStream.prototype, 'getWriter', (original) => function (this: WritableStream, ...args: never[]) {
		const writer = original.apply(this, args) as WritableStreamDefaultWriter;
		const info = streams.get(this);
		if (info) writers.set(writer, info);
		return writer;
	});
	patch(WritableStreamDefaultWriter.prototype, 'write', (original) => function (this: WritableStreamDefaultWriter, chunk: never) {
		const info = writers.get(this);
		if (!info) return original.call(this, chunk);
		return faultyWrite(
			info,
			chunk,
			(data) => original.call(this, data as never) as Promise<void>,
			(error) => abortWriter.call(this, error),
		);
	});
	patch(WritableStreamDefaultWriter.prototype, 'close', (original) => function (this: WritableStreamDefaultWriter) {
		if (writers.has(this) && struck('permission-revoked')) {
			const error = notAllowed();
			return abortWriter.call(this, error).then(() => Promise.reject(error));
		}
		return original.call(this);
	});
	patch(writableProto, 'write', (original) => function (this: WritableStream, data: never) {
		const info = streams.get(this);
		if (!info) return original.call(this, data);
		return faultyWrite(
			info,
			data,
			(part) => original.call(this, part as never) as Promise<void>,
			(error) => abortStream.call(this, error),
		);
	});
	patch(writableProto, 'close', (original) => function (this: WritableStream) {
		if (streams.has(this) && struck('permission-revoked')) {
			const error = notAllowed();
			return abortStream.call(this, error).then(() => Promise.reject(error));
		}
		return original.call(this);
	});

	const creating = (_name: never, options?: { create?: boolean }) => options?.create === true;
	patch(directoryProto, 'getFileHandle', (original) => refusedWhenRevoked(original, creating));
	patch(directoryProto, 'getDirectoryHandle', (original) => refusedWhenRevoked(original, creating));
	patch(directoryProto, 'removeEntry', (original) => refusedWhenRevoked(original));
	for (const proto of [fileProto, handleProto]) {
		if (Object.hasOwn(proto, 'move')) patch(proto, 'move', (original) => refusedWhenRevoked(original));
		if (Object.hasOwn(proto, 'remove')) patch(proto, 'remove', (original) => refusedWhenRevoked(original));
	}

	const writeMode = (descriptor?: { mode?: string }) => descriptor?.mode === 'readwrite';
	patch(handleProto, 'queryPermission', (original) => function (this: unknown, descriptor?: { mode?: string }) {
		if (struck('permission-revoked') && writeMode(descriptor)) return Promise.resolve('prompt');
		return original.call(this, descriptor as never);
	});
	// Granting again is the test's to decide (by setting no fault): until then the person declines.
	patch(handleProto, 'requestPermission', (original) => function (this: unknown, descriptor?: { mode?: string }) {
		if (struck('permission-revoked') && writeMode(descriptor)) return Promise.resolve('denied');
		return original.call(this, descriptor as never);
	});
}

/** Wraps this realm's File System Access prototypes and listens on `channel` for the test's faults. */
export function installFolderFaults(channel: string): void {
	if (typeof BroadcastChannel !== 'function') return;
	wrapPrototypes();
	const realm = String(globalThis.location?.href ?? 'unknown');
	const port = new BroadcastChannel(channel);
	port.onmessage = (event: MessageEvent<FolderFaultMessage>) => {
		const message = event.data;
		if (message?.type !== 'set') return;
		setFault(message.fault);
		const ack: FolderFaultMessage = { type: 'ack', id: message.id, realm, strikes };
		strikes = [];
		port.postMessage(ack);
	};
}
