import { type AppDatabase, backupHistory, noteReminded } from '../store';
import { DEFAULT_REMINDER_DAYS, phonesToRemind } from './backup-due';
import { lastBackupLine } from './last-backup-words';

/**
 * Reminders that a phone's backup is due, for a person who installed the page as an app and allowed
 * notifications. Chromium wakes an installed app's service worker now and then through periodic
 * background sync; nothing leaves the computer (the service worker reads this browser's own records).
 * Where the browser lacks it (the page is not installed, or another browser), the reminder is the
 * "due" line the page shows on the next visit.
 */

/** The periodic sync's name. */
export const REMINDER_TAG = 'backup-reminder';
/** The browser decides how often it wakes the app; asking for less than a day gains nothing. */
const CHECK_EVERY_MS = 24 * 60 * 60 * 1000;

/** How reminders reach the person. */
export type ReminderWay =
	/** A notification from the installed app, when a backup becomes due. */
	| 'notification'
	/** The browser cannot wake the page: the due line on the next visit. */
	| 'on-next-visit'
	/** Notifications were not allowed. */
	| 'notifications-refused';

interface PeriodicSync {
	register(tag: string, options: { minInterval: number }): Promise<void>;
	unregister(tag: string): Promise<void>;
}

/** What turning reminders on needs from the browser (the real one by default; tests hand in their own). */
export interface ReminderBrowser {
	requestNotifications(): Promise<NotificationPermission>;
	periodicSyncPermission(): Promise<PermissionState>;
	periodicSync(): Promise<PeriodicSync | undefined>;
}

const browser: ReminderBrowser = {
	requestNotifications: () => Notification.requestPermission(),
	periodicSyncPermission: () =>
		navigator.permissions.query({ name: 'periodic-background-sync' as PermissionName }).then(
			(status) => status.state,
			() => 'denied' as const,
		),
	// Not `ready`, which waits for ever where no service worker is registered (or allowed).
	periodicSync: async () =>
		((await navigator.serviceWorker?.getRegistration()) as (ServiceWorkerRegistration & { periodicSync?: PeriodicSync }) | undefined)?.periodicSync,
};

/**
 * Turns reminders on, on the person's click (the notification prompt needs one): a periodic check by
 * the service worker where the browser allows it (an installed app), otherwise the next visit's line.
 */
export async function turnOnReminders(env: ReminderBrowser = browser): Promise<ReminderWay> {
	if (typeof Notification === 'undefined' && env === browser) return 'on-next-visit';
	if ((await env.requestNotifications()) !== 'granted') return 'notifications-refused';
	const sync = await env.periodicSync();
	if (sync === undefined || (await env.periodicSyncPermission()) !== 'granted') return 'on-next-visit';
	await sync.register(REMINDER_TAG, { minInterval: CHECK_EVERY_MS });
	return 'notification';
}

export async function turnOffReminders(env: ReminderBrowser = browser): Promise<void> {
	await (await env.periodicSync())?.unregister(REMINDER_TAG);
}

/** A notification to show. */
export interface Reminder {
	title: string;
	body: string;
	tag: string;
}

/**
 * The service worker's periodic check: the phones whose backup is due and that were not reminded of
 * lately get one notification each, and the reminder is noted. Returns what was shown.
 */
export async function remindOfDueBackups(
	db: AppDatabase,
	now: Date,
	show: (reminder: Reminder) => Promise<void>,
	intervalDays = DEFAULT_REMINDER_DAYS,
): Promise<Reminder[]> {
	const shown: Reminder[] = [];
	for (const phone of phonesToRemind(await backupHistory(db), now, intervalDays)) {
		const reminder = {
			title: `Time to back up ${phone.name ?? 'your iPhone'}`,
			body: lastBackupLine(phone, now, intervalDays).text,
			tag: `${REMINDER_TAG}:${phone.udid}`,
		};
		await show(reminder);
		await noteReminded(db, phone.udid, now);
		shown.push(reminder);
	}
	return shown;
}
