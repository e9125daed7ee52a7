import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { BackupJournal } from '../backup';
import { AppDatabase } from '../store';
import { type ReminderBrowser, REMINDER_TAG, remindOfDueBackups, turnOnReminders } from './reminders';

function browser(notifications: NotificationPermission, sync: PermissionState | 'absent') {
	const registered: { tag: string; minInterval: number }[] = [];
	const env: ReminderBrowser = {
		requestNotifications: async () => notifications,
		periodicSyncPermission: async () => (sync === 'absent' ? 'denied' : sync),
		periodicSync: async () =>
			sync === 'absent'
				? undefined
				: { register: async (tag, { minInterval }) => void registered.push({ tag, minInterval }), unregister: async () => undefined },
	};
	return { env, registered };
}

describe('turning reminders on', () => {
	it('registers the periodic check where the browser allows it (an installed app)', async () => {
		const { env, registered } = browser('granted', 'granted');
		expect(await turnOnReminders(env)).toBe('notification');
		expect(registered).toEqual([{ tag: REMINDER_TAG, minInterval: 86_400_000 }]);
	});

	it('falls back to the next visit where the browser cannot wake the page', async () => {
		for (const sync of ['absent', 'denied', 'prompt'] as const) {
			const { env, registered } = browser('granted', sync);
			expect(await turnOnReminders(env)).toBe('on-next-visit');
			expect(registered).toEqual([]);
		}
	});

	it('says so when notifications were not allowed', async () => {
		const { env, registered } = browser('denied', 'granted');
		expect(await turnOnReminders(env)).toBe('notifications-refused');
		expect(registered).toEqual([]);
	});
});

describe("the service worker's check", () => {
	async function recordRun(db: AppDatabase, udid: string, name: string, endedAt: Date, outcome: 'complete' | 'stopped') {
		// A folder as IndexedDB keeps it (the handle is the browser's; any cloneable stand-in will do here).
		const folder = { id: 'drive', handle: {} as FileSystemDirectoryHandle, name: 'Drive', layout: 'by-month' as const, addedAt: endedAt, lastUsedAt: endedAt };
		await db.destinations.put(folder);
		const journal = await BackupJournal.open(db, folder.id, { udid, name });
		const runId = await journal.startRun([]);
		await journal.finishRun(runId, { outcome, copied: { files: 0, bytes: 0 }, deduplicated: 0, inICloud: 0, failed: 0 });
		await db.backupRuns.update(runId, { endedAt });
	}

	it('reminds of each phone whose backup is due, once, and not of one backed up lately', async () => {
		const db = new AppDatabase(`reminders-${Math.random()}`);
		const now = new Date('2026-12-08T10:00:00Z');
		await recordRun(db, 'old', 'Anna’s iPhone', new Date('2026-10-01T10:00:00Z'), 'complete');
		await recordRun(db, 'fresh', 'Ben’s iPhone', new Date('2026-12-01T10:00:00Z'), 'complete');
		const shown: string[] = [];
		const first = await remindOfDueBackups(db, now, async (reminder) => void shown.push(reminder.title));
		expect(shown).toEqual(['Time to back up Anna’s iPhone']);
		expect(first[0]?.body).toContain('Last backup of Anna’s iPhone: 1 October');
		// The next day: reminded already this week.
		expect(await remindOfDueBackups(db, new Date('2026-12-09T10:00:00Z'), async () => undefined)).toEqual([]);
		// With a two-month interval chosen, nobody is due.
		const db2 = new AppDatabase(`reminders-${Math.random()}`);
		await recordRun(db2, 'old', 'Anna’s iPhone', new Date('2026-10-01T10:00:00Z'), 'complete');
		expect(await remindOfDueBackups(db2, now, async () => undefined, 90)).toEqual([]);
	});
});
