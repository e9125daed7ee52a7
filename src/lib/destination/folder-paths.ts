/**
 * Small steps on directory handles: walking relative paths, telling what is at a name, temporary and
 * swap-file names, listing, and replacing a file by moving another over it.
 */
import { toHex } from '../bytes';
import { folderFailedError } from './folder-errors';
import { isSafeName } from './names';

const TEMP_NAME = /^\.(.+)\.part-[0-9a-f]{8}$/;
/** Chromium's swap files: `name.crswap`, `name.1.crswap`, … */
const SWAP_NAME = /\.crswap$/;

/** `.IMG_0001.HEIC.part-1a2b3c4d`: hidden, recognizable, in the same folder as the final file. */
export function temporaryName(name: string): string {
	const random = new Uint8Array(4);
	globalThis.crypto.getRandomValues(random);
	return `.${name}.part-${toHex(random)}`;
}

/** The final name a temporary name stands for, or undefined when it is not one of ours. */
export function finalNameOf(temporary: string): string | undefined {
	return TEMP_NAME.exec(temporary)?.[1];
}

export function isLeftoverName(name: string): boolean {
	return TEMP_NAME.test(name) || SWAP_NAME.test(name);
}

/**
 * The segments of a relative path. `strict` (for writing) demands safe names; otherwise (for
 * reading what is there) only what File System Access itself refuses is rejected.
 */
export function segmentsOf(path: string, strict: boolean): string[] {
	const segments = path.split('/');
	const valid = segments.every((segment) =>
		strict ? isSafeName(segment) : segment !== '' && segment !== '.' && segment !== '..' && !/[\\\u0000]/.test(segment),
	);
	if (!valid) throw folderFailedError(`“${path}” is not a file name this app writes in the backup folder.`);
	return segments;
}

export async function directoryAt(
	folder: FileSystemDirectoryHandle,
	segments: readonly string[],
	create: boolean,
): Promise<FileSystemDirectoryHandle> {
	let directory = folder;
	for (const segment of segments) directory = await directory.getDirectoryHandle(segment, { create });
	return directory;
}

/** What is at `name` in `directory`, without creating anything. */
export async function entryKind(directory: FileSystemDirectoryHandle, name: string): Promise<'file' | 'directory' | undefined> {
	try {
		await directory.getFileHandle(name);
		return 'file';
	} catch (error) {
		const errorName = (error as { name?: unknown } | null)?.name;
		if (errorName === 'TypeMismatchError') return 'directory';
		if (errorName === 'NotFoundError') return undefined;
		throw error;
	}
}

/** Entries of a directory, sorted by name so that walks are deterministic. */
export async function sortedEntries(directory: FileSystemDirectoryHandle): Promise<Array<[string, FileSystemHandle]>> {
	const entries: Array<[string, FileSystemHandle]> = [];
	for await (const entry of directory.entries()) entries.push(entry);
	return entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

export interface WalkedFile {
	path: string;
	name: string;
	directory: FileSystemDirectoryHandle;
	handle: FileSystemFileHandle;
}

/** Every file under `folder`, depth first, names sorted within each folder. */
export async function* walkFiles(folder: FileSystemDirectoryHandle, prefix = ''): AsyncGenerator<WalkedFile> {
	for (const [name, handle] of await sortedEntries(folder)) {
		const path = prefix === '' ? name : `${prefix}/${name}`;
		if (handle.kind === 'directory') yield* walkFiles(handle as FileSystemDirectoryHandle, path);
		else yield { path, name, directory: folder, handle: handle as FileSystemFileHandle };
	}
}

/** Writes `bytes` as the whole content of a new or emptied file, with one writable. */
export async function writeWhole(handle: FileSystemFileHandle, bytes: Uint8Array): Promise<void> {
	const writable = await handle.createWritable();
	try {
		await writable.write(bytes as Uint8Array<ArrayBuffer>);
		await writable.close();
	} catch (error) {
		await writable.abort().catch(() => undefined);
		throw error;
	}
}

const isAccessFailure = (error: unknown) => {
	const name = (error as { name?: unknown } | null)?.name;
	return name === 'NotAllowedError' || name === 'SecurityError' || name === 'QuotaExceededError' || name === 'NotFoundError';
};

/**
 * Moves `source` (in `directory`) over `name`, replacing what is there. OPFS replaces silently; a
 * real disk may refuse while the target exists: then the target is removed and the move repeated.
 * A crash between the two leaves `source` whole under its temporary name, for recovery.
 */
export async function moveOver(directory: FileSystemDirectoryHandle, source: FileSystemFileHandle, name: string): Promise<void> {
	try {
		await source.move(name);
	} catch (error) {
		if (isAccessFailure(error) || (await entryKind(directory, name)) !== 'file') throw error;
		await directory.removeEntry(name);
		await source.move(name);
	}
}
