import type { FolderLayout } from '../destination/types';
import { newUuid } from '../pairing/uuid';
import type { DestinationRow } from './backup-rows';
import type { AppDatabase } from './database';
import { storageCall } from './storage-call';

const READ_FAILED = 'This browser could not read the folders it backed up to.';
const SAVE_FAILED = 'This browser could not remember the folder you picked.';

/**
 * Remembers a picked folder, or finds it again: picking the same folder twice gives the same row (and
 * so the same backup journal), told apart by `isSameEntry`, since two handles to one folder are
 * different objects.
 */
export async function rememberDestination(
	db: AppDatabase,
	handle: FileSystemDirectoryHandle,
	layout: FolderLayout = 'by-month',
): Promise<DestinationRow> {
	const now = new Date();
	for (const row of await listDestinations(db)) {
		if (await sameFolder(row.handle, handle)) {
			const updated = { ...row, handle, lastUsedAt: now };
			await storageCall(SAVE_FAILED, () => db.destinations.put(updated));
			return updated;
		}
	}
	const row: DestinationRow = { id: newUuid(), handle, name: handle.name, layout, addedAt: now, lastUsedAt: now };
	await storageCall(SAVE_FAILED, () => db.destinations.add(row));
	return row;
}

/** Remembered folders, most recently used first. */
export async function listDestinations(db: AppDatabase): Promise<DestinationRow[]> {
	const rows = await storageCall(READ_FAILED, () => db.destinations.orderBy('lastUsedAt').reverse().toArray());
	return rows;
}

/** Forgets a folder and the journal of every backup in it (the files in the folder stay). */
export async function forgetDestination(db: AppDatabase, id: string): Promise<void> {
	await storageCall(SAVE_FAILED, () =>
		db.transaction('rw', db.destinations, db.backupFiles, db.backupRuns, async () => {
			await db.destinations.delete(id);
			const prefix = `${id}\u0000`;
			await db.backupFiles.where('backup').startsWith(prefix).delete();
			await db.backupRuns.where('backup').startsWith(prefix).delete();
		}),
	);
}

async function sameFolder(a: FileSystemDirectoryHandle, b: FileSystemDirectoryHandle): Promise<boolean> {
	try {
		return await a.isSameEntry(b);
	} catch {
		return false; // a stale handle (folder gone) is not the one just picked
	}
}
