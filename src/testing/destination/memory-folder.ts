/**
 * TEST SUPPORT — not part of the app. An in-memory folder with the File System Access interfaces
 * (`FileSystemDirectoryHandle`, `FileSystemFileHandle`, `FileSystemWritableFileStream`), for Vitest in
 * Node, with the behaviour of Chromium's OPFS where the backup depends on it (checked against the
 * real browser by tests/destination.e2e.ts):
 *
 * - `createWritable()` writes to a swap file `name.crswap` (`name.1.crswap`, … when several are open)
 *   that is listed beside the file; the file itself changes only on `close()`; `abort()` drops the swap.
 *   `keepExistingData` copies the whole file into the swap first.
 * - An open writable locks its file: `move()` and `removeEntry()` of it (or of its swap file) fail
 *   with NoModificationAllowedError.
 * - `move()` replaces an existing file silently; onto a folder it fails (InvalidModificationError).
 * - Handles name paths: a handle whose entry was removed fails with NotFoundError; a moved file
 *   handle follows its file.
 * - `getFile()` returns a snapshot: reading it after the file changed fails (NotReadableError).
 * - Names '', '.', '..' and names with '/' or '\' are a TypeError (NUL too: stricter than OPFS, which
 *   silently cuts the name there).
 *
 * Faults, for the unhappy paths:
 * - `failWritesAfter(n)`: once n more bytes have been written, writes fail with QuotaExceededError
 *   (the stream errors and its swap file goes, as in Chromium); `failWritesAfter(undefined)` frees space.
 * - `limitFileSize(n, name)`: the drive holds at most n bytes in one file, like FAT32 (4 GiB − 1): a
 *   write that would take a file past it fails whole with a DOMException `name` (Chromium on Linux and
 *   macOS: InvalidStateError; on Windows: QuotaExceededError); `limitFileSize(undefined)` lifts it.
 * - `setPermission('prompt' | 'denied', answer?)`: every call fails with NotAllowedError;
 *   `requestPermission()` answers `answer` (default: stays as it is) and `queryPermission()` reports.
 * - `crash()`: the browser died. Open writables are dropped (their `.crswap` files stay, the files keep
 *   their old content) and every handle and writable from before fails from now on; `root()` gives the
 *   handles of the restarted browser.
 * - `unplug()` / `replug()`: the drive is gone: NotFoundError everywhere.
 * - `onOperation`: called before each change (create, write, close, move, remove); it may throw to fail
 *   that operation, or call `crash()` to crash at that very point.
 *
 * Not modelled: directory `move()`, sync access handles, file type from extension, Safe Browsing checks.
 */

export interface MemoryOperation {
	kind: 'create' | 'write' | 'close' | 'move' | 'remove';
	/** The entry's path relative to the picked folder (for a write or close: the file's, not the swap's). */
	path: string;
	/** Bytes in a write. */
	bytes?: number;
}

type Entry = DirectoryNode | FileNode;

class DirectoryNode {
	readonly kind = 'directory';
	readonly children = new Map<string, Entry>();
}

class FileNode {
	readonly kind = 'file';
	data: Uint8Array = new Uint8Array(0);
	lastModified: number;
	/** Changes with every change of `data`: snapshots from `getFile()` check it. */
	version = 0;
	/** Open writables of this file, or 1 for a swap file in use. */
	locks = 0;

	constructor(now: number) {
		this.lastModified = now;
	}
}

const fsError = (name: string, message: string) => new DOMException(message, name);
const QUOTA_MESSAGE = 'The operation failed because it would cause the application to exceed its storage quota.';
const notFound = () => fsError('NotFoundError', 'A requested file or directory could not be found at the time an operation was processed.');
const locked = () => fsError('NoModificationAllowedError', 'An attempt was made to modify an object where modifications are not allowed.');

function checkName(name: string): void {
	if (name === '' || name === '.' || name === '..' || /[/\\\u0000]/.test(name)) throw new TypeError('Name is not allowed.');
}

/** A `File`-like snapshot of a file's bytes, unreadable once the file has changed. */
class MemoryFileSnapshot {
	readonly name: string;
	readonly lastModified: number;
	readonly type = '';
	readonly webkitRelativePath = '';
	readonly #node: FileNode;
	readonly #version: number;
	readonly #data: Uint8Array;

	constructor(node: FileNode, name: string, data = node.data) {
		this.name = name;
		this.lastModified = node.lastModified;
		this.#node = node;
		this.#version = node.version;
		this.#data = data;
	}

	get size(): number {
		return this.#data.length;
	}

	#bytes(): Uint8Array {
		if (this.#node.version !== this.#version) {
			throw fsError('NotReadableError', 'The requested file could not be read, typically due to permission problems that have occurred after a reference to a file was acquired.');
		}
		return this.#data;
	}

	slice(start = 0, end = this.#data.length): MemoryFileSnapshot {
		const from = start < 0 ? Math.max(this.#data.length + start, 0) : Math.min(start, this.#data.length);
		const to = end < 0 ? Math.max(this.#data.length + end, 0) : Math.min(end, this.#data.length);
		return new MemoryFileSnapshot(this.#node, this.name, this.#data.subarray(from, Math.max(from, to)));
	}

	async arrayBuffer(): Promise<ArrayBuffer> {
		return this.#bytes().slice().buffer as ArrayBuffer;
	}

	async bytes(): Promise<Uint8Array> {
		return this.#bytes().slice();
	}

	async text(): Promise<string> {
		return new TextDecoder().decode(this.#bytes());
	}

	stream(): ReadableStream<Uint8Array> {
		let offset = 0;
		return new ReadableStream<Uint8Array>({
			pull: (controller) => {
				const data = this.#bytes();
				if (offset >= data.length) return controller.close();
				const end = Math.min(offset + 64 * 1024, data.length);
				controller.enqueue(data.slice(offset, end));
				offset = end;
			},
		});
	}
}

/** The tree, the faults, and the checks every handle makes before it acts. */
class Disk {
	readonly top = new DirectoryNode();
	readonly name: string;
	readonly now: () => number;
	epoch = 0;
	present = true;
	permission: PermissionState = 'granted';
	answerToRequest: PermissionState | undefined;
	quotaLeft: number | undefined;
	fileSizeLimit: { bytes: number; refusal: string } | undefined;
	onOperation: ((operation: MemoryOperation) => void) | undefined;
	readonly writables = new Set<MemoryWritable>();

	constructor(name: string, now: () => number) {
		this.name = name;
		this.now = now;
	}

	/** Rejects like the browser would before anything else is looked at. */
	check(epoch: number): void {
		if (epoch !== this.epoch) throw fsError('InvalidStateError', 'This page is gone (simulated browser crash).');
		if (this.permission !== 'granted') throw fsError('NotAllowedError', 'The request is not allowed by the user agent or the platform in the current context.');
		if (!this.present) throw notFound();
	}

	notify(operation: MemoryOperation, epoch: number): void {
		this.onOperation?.(operation);
		this.check(epoch);
	}

	lookup(path: readonly string[]): Entry | undefined {
		let entry: Entry = this.top;
		for (const segment of path) {
			if (entry.kind !== 'directory') return undefined;
			const next: Entry | undefined = entry.children.get(segment);
			if (next === undefined) return undefined;
			entry = next;
		}
		return entry;
	}

	directory(path: readonly string[]): DirectoryNode {
		const entry = this.lookup(path);
		if (entry === undefined) throw notFound();
		if (entry.kind !== 'directory') throw fsError('TypeMismatchError', 'The path supplied exists, but was not an entry of requested type.');
		return entry;
	}

	file(path: readonly string[]): FileNode {
		const entry = this.lookup(path);
		if (entry === undefined) throw notFound();
		if (entry.kind !== 'file') throw fsError('TypeMismatchError', 'The path supplied exists, but was not an entry of requested type.');
		return entry;
	}
}

const isLocked = (entry: Entry): boolean =>
	entry.kind === 'file' ? entry.locks > 0 : [...entry.children.values()].some(isLocked);

class MemoryHandle {
	readonly #disk: Disk;
	readonly epoch: number;
	path: string[];

	constructor(disk: Disk, path: string[], epoch: number) {
		this.#disk = disk;
		this.path = path;
		this.epoch = epoch;
	}

	protected get disk(): Disk {
		return this.#disk;
	}

	get name(): string {
		return this.path.at(-1) ?? this.#disk.name;
	}

	sameDisk(other: MemoryHandle): boolean {
		return other.#disk === this.#disk;
	}

	async isSameEntry(other: unknown): Promise<boolean> {
		return (
			other instanceof MemoryHandle &&
			other.#disk === this.#disk &&
			(other as { kind?: unknown }).kind === (this as unknown as { kind?: unknown }).kind &&
			other.path.join('/') === this.path.join('/')
		);
	}

	async queryPermission(): Promise<PermissionState> {
		return this.#disk.permission;
	}

	async requestPermission(): Promise<PermissionState> {
		if (this.#disk.answerToRequest !== undefined) this.#disk.permission = this.#disk.answerToRequest;
		return this.#disk.permission;
	}
}

class MemoryDirectoryHandle extends MemoryHandle {
	readonly kind = 'directory';

	#child(name: string): string[] {
		checkName(name);
		return [...this.path, name];
	}

	async getDirectoryHandle(name: string, options: { create?: boolean } = {}): Promise<MemoryDirectoryHandle> {
		const path = this.#entry(name, 'directory', options.create === true, () => new DirectoryNode());
		return new MemoryDirectoryHandle(this.disk, path, this.epoch);
	}

	async getFileHandle(name: string, options: { create?: boolean } = {}): Promise<MemoryFileHandle> {
		const path = this.#entry(name, 'file', options.create === true, () => new FileNode(this.disk.now()));
		return new MemoryFileHandle(this.disk, path, this.epoch);
	}

	/** The path of the child `name` of `kind`, made with `make` when absent and `create` is set. */
	#entry(name: string, kind: 'file' | 'directory', create: boolean, make: () => DirectoryNode | FileNode): string[] {
		this.disk.check(this.epoch);
		const path = this.#child(name);
		const parent = this.disk.directory(this.path);
		const existing = parent.children.get(name);
		if (existing === undefined) {
			if (!create) throw notFound();
			this.disk.notify({ kind: 'create', path: path.join('/') }, this.epoch);
			parent.children.set(name, make());
		} else if (existing.kind !== kind) {
			throw fsError('TypeMismatchError', 'The path supplied exists, but was not an entry of requested type.');
		}
		return path;
	}

	async removeEntry(name: string, options: { recursive?: boolean } = {}): Promise<void> {
		this.disk.check(this.epoch);
		const path = this.#child(name);
		const parent = this.disk.directory(this.path);
		const entry = parent.children.get(name);
		if (entry === undefined) throw notFound();
		if (entry.kind === 'directory' && entry.children.size > 0 && options.recursive !== true) {
			throw fsError('InvalidModificationError', 'The object can not be modified in this way.');
		}
		if (isLocked(entry)) throw locked();
		this.disk.notify({ kind: 'remove', path: path.join('/') }, this.epoch);
		parent.children.delete(name);
		if (entry.kind === 'file') entry.version++;
	}

	async resolve(possibleDescendant: unknown): Promise<string[] | null> {
		if (!(possibleDescendant instanceof MemoryHandle) || !possibleDescendant.sameDisk(this)) return null;
		const path = possibleDescendant.path;
		if (path.length < this.path.length || this.path.some((segment, i) => path[i] !== segment)) return null;
		return path.slice(this.path.length);
	}

	async *entries(): AsyncGenerator<[string, MemoryDirectoryHandle | MemoryFileHandle]> {
		this.disk.check(this.epoch);
		const names = [...this.disk.directory(this.path).children.keys()];
		for (const name of names) {
			this.disk.check(this.epoch);
			const entry = this.disk.directory(this.path).children.get(name);
			if (entry === undefined) continue;
			const path = [...this.path, name];
			yield [name, entry.kind === 'directory' ? new MemoryDirectoryHandle(this.disk, path, this.epoch) : new MemoryFileHandle(this.disk, path, this.epoch)];
		}
	}

	async *keys(): AsyncGenerator<string> {
		for await (const [name] of this.entries()) yield name;
	}

	async *values(): AsyncGenerator<MemoryDirectoryHandle | MemoryFileHandle> {
		for await (const [, handle] of this.entries()) yield handle;
	}

	[Symbol.asyncIterator](): AsyncGenerator<[string, MemoryDirectoryHandle | MemoryFileHandle]> {
		return this.entries();
	}
}

class MemoryFileHandle extends MemoryHandle {
	readonly kind = 'file';

	async getFile(): Promise<MemoryFileSnapshot> {
		this.disk.check(this.epoch);
		return new MemoryFileSnapshot(this.disk.file(this.path), this.name);
	}

	async createWritable(options: { keepExistingData?: boolean } = {}): Promise<MemoryWritable> {
		this.disk.check(this.epoch);
		const target = this.disk.file(this.path);
		const parent = this.disk.directory(this.path.slice(0, -1));
		let swapName = `${this.name}.crswap`;
		for (let n = 1; parent.children.has(swapName); n++) swapName = `${this.name}.${n}.crswap`;
		const swap = new FileNode(this.disk.now());
		swap.locks = 1;
		parent.children.set(swapName, swap);
		target.locks++;
		const writable = new MemoryWritable(this.disk, this.epoch, this.path, target, [...this.path.slice(0, -1), swapName], swap);
		if (options.keepExistingData === true) writable.preload(target.data);
		return writable;
	}

	async move(destination: MemoryDirectoryHandle | string, newName?: string): Promise<void> {
		this.disk.check(this.epoch);
		const directoryPath = typeof destination === 'string' ? this.path.slice(0, -1) : destination.path;
		const name = typeof destination === 'string' ? destination : (newName ?? this.name);
		checkName(name);
		const source = this.disk.file(this.path);
		if (source.locks > 0) {
			throw fsError('NoModificationAllowedError', `Failed to move ${this.name}. A FileSystemHandle cannot be moved while it is locked.`);
		}
		const target = this.disk.directory(directoryPath);
		const existing = target.children.get(name);
		const to = [...directoryPath, name];
		if (to.join('/') === this.path.join('/')) return;
		if (existing?.kind === 'directory') throw fsError('InvalidModificationError', 'The object can not be modified in this way.');
		if (existing !== undefined && existing.locks > 0) throw locked();
		this.disk.notify({ kind: 'move', path: this.path.join('/') }, this.epoch);
		this.disk.directory(this.path.slice(0, -1)).children.delete(this.name);
		if (existing !== undefined) existing.version++;
		target.children.set(name, source);
		this.path = to;
	}
}

type WriteParams =
	| { type: 'write'; position?: number | null; data: unknown }
	| { type: 'seek'; position: number }
	| { type: 'truncate'; size: number };

/** `FileSystemWritableFileStream`: writes go to the swap file; `close()` puts them in place. */
class MemoryWritable extends WritableStream<unknown> {
	readonly #disk: Disk;
	readonly #epoch: number;
	readonly #path: string[];
	readonly #target: FileNode;
	readonly #swapPath: string[];
	readonly #swap: FileNode;
	#buffer = new Uint8Array(0);
	#size = 0;
	#cursor = 0;
	#open = true;

	constructor(disk: Disk, epoch: number, path: string[], target: FileNode, swapPath: string[], swap: FileNode) {
		let self!: MemoryWritable;
		super({
			write: (chunk) => self.#apply(chunk),
			close: () => self.#close(),
			abort: () => self.#release(true),
		});
		self = this;
		this.#disk = disk;
		this.#epoch = epoch;
		this.#path = path;
		this.#target = target;
		this.#swapPath = swapPath;
		this.#swap = swap;
		disk.writables.add(this);
	}

	preload(data: Uint8Array): void {
		this.#place(0, data);
	}

	async write(data: unknown): Promise<void> {
		const writer = this.getWriter();
		try {
			await writer.write(data);
		} finally {
			writer.releaseLock();
		}
	}

	seek(position: number): Promise<void> {
		return this.write({ type: 'seek', position });
	}

	truncate(size: number): Promise<void> {
		return this.write({ type: 'truncate', size });
	}

	/** The browser died: the swap file stays as it is, the lock goes, and this stream is dead. */
	dropForCrash(): void {
		this.#open = false;
		this.#target.locks = Math.max(0, this.#target.locks - 1);
		this.#swap.locks = 0;
		this.#disk.writables.delete(this);
	}

	#place(at: number, bytes: Uint8Array): void {
		const end = at + bytes.length;
		if (end > this.#buffer.length) {
			const grown = new Uint8Array(Math.max(end, this.#buffer.length * 2, 4096));
			grown.set(this.#buffer.subarray(0, this.#size));
			this.#buffer = grown;
		}
		if (at > this.#size) this.#buffer.fill(0, this.#size, at);
		this.#buffer.set(bytes, at);
		this.#size = Math.max(this.#size, end);
		this.#swap.data = this.#buffer.subarray(0, this.#size);
		this.#swap.version++;
	}

	async #apply(chunk: unknown): Promise<void> {
		try {
			this.#alive();
			const params = toParams(chunk);
			if (params.type === 'seek') {
				if (!(params.position >= 0)) throw new TypeError('Invalid position.');
				this.#cursor = params.position;
				return;
			}
			if (params.type === 'truncate') {
				if (!(params.size >= 0)) throw new TypeError('Invalid size.');
				if (params.size > this.#size) this.#place(params.size, new Uint8Array(0));
				this.#size = params.size;
				this.#swap.data = this.#buffer.subarray(0, this.#size);
				this.#cursor = Math.min(this.#cursor, this.#size);
				return;
			}
			const bytes = await toBytes(params.data);
			this.#disk.notify({ kind: 'write', path: this.#path.join('/'), bytes: bytes.length }, this.#epoch);
			this.#alive();
			const at = params.position ?? this.#cursor;
			const limit = this.#disk.fileSizeLimit;
			if (limit !== undefined && Math.max(this.#size, at + bytes.length) > limit.bytes) {
				throw fsError(limit.refusal, limit.refusal === 'QuotaExceededError' ? QUOTA_MESSAGE : 'An operation that depends on state cached in an interface object was made but the state had changed since it was read from disk.');
			}
			if (this.#disk.quotaLeft !== undefined) {
				if (bytes.length > this.#disk.quotaLeft) throw fsError('QuotaExceededError', QUOTA_MESSAGE);
				this.#disk.quotaLeft -= bytes.length;
			}
			this.#place(at, bytes);
			this.#cursor = at + bytes.length;
		} catch (error) {
			// The stream is errored now; Chromium then drops the swap file and the lock.
			if (this.#open && this.#epoch === this.#disk.epoch) this.#release(true);
			throw error;
		}
	}

	async #close(): Promise<void> {
		try {
			this.#alive();
			this.#disk.notify({ kind: 'close', path: this.#path.join('/') }, this.#epoch);
			this.#alive();
			if (this.#disk.lookup(this.#path) !== this.#target) throw notFound();
		} catch (error) {
			// As a failed write: the stream is errored, and Chromium drops the swap file and the lock.
			if (this.#open && this.#epoch === this.#disk.epoch) this.#release(true);
			throw error;
		}
		this.#target.data = this.#buffer.slice(0, this.#size);
		this.#target.version++;
		this.#target.lastModified = this.#disk.now();
		this.#release(true);
	}

	#alive(): void {
		if (!this.#open) throw fsError('InvalidStateError', 'The writable stream is no longer usable.');
		this.#disk.check(this.#epoch);
	}

	#release(removeSwap: boolean): void {
		if (!this.#open) return;
		this.#open = false;
		this.#target.locks = Math.max(0, this.#target.locks - 1);
		this.#swap.locks = 0;
		this.#disk.writables.delete(this);
		if (!removeSwap) return;
		const parent = this.#disk.lookup(this.#swapPath.slice(0, -1));
		const name = this.#swapPath.at(-1)!;
		if (parent?.kind === 'directory' && parent.children.get(name) === this.#swap) parent.children.delete(name);
	}
}

function toParams(chunk: unknown): WriteParams {
	if (typeof chunk === 'object' && chunk !== null && 'type' in chunk && !ArrayBuffer.isView(chunk) && !(chunk instanceof ArrayBuffer)) {
		const params = chunk as WriteParams;
		if (params.type === 'write' || params.type === 'seek' || params.type === 'truncate') return params;
	}
	return { type: 'write', data: chunk };
}

async function toBytes(data: unknown): Promise<Uint8Array> {
	if (data instanceof Uint8Array) return data;
	if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
	if (data instanceof ArrayBuffer) return new Uint8Array(data);
	if (typeof data === 'object' && data !== null && typeof (data as Blob).arrayBuffer === 'function') {
		return new Uint8Array(await (data as Blob).arrayBuffer());
	}
	if (data === undefined || data === null) throw new TypeError('Invalid data.');
	return new TextEncoder().encode(String(data));
}

export interface MemoryFolderOptions {
	/** The picked folder's name (default 'picked'). */
	name?: string;
	/** The clock for `lastModified` (default `Date.now`). */
	now?: () => number;
}

/** TEST SUPPORT: a picked folder in memory, with fault injection. See the top of this file. */
export class MemoryFolder {
	readonly #disk: Disk;

	constructor(options: MemoryFolderOptions = {}) {
		this.#disk = new Disk(options.name ?? 'picked', options.now ?? Date.now);
	}

	/** A handle on the picked folder, as `showDirectoryPicker()` gives it (after `crash()`: the new browser's). */
	root(): FileSystemDirectoryHandle {
		return new MemoryDirectoryHandle(this.#disk, [], this.#disk.epoch) as unknown as FileSystemDirectoryHandle;
	}

	/** Writes fail with QuotaExceededError once `bytes` more have been written; undefined: no limit. */
	failWritesAfter(bytes: number | undefined): void {
		this.#disk.quotaLeft = bytes;
	}

	/**
	 * The drive holds at most `bytes` in one file, like FAT32: a write past it fails whole with a
	 * DOMException named `refusal` (default InvalidStateError, Chromium's on Linux and macOS); undefined
	 * lifts the limit (the drive reformatted).
	 */
	limitFileSize(bytes: number | undefined, refusal = 'InvalidStateError'): void {
		this.#disk.fileSizeLimit = bytes === undefined ? undefined : { bytes, refusal };
	}

	/** Sets the folder's permission; `answerToRequest` is what `requestPermission()` will grant. */
	setPermission(state: PermissionState, answerToRequest?: PermissionState): void {
		this.#disk.permission = state;
		this.#disk.answerToRequest = answerToRequest;
	}

	/** The browser died: open writables are dropped leaving their `.crswap` files; old handles are dead. */
	crash(): void {
		for (const writable of [...this.#disk.writables]) writable.dropForCrash();
		this.#disk.epoch++;
	}

	/** The drive went away: NotFoundError on every call until `replug()`. */
	unplug(): void {
		this.#disk.present = false;
	}

	replug(): void {
		this.#disk.present = true;
	}

	set onOperation(listener: ((operation: MemoryOperation) => void) | undefined) {
		this.#disk.onOperation = listener;
	}

	get onOperation(): ((operation: MemoryOperation) => void) | undefined {
		return this.#disk.onOperation;
	}

	// Inspection and seeding: immediate, and untouched by the faults above.

	/** Every file's path, '/'-separated, sorted (swap files included). */
	files(): string[] {
		const paths: string[] = [];
		const walk = (directory: DirectoryNode, prefix: string) => {
			for (const [name, entry] of directory.children) {
				const path = prefix === '' ? name : `${prefix}/${name}`;
				if (entry.kind === 'directory') walk(entry, path);
				else paths.push(path);
			}
		};
		walk(this.#disk.top, '');
		return paths.sort();
	}

	/** A file's bytes (a copy), or undefined. */
	read(path: string): Uint8Array | undefined {
		const entry = this.#disk.lookup(path.split('/'));
		return entry?.kind === 'file' ? entry.data.slice() : undefined;
	}

	readText(path: string): string | undefined {
		const bytes = this.read(path);
		return bytes === undefined ? undefined : new TextDecoder().decode(bytes);
	}

	/** Removes a file, or a folder with all it holds, as a person does in a file manager. */
	delete(path: string): void {
		const segments = path.split('/');
		let directory = this.#disk.top;
		for (const segment of segments.slice(0, -1)) {
			const next = directory.children.get(segment);
			if (next?.kind !== 'directory') throw new TypeError(`${path} is not there`);
			directory = next;
		}
		if (!directory.children.delete(segments.at(-1)!)) throw new TypeError(`${path} is not there`);
	}

	/** Puts a file there directly, creating its folders; replaces a file already there. */
	write(path: string, content: Uint8Array | string, lastModified = this.#disk.now()): void {
		const segments = path.split('/');
		segments.forEach(checkName);
		let directory = this.#disk.top;
		for (const segment of segments.slice(0, -1)) {
			let next = directory.children.get(segment);
			if (next === undefined) directory.children.set(segment, (next = new DirectoryNode()));
			if (next.kind !== 'directory') throw new TypeError(`${segment} is a file`);
			directory = next;
		}
		const name = segments.at(-1)!;
		const existing = directory.children.get(name);
		const file = existing?.kind === 'file' ? existing : new FileNode(lastModified);
		file.data = typeof content === 'string' ? new TextEncoder().encode(content) : content.slice();
		file.lastModified = lastModified;
		file.version++;
		directory.children.set(name, file);
	}
}
