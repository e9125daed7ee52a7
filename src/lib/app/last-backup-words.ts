import type { PhoneHistory, RunOfPhone } from '../store';
import { plural } from '../ui/format';
import { DEFAULT_REMINDER_DAYS, isBackupDue } from './backup-due';

/** What the page says of one phone before it is plugged in. */
export interface LastBackupLine {
	udid: string;
	text: string;
	/** Its last complete backup is older than the interval (or it has none): shown as due. */
	due: boolean;
}

/** "12 November", with the year when it is not this one. */
function day(iso: string, now: Date): string {
	const date = new Date(iso);
	const year = date.getFullYear() === now.getFullYear() ? undefined : 'numeric';
	return date.toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year });
}

function ending(run: RunOfPhone): string {
	const inBackup = `${plural(run.filesInBackup, 'file')} in the backup`;
	switch (run.outcome) {
		case 'complete':
			return `${inBackup}, complete`;
		case 'cancelled':
			return `cancelled before the end (${inBackup} so far)`;
		case 'stopped':
		case 'running':
			return `interrupted before the end (${inBackup} so far); the next backup goes on from there`;
	}
}

/**
 * "Last backup of Anna's iPhone: 12 November, 3,412 files in the backup, complete." — from what this
 * browser recorded of each run; a phone whose last complete backup is older than `intervalDays` (a
 * month by default) is due.
 */
export function lastBackupLine(phone: PhoneHistory, now: Date, intervalDays = DEFAULT_REMINDER_DAYS): LastBackupLine {
	const name = phone.name ?? 'This iPhone';
	const due = isBackupDue(phone, now, intervalDays);
	const run = phone.lastRun;
	if (run === undefined) return { udid: phone.udid, text: `${name} has not been backed up yet.`, due };
	const parts = [`Last backup of ${name}: ${day(run.at, now)}${run.folderName ? `, to “${run.folderName}”` : ''}, ${ending(run)}.`];
	const complete = phone.lastComplete;
	if (run.outcome !== 'complete') parts.push(complete ? `The last complete one was on ${day(complete.at, now)}.` : 'No backup of it has finished yet.');
	if (due) parts.push('A new backup is due: plug it in.');
	return { udid: phone.udid, text: parts.join(' '), due };
}
