import { describe, expect, it } from 'vitest';
import type { PhoneHistory, RunOfPhone } from '../store';
import { isBackupDue, phonesToRemind } from './backup-due';
import { lastBackupLine } from './last-backup-words';

const NOW = new Date('2026-12-08T10:00:00Z');
const daysAgo = (days: number) => new Date(NOW.getTime() - days * 86_400_000).toISOString();

function run(outcome: RunOfPhone['outcome'], days: number, files: number): RunOfPhone {
	return { at: daysAgo(days), outcome, destinationId: 'd', folderName: 'Photos drive', filesInBackup: files };
}

function phone(lastRun?: RunOfPhone, lastComplete?: RunOfPhone): PhoneHistory {
	return { udid: 'u1', name: 'Anna’s iPhone', lastRun, lastComplete, backUpWhenPluggedIn: false };
}

describe('the last-backup line', () => {
	it('tells a complete backup with its day, folder and file count', () => {
		const complete = run('complete', 26, 3412);
		expect(lastBackupLine(phone(complete, complete), NOW)).toEqual({
			udid: 'u1',
			text: 'Last backup of Anna’s iPhone: 12 November, to “Photos drive”, 3,412 files in the backup, complete.',
			due: false,
		});
	});

	it('tells an interrupted backup and when the last complete one was', () => {
		const line = lastBackupLine(phone(run('stopped', 2, 1200), run('complete', 40, 1100)), NOW);
		expect(line.text).toBe(
			'Last backup of Anna’s iPhone: 6 December, to “Photos drive”, interrupted before the end (1,200 files in the backup so far); the next backup goes on from there. The last complete one was on 29 October. A new backup is due: plug it in.',
		);
		expect(line.due).toBe(true);
	});

	it('tells a phone never backed up, and a phone whose only backup was cancelled', () => {
		expect(lastBackupLine(phone(), NOW)).toEqual({ udid: 'u1', text: 'Anna’s iPhone has not been backed up yet.', due: false });
		const cancelled = lastBackupLine(phone(run('cancelled', 1, 5)), NOW);
		expect(cancelled.text).toContain('cancelled before the end (5 files in the backup so far). No backup of it has finished yet.');
		expect(cancelled.due).toBe(true);
	});

	it('names the year of a backup from another year', () => {
		const old = run('complete', 400, 10);
		expect(lastBackupLine(phone(old, old), NOW).text).toContain('3 November 2025');
	});
});

describe('when a backup is due, and when to remind', () => {
	it('is due past the interval the person chose, a month by default', () => {
		const at = (days: number) => {
			const complete = run('complete', days, 1);
			return phone(complete, complete);
		};
		expect(isBackupDue(at(29), NOW)).toBe(false);
		expect(isBackupDue(at(31), NOW)).toBe(true);
		expect(isBackupDue(at(15), NOW, 14)).toBe(true);
		expect(isBackupDue(phone(), NOW)).toBe(false);
	});

	it('reminds of a due phone at most once a week, and again after a backup that is due once more', () => {
		const complete = run('complete', 60, 1);
		const due = phone(complete, complete);
		expect(phonesToRemind([due], NOW)).toHaveLength(1);
		expect(phonesToRemind([{ ...due, remindedAt: new Date(NOW.getTime() - 3 * 86_400_000) }], NOW)).toHaveLength(0);
		expect(phonesToRemind([{ ...due, remindedAt: new Date(NOW.getTime() - 8 * 86_400_000) }], NOW)).toHaveLength(1);
		// Reminded before its last complete backup: that reminder was about an older one.
		expect(phonesToRemind([{ ...due, remindedAt: new Date(NOW.getTime() - 61 * 86_400_000) }], NOW)).toHaveLength(1);
		const recent = run('complete', 3, 1);
		expect(phonesToRemind([phone(recent, recent)], NOW)).toHaveLength(0);
	});
});
