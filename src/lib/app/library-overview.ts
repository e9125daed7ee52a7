import { localDateTime, summarizeStorage, type AssetFile, type DescribedAsset, type SkippedEntry, type StorageSummary } from '../library';

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
	/** What the scan left out that a person should hear about, with a few examples. */
	leftOut: { count: number; examples: { path: string; why: string }[] };
}

/**
 * Why the scan left something out, in plain words. Hidden entries and files deleted while the scan
 * ran are left out silently: every phone has them.
 */
const LEFT_OUT_WHY: Partial<Record<SkippedEntry['reason'], string>> = {
	'bad-name': 'its name cannot be used as a file name',
	'too-many': 'its folder holds more entries than any camera roll does',
	'too-deep': 'it is nested deeper than the iPhone ever keeps photos',
	'not-a-file': 'it is neither a file nor a folder',
};
const LEFT_OUT_EXAMPLES = 5;

/** One month of the camera roll against the backup, in items (a Live Photo is one). */
export interface MonthBackupStatus {
	/** `YYYY-MM`, or `unknown` for items without any date. */
	month: string;
	/** Every file of the item is in the backup. */
	backedUp: number;
	/** Some file of the item is still to be copied. */
	notYet: number;
	/** What is missing of the item cannot be copied over the cable: only in iCloud (or refused by the phone). */
	cannotCopy: number;
}

/** The month an item was taken in, in the time where it was taken. */
function monthOf(asset: DescribedAsset): string {
	return localDateTime(asset.captureDate).slice(0, 7) || 'unknown';
}

export function overviewOf(
	assets: readonly DescribedAsset[],
	device: LibraryOverview['device'],
	skipped: readonly SkippedEntry[] = [],
): LibraryOverview {
	const months = new Map<string, MonthTally>();
	for (const asset of assets) {
		const month = monthOf(asset);
		const tally = months.get(month) ?? { month, assets: 0, bytes: 0 };
		tally.assets++;
		tally.bytes += asset.bytes;
		months.set(month, tally);
	}
	return {
		storage: summarizeStorage(assets),
		months: [...months.values()].sort((a, b) => a.month.localeCompare(b.month)),
		device,
		leftOut: leftOutOf(skipped),
	};
}

function leftOutOf(skipped: readonly SkippedEntry[]): LibraryOverview['leftOut'] {
	const told = skipped.flatMap((entry) => {
		const why = LEFT_OUT_WHY[entry.reason];
		return why === undefined ? [] : [{ path: entry.path, why }];
	});
	return { count: told.length, examples: told.slice(0, LEFT_OUT_EXAMPLES) };
}

/**
 * Month by month, how much of the camera roll is in the backup: `isBackedUp` says whether the backup
 * holds a file as it is now on the phone. Files found unreadable, while describing or (`isInICloud`)
 * by a backup that tried them, count apart: they cannot be copied over the cable.
 */
export function backupTimeline(
	assets: readonly DescribedAsset[],
	isBackedUp: (file: AssetFile) => boolean,
	isInICloud: (file: AssetFile) => boolean = () => false,
): MonthBackupStatus[] {
	const months = new Map<string, MonthBackupStatus>();
	for (const asset of assets) {
		const month = monthOf(asset);
		let status = months.get(month);
		if (status === undefined) months.set(month, (status = { month, backedUp: 0, notYet: 0, cannotCopy: 0 }));
		const missing = asset.files.filter((file) => !isBackedUp(file));
		if (missing.length === 0) {
			status.backedUp++;
			continue;
		}
		const unreadable = new Set(asset.unreadableFiles);
		if (asset.availability !== 'on-iphone') unreadable.add(asset.primary.path);
		if (missing.every((file) => unreadable.has(file.path) || isInICloud(file))) status.cannotCopy++;
		else status.notYet++;
	}
	return [...months.values()].sort((a, b) => a.month.localeCompare(b.month));
}
