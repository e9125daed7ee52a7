import { splitBackupKey, type RunOutcome, type RunRow } from './backup-rows';
import type { AppDatabase } from './database';
import { storageCall } from './storage-call';

const READ_FAILED = 'This browser could not read its record of earlier backups.';
const SAVE_FAILED = 'This browser could not save a setting of this iPhone.';

/** One backup run of a phone as the page tells it: when, how it ended, into which folder. */
export interface RunOfPhone {
	/** When the run ended (or started, for one the page did not see end), ISO 8601. */
	at: string;
	outcome: RunOutcome;
	destinationId: string;
	folderName: string | undefined;
	/** Files recorded as in that backup (in that folder) now. */
	filesInBackup: number;
}

/** What this browser knows of one iPhone's backups: the last run, the last complete one, its settings. */
export interface PhoneHistory {
	udid: string;
	name: string | undefined;
	lastRun: RunOfPhone | undefined;
	lastComplete: RunOfPhone | undefined;
	/** "Back up this iPhone when it is plugged in" (off until the person turns it on). */
	backUpWhenPluggedIn: boolean;
	/** When a reminder that its backup is due was last shown. */
	remindedAt?: Date;
}

/** Every phone this browser has set up a backup of, the most recently backed up first. */
export async function backupHistory(db: AppDatabase): Promise<PhoneHistory[]> {
	return storageCall(READ_FAILED, async () => {
		const [devices, destinations, runs] = await Promise.all([db.devices.toArray(), db.destinations.toArray(), db.backupRuns.toArray()]);
		const folderNames = new Map(destinations.map((row) => [row.id, row.name]));
		const countCache = new Map<string, Promise<number>>();
		const filesIn = (backup: string) => {
			let count = countCache.get(backup);
			if (count === undefined) countCache.set(backup, (count = db.backupFiles.where('[backup+state]').equals([backup, 'done']).count()));
			return count;
		};
		const describe = async (run: RunRow | undefined): Promise<RunOfPhone | undefined> => {
			if (run === undefined) return undefined;
			const { destinationId } = splitBackupKey(run.backup);
			return {
				at: (run.endedAt ?? run.startedAt).toISOString(),
				outcome: run.outcome,
				destinationId,
				folderName: folderNames.get(destinationId),
				filesInBackup: await filesIn(run.backup),
			};
		};
		const history = await Promise.all(
			devices.map(async (device): Promise<PhoneHistory> => {
				const own = runs.filter((run) => splitBackupKey(run.backup).udid === device.udid).sort((a, b) => runTime(b) - runTime(a));
				return {
					udid: device.udid,
					name: device.name,
					lastRun: await describe(own[0]),
					lastComplete: await describe(own.find((run) => run.outcome === 'complete')),
					backUpWhenPluggedIn: device.backUpWhenPluggedIn === true,
					remindedAt: device.remindedAt,
				};
			}),
		);
		const lastRunAt = (phone: PhoneHistory) => (phone.lastRun ? Date.parse(phone.lastRun.at) : 0);
		return history.sort((a, b) => lastRunAt(b) - lastRunAt(a));
	});
}

/** Whether "Back up this iPhone when it is plugged in" is on for `udid`. */
export async function backsUpWhenPluggedIn(db: AppDatabase, udid: string): Promise<boolean> {
	return storageCall(READ_FAILED, async () => (await db.devices.get(udid))?.backUpWhenPluggedIn === true);
}

/** Turns "Back up this iPhone when it is plugged in" on or off; only a phone already backed up has a row. */
export async function setBackUpWhenPluggedIn(db: AppDatabase, udid: string, on: boolean): Promise<void> {
	await storageCall(SAVE_FAILED, () => db.devices.update(udid, { backUpWhenPluggedIn: on }));
}

/** Notes that a reminder for `udid` was shown at `at`. */
export async function noteReminded(db: AppDatabase, udid: string, at: Date): Promise<void> {
	await storageCall(SAVE_FAILED, () => db.devices.update(udid, { remindedAt: at }));
}

function runTime(run: RunRow): number {
	return (run.endedAt ?? run.startedAt).getTime();
}
