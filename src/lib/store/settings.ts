import type { AppDatabase } from './database';
import { storageCall } from './storage-call';

/** Reminders that a backup is due: on or off, and after how many days without a complete backup. */
export interface ReminderSetting {
	key: 'reminder';
	on: boolean;
	intervalDays: number;
}

export type SettingRow = ReminderSetting;

const READ_FAILED = 'This browser could not read the settings of this page.';
const SAVE_FAILED = 'This browser could not save the settings of this page.';

export async function loadReminderSetting(db: AppDatabase, defaultDays: number): Promise<ReminderSetting> {
	const row = await storageCall(READ_FAILED, () => db.settings.get('reminder'));
	return row ?? { key: 'reminder', on: false, intervalDays: defaultDays };
}

export async function saveReminderSetting(db: AppDatabase, setting: Omit<ReminderSetting, 'key'>): Promise<void> {
	await storageCall(SAVE_FAILED, () => db.settings.put({ key: 'reminder', ...setting }));
}
