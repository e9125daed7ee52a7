import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { isDeviceError } from '../errors';
import { AppDatabase, backupKey, fileKey, forgetDestination, listDestinations, rememberDestination } from '../store';
import { BackupJournal, type JournalRecord } from './journal';

const PHONE = { udid: '00008110-000A1B2C3D4E5F60', name: 'Anna’s iPhone' };
let databases = 0;
const freshName = () => `journal-${++databases}`;

function record(n: number, state: JournalRecord['state'] = 'done'): JournalRecord {
	const devicePath = `/DCIM/100APPLE/IMG_${String(n).padStart(4, '0')}.HEIC`;
	return {
		key: fileKey(devicePath, 1000 + n, 1_700_000_000_000),
		devicePath,
		assetId: devicePath,
		size: 1000 + n,
		modifiedTime: 1_700_000_000_000,
		birthTime: 1_700_000_000_000,
		state,
		...(state === 'done' ? { sha256: 'a'.repeat(64), path: `2025/05/IMG_${n}.HEIC`, backedUpAt: '2025-06-01T00:00:00.000Z' } : {}),
	};
}

/** Counts the transactions the database runs. */
function countTransactions(db: AppDatabase): { count: number } {
	const counter = { count: 0 };
	const original = db.transaction.bind(db) as (...args: unknown[]) => unknown;
	(db as unknown as { transaction: (...args: unknown[]) => unknown }).transaction = (...args: unknown[]) => {
		counter.count++;
		return original(...args);
	};
	return counter;
}

describe('BackupJournal', () => {
	it('notes the phone, keeping when it was first seen', async () => {
		const db = new AppDatabase(freshName());
		await BackupJournal.open(db, 'd1', PHONE);
		const first = await db.devices.get(PHONE.udid);
		await BackupJournal.open(db, 'd1', { udid: PHONE.udid, productType: 'iPhone16,1' });
		const again = await db.devices.get(PHONE.udid);
		expect(again).toMatchObject({ udid: PHONE.udid, name: PHONE.name, productType: 'iPhone16,1', firstSeenAt: first!.firstSeenAt });
		expect(again!.lastSeenAt.getTime()).toBeGreaterThanOrEqual(first!.lastSeenAt.getTime());
	});

	it('writes noted records only on flush, all in one transaction, and shows them before', async () => {
		const db = new AppDatabase(freshName());
		const journal = await BackupJournal.open(db, 'd1', PHONE);
		const transactions = countTransactions(db);
		for (let n = 0; n < 100; n++) journal.record(record(n));
		expect(journal.buffered).toBe(100);
		expect(await db.backupFiles.count()).toBe(0);
		expect(await journal.files()).toHaveLength(100);
		await journal.flush();
		expect(transactions.count).toBe(1);
		expect(journal.buffered).toBe(0);
		expect(await db.backupFiles.count()).toBe(100);
		const row = await db.backupFiles.get([backupKey('d1', PHONE.udid), record(7).key]);
		expect(row).toMatchObject({ ...record(7), backup: backupKey('d1', PHONE.udid) });
		await journal.flush();
		expect(transactions.count).toBe(1); // nothing to write, no transaction
	});

	it('keeps what was flushed, and only that, when the browser dies', async () => {
		const name = freshName();
		const db = new AppDatabase(name);
		const journal = await BackupJournal.open(db, 'd1', PHONE);
		journal.record(record(1));
		await journal.flush();
		journal.record(record(2));
		db.close();
		const reopened = await BackupJournal.open(new AppDatabase(name), 'd1', PHONE);
		expect((await reopened.files()).map((row) => row.devicePath)).toEqual([record(1).devicePath]);
	});

	it('starts and finishes runs: planned rows, then states and the outcome together', async () => {
		const db = new AppDatabase(freshName());
		const journal = await BackupJournal.open(db, 'd1', PHONE);
		const runId = await journal.startRun([record(1, 'planned'), record(2, 'planned')]);
		expect((await journal.files()).map((row) => [row.state, row.runId])).toEqual([
			['planned', runId],
			['planned', runId],
		]);
		journal.record({ ...record(1), runId });
		const transactions = countTransactions(db);
		await journal.finishRun(runId, { outcome: 'cancelled', copied: { files: 1, bytes: 1001 }, deduplicated: 0, inICloud: 0, failed: 0 });
		expect(transactions.count).toBe(1);
		const [run] = await journal.runs();
		expect(run).toMatchObject({ id: runId, outcome: 'cancelled', planned: { files: 2, bytes: 2003 }, copied: { files: 1 } });
		expect(run!.endedAt).toBeInstanceOf(Date);
		expect(Object.fromEntries((await journal.files()).map((row) => [row.devicePath, row.state]))).toEqual({
			[record(1).devicePath]: 'done',
			[record(2).devicePath]: 'planned',
		});
	});

	it('forgets a row (an old version of a changed file) at the next flush', async () => {
		const db = new AppDatabase(freshName());
		const journal = await BackupJournal.open(db, 'd1', PHONE);
		journal.record(record(1, 'planned'));
		await journal.flush();
		journal.forget(record(1).key);
		expect(await journal.files()).toEqual([]);
		await journal.flush();
		expect(await db.backupFiles.count()).toBe(0);
	});

	it('keeps the backups of other phones and other folders apart', async () => {
		const db = new AppDatabase(freshName());
		const mine = await BackupJournal.open(db, 'd1', PHONE);
		const otherFolder = await BackupJournal.open(db, 'd2', PHONE);
		const otherPhone = await BackupJournal.open(db, 'd1', { udid: 'OTHER' });
		mine.record(record(1));
		otherFolder.record(record(2));
		otherPhone.record(record(3));
		await Promise.all([mine.flush(), otherFolder.flush(), otherPhone.flush()]);
		expect((await mine.files()).map((row) => row.size)).toEqual([1001]);
		expect((await otherFolder.files()).map((row) => row.size)).toEqual([1002]);
		expect((await otherPhone.files()).map((row) => row.size)).toEqual([1003]);
	});

	it('fails in plain words when the database does, and keeps the records for the next flush', async () => {
		const db = new AppDatabase(freshName());
		const journal = await BackupJournal.open(db, 'd1', PHONE);
		const table = db.backupFiles as unknown as { bulkPut: (...args: unknown[]) => Promise<unknown> };
		const original = table.bulkPut.bind(table);
		table.bulkPut = () => Promise.reject(new DOMException('full', 'QuotaExceededError'));
		journal.record(record(1));
		const error = await journal.flush().catch((failure: unknown) => failure);
		expect(isDeviceError(error, 'storage')).toBe(true);
		expect((error as { advice?: string }).advice).toMatch(/Free some space/);
		expect(journal.buffered).toBe(1);
		table.bulkPut = original;
		await journal.flush();
		expect(await db.backupFiles.count()).toBe(1);
	});
});

describe('destinations', () => {
	// Node's IndexedDB stores a handle as plain data; telling two handles to one folder apart
	// (`isSameEntry`) needs the browser's handles (the end-to-end tests).
	const handle = (name: string) => ({ kind: 'directory', name }) as unknown as FileSystemDirectoryHandle;

	it('remembers picked folders, most recent first, and forgets one with its journal only', async () => {
		const db = new AppDatabase(freshName());
		const photos = await rememberDestination(db, handle('Photos'));
		const drive = await rememberDestination(db, handle('Drive'), 'as-on-iphone');
		expect(photos).toMatchObject({ name: 'Photos', layout: 'by-month' });
		expect(drive).toMatchObject({ name: 'Drive', layout: 'as-on-iphone' });
		expect(photos.id).not.toBe(drive.id);
		await db.destinations.update(photos.id, { lastUsedAt: new Date(Date.now() + 1000) });
		expect((await listDestinations(db)).map((row) => row.name)).toEqual(['Photos', 'Drive']);

		const kept = await BackupJournal.open(db, drive.id, PHONE);
		const dropped = await BackupJournal.open(db, photos.id, PHONE);
		kept.record(record(1));
		dropped.record(record(2));
		await Promise.all([kept.flush(), dropped.flush(), dropped.startRun([])]);
		await forgetDestination(db, photos.id);
		expect((await listDestinations(db)).map((row) => row.name)).toEqual(['Drive']);
		expect(await dropped.files()).toEqual([]);
		expect(await dropped.runs()).toEqual([]);
		expect(await kept.files()).toHaveLength(1);
	});
});
