import { DeviceError } from '../errors';

/** What the person reads when another tab or window holds the folder or the phone. */
export function backupElsewhere(): DeviceError {
	return new DeviceError('backup-elsewhere', 'A backup into this folder, or of this iPhone, is running in another tab or window.', {
		advice: 'Let it finish there, or stop it there, then start again here. Two backups at once would write over each other’s records.',
	});
}

/**
 * Runs `work` holding every lock in `names` (Web Locks, shared by every tab and worker of this
 * origin), or refuses at once with 'backup-elsewhere' when one is held: one backup per folder, and
 * per phone, at a time. The locks go when `work` ends, or with the tab. Where the browser has no
 * Web Locks, `work` runs as it is.
 */
export async function withBackupLocks<T>(names: readonly string[], work: () => Promise<T>, locks = lockManager()): Promise<T> {
	if (locks === undefined || names.length === 0) return work();
	const [first, ...rest] = names;
	// Undefined only when the lock was held elsewhere: a result is wrapped, so `work` may return anything.
	const result = await locks.request(`iphone-backup:${first!}`, { ifAvailable: true }, async (lock) =>
		lock === null ? undefined : { value: await withBackupLocks(rest, work, locks) },
	);
	if (result === undefined) throw backupElsewhere();
	return result.value;
}

function lockManager(): LockManager | undefined {
	return (globalThis.navigator as Navigator | undefined)?.locks;
}
