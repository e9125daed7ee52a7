import type { PhoneHistory } from '../store';

/** How old a phone's last complete backup may grow before a new one is due, by default: a month. */
export const DEFAULT_REMINDER_DAYS = 30;
/** A reminder is shown at most this often for one phone, however long its backup stays due. */
export const REMIND_AGAIN_AFTER_DAYS = 7;

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * A phone's backup is due when it has none complete, or when its last complete one is older than
 * `intervalDays`. A phone with no run at all is "not backed up yet" rather than due: the page says so
 * in its own words.
 */
export function isBackupDue(phone: PhoneHistory, now: Date, intervalDays = DEFAULT_REMINDER_DAYS): boolean {
	if (phone.lastRun === undefined) return false;
	if (phone.lastComplete === undefined) return true;
	return now.getTime() - Date.parse(phone.lastComplete.at) > intervalDays * DAY_MS;
}

/**
 * The phones to remind of now: due, and not reminded in the last week (nor since their last complete
 * backup, which a reminder before it no longer concerns).
 */
export function phonesToRemind(phones: readonly PhoneHistory[], now: Date, intervalDays = DEFAULT_REMINDER_DAYS): PhoneHistory[] {
	return phones.filter((phone) => {
		if (!isBackupDue(phone, now, intervalDays)) return false;
		const reminded = phone.remindedAt?.getTime();
		if (reminded === undefined) return true;
		const completed = phone.lastComplete ? Date.parse(phone.lastComplete.at) : 0;
		return reminded < completed || now.getTime() - reminded >= REMIND_AGAIN_AFTER_DAYS * DAY_MS;
	});
}
