import { localDateTime, summarizeStorage, type DescribedAsset, type StorageSummary } from '../library';

/** One month of the camera roll, for the timeline. */
export interface MonthTally {
	/** `YYYY-MM` in the time the photos were taken. */
	month: string;
	assets: number;
	bytes: number;
}

/** What the page shows before a backup: what is on the phone, and how much room it has. */
export interface LibraryOverview {
	storage: StorageSummary;
	months: MonthTally[];
	/** The phone's storage as AFC reports it. */
	device: { totalBytes: number; freeBytes: number };
}

export function overviewOf(assets: readonly DescribedAsset[], device: LibraryOverview['device']): LibraryOverview {
	const months = new Map<string, MonthTally>();
	for (const asset of assets) {
		const month = localDateTime(asset.captureDate).slice(0, 7) || 'unknown';
		const tally = months.get(month) ?? { month, assets: 0, bytes: 0 };
		tally.assets++;
		tally.bytes += asset.bytes;
		months.set(month, tally);
	}
	return {
		storage: summarizeStorage(assets),
		months: [...months.values()].sort((a, b) => a.month.localeCompare(b.month)),
		device,
	};
}
