/**
 * A file on its way into the backup: bytes go to a hidden temporary file beside the final one, with a
 * single writable (never reopened with `keepExistingData`, which copies the whole file); `commit`
 * gives it its final name only if nothing is there, since OPFS's `move()` would replace it silently.
 */
import { sleep } from '../streams/waits';
import { fileTooLargeError, isFileSizeRefusal } from './file-size-limit';
import { fileExistsError, folderFailedError, toFolderError } from './folder-errors';
import { directoryAt, entryKind, segmentsOf, temporaryName } from './folder-paths';
import { mapReadErrors } from './read-stream';
import type { PendingFile } from './types';

type State = 'writing' | 'written' | 'committed' | 'aborted';

const REMOVE_RETRY_PAUSES_MS = [0, 10, 50, 200, 500];

export interface PendingFileOptions {
	/** The temporary file's path (relative to the folder), before it is created: cleanup leaves it alone while it is in use. */
	onStarted?(temporaryPath: string): void;
	/** The same path, once it needs no protecting: committed, aborted, or never created. */
	onSettled?(temporaryPath: string): void;
	/**
	 * A write failing as it would take the file past this many bytes is the drive's limit on one file
	 * (`file-too-large-for-drive`, see file-size-limit.ts); undefined: the drive is known to have none.
	 */
	fileSizeLimit?: number;
}

/**
 * Creates the temporary file for `path` (relative to `folder`, the iPhone's folder) and its parent
 * folders. Fails with 'folder-file-exists' at once when the final file is already there.
 */
export async function createPendingFile(
	folder: FileSystemDirectoryHandle,
	path: string,
	hooks: PendingFileOptions = {},
): Promise<PendingFile> {
	const segments = segmentsOf(path, true);
	const name = segments.at(-1)!;
	const parentSegments = segments.slice(0, -1);
	const temporary = temporaryName(name);
	const temporaryPath = [...parentSegments, temporary].join('/');
	const fail = async (error: unknown, at = path) => toFolderError(error, folder, at);

	let directory: FileSystemDirectoryHandle;
	let handle: FileSystemFileHandle;
	let native: WritableStreamDefaultWriter<FileSystemWriteChunkType>;
	try {
		directory = await directoryAt(folder, parentSegments, true);
		if ((await entryKind(directory, name)) !== undefined) throw fileExistsError(path);
		hooks.onStarted?.(temporaryPath);
		handle = await directory.getFileHandle(temporary, { create: true });
		native = (await handle.createWritable()).getWriter();
	} catch (error) {
		hooks.onSettled?.(temporaryPath);
		throw await fail(error);
	}

	let state: State = 'writing';
	const settle = () => hooks.onSettled?.(temporaryPath);
	// The stream's own abort (from a failed copy) and `abort()` share one native abort, so the removal
	// waits for the one that is under way instead of racing it.
	let nativeAbort: Promise<void> | undefined;
	const abortNative = () => (nativeAbort ??= native.abort().catch(() => undefined));
	/** Bytes the drive took so far. */
	let written = 0;

	const writable = new WritableStream<Uint8Array>(
		{
			write: async (chunk) => {
				try {
					await native.write(chunk as Uint8Array<ArrayBuffer>);
					written += chunk.byteLength;
				} catch (error) {
					const limit = hooks.fileSizeLimit;
					if (limit !== undefined && isFileSizeRefusal(error, written, chunk.byteLength, limit)) throw fileTooLargeError(path, undefined, error);
					throw await fail(error);
				}
			},
			close: async () => {
				try {
					await native.close();
					state = 'written';
				} catch (error) {
					throw await fail(error);
				}
			},
			abort: abortNative,
		},
		{ highWaterMark: 2 },
	);

	// An aborted writable lets go of its file a moment after its abort settles (and a stream aborted by
	// its reader's failure is aborted a second time, later), so the removal is retried a few times
	// before it is left to the next run's cleanup.
	const removeTemporary = async () => {
		for (const pause of REMOVE_RETRY_PAUSES_MS) {
			if (pause > 0) await sleep(pause);
			try {
				await directory.removeEntry(temporary);
				return;
			} catch (error) {
				if ((error as { name?: unknown } | null)?.name === 'NotFoundError') return;
			}
		}
	};

	return {
		path,
		writable,
		async readBack() {
			if (state !== 'written') {
				throw folderFailedError(`“${path}” cannot be read back before it is completely written.`);
			}
			try {
				return mapReadErrors((await handle.getFile()).stream(), folder, path);
			} catch (error) {
				throw await fail(error);
			}
		},
		async commit() {
			if (state !== 'written') {
				throw folderFailedError(`“${path}” cannot be saved under its name before it is completely written.`);
			}
			try {
				if ((await entryKind(directory, name)) !== undefined) throw fileExistsError(path);
				await handle.move(name);
			} catch (error) {
				// A real disk may refuse the move itself when a file appeared in between.
				if (hasFileAt(error) && (await entryKind(directory, name).catch(() => undefined)) !== undefined) throw fileExistsError(path, error);
				throw await fail(error);
			}
			state = 'committed';
			settle();
		},
		async abort() {
			if (state === 'committed' || state === 'aborted') return;
			if (state === 'writing') await abortNative();
			state = 'aborted';
			await removeTemporary();
			settle();
		},
	};
}

function hasFileAt(error: unknown): boolean {
	const name = (error as { name?: unknown } | null)?.name;
	return name !== 'NotAllowedError' && name !== 'SecurityError' && name !== 'QuotaExceededError' && name !== 'DeviceError';
}
