import {
	countItems,
	factsOf,
	factsOfRow,
	isOnlyInICloud,
	localDateTime,
	summarizeStorage,
	type AssetFile,
	type CaptureDate,
	type CountedItem,
	type DescribedAsset,
	type LibraryCounts,
	type SkippedEntry,
	type StorageSummary,
} from '../library';
import type { BackupIndex } from '../backup';
import type { PhotosDbAsset, PhotosDbFallbackReason } from '../photos-db';
import { fileKey } from '../store';

/**
 * Where the library's facts come from: the Photos app's database, or the files alone when it could
 * not be read (`reason`; `no-reader`: this page could not load its database reader).
 */
export type LibrarySource = { database: true } | { database: false; reason: PhotosDbFallbackReason | 'no-reader' };

/** The camera roll as the device worker holds it between the scan and the backups. */
export interface PhoneLibrary {
	/** The listed files grouped into assets, with the database's row of each it describes. */
	assets: DescribedAsset[];
	/** Rows of the person's library whose original is not among the listed files (only in iCloud). */
	absent: PhotosDbAsset[];
	source: LibrarySource;
}

/** One month of the camera roll, for the timeline. */
export interface MonthTally {
	/** `YYYY-MM` in the time the photos were taken. */
	month: string;
	assets: number;
	bytes: number;
}

/** What the page shows before a backup: what is on the phone, and how much room it has. */
export interface LibraryOverview {
	/** The library's numbers (see `library/library-counts.ts` for the rule), as they stand before any backup. */
	counts: LibraryCounts;
	/** Bytes of the listed files. */
	storage: StorageSummary;
	/** The library's items (not Recently Deleted), month by month. */
	months: MonthTally[];
	/** The phone's storage as AFC reports it. */
	device: { totalBytes: number; freeBytes: number };
	/** What the scan left out that a person should hear about, with a few examples. */
	leftOut: { count: number; examples: { path: string; why: string }[] };
	/** Undefined when the numbers come from the Photos app's database; else why they come from the files alone, in plain words. */
	filesAlone: string | undefined;
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

/** Why the Photos library could not be read, for "the numbers come from the files alone (…)". */
const FILES_ALONE_WHY: Record<Exclude<LibrarySource, { database: true }>['reason'], string> = {
	missing: 'the iPhone has no Photos library database where it keeps one',
	unreadable: 'the iPhone would not let this page read its Photos library database',
	locked: 'the iPhone held its Photos library database busy',
	'unknown-schema': 'its Photos library database is of a kind this page does not know',
	damaged: 'its Photos library database could not be made sense of',
	'too-large': 'its Photos library database is larger than this page reads',
	changing: 'its Photos library database kept changing while it was read',
	'too-slow': 'its Photos library database took too long to read',
	'no-reader': 'this page could not load its reader of the Photos library database',
};

/** One month of the camera roll against the backup, in items (a Live Photo is one). */
export interface MonthBackupStatus {
	/** `YYYY-MM`, or `unknown` for items without any date. */
	month: string;
	/** Every file of the item is in the backup. */
	backedUp: number;
	/** Some file of the item is still to be copied. */
	notYet: number;
	/** The item's original is only in iCloud: it cannot be copied over the cable (what of it can, is). */
	onlyInICloud: number;
}

/** The library against one backup folder: the timeline, and the counts as they stand now. */
export interface LibraryStatus {
	counts: LibraryCounts;
	months: MonthBackupStatus[];
}

/** What a backup folder knows of the phone's files. */
export interface BackupKnowledge {
	/** The backup holds the file as it is now on the phone. */
	isBackedUp(file: AssetFile): boolean;
	/** A backup tried the file (as it is now on the phone) and found it only in iCloud. */
	foundInICloud(file: AssetFile): boolean;
}

/**
 * What a backup folder knows, from its index (manifest and journal) and the files backups found only
 * in iCloud (the journal's, and the runs' since). A file found in iCloud once and copied since (its
 * original came back to the phone) is not in iCloud any more.
 */
export function backupKnowledge(index: BackupIndex | undefined, foundInICloud: ReadonlySet<string>): BackupKnowledge {
	const isBackedUp = (file: AssetFile) => index?.has(fileKey(file.path, file.size, file.modifiedTime)) ?? false;
	return { isBackedUp, foundInICloud: (file) => foundInICloud.has(file.path) && !isBackedUp(file) };
}

const NOTHING_KNOWN: BackupKnowledge = { isBackedUp: () => false, foundInICloud: () => false };

/** One item of the library as every count sees it. */
interface Item extends CountedItem {
	month: string;
	bytes: number;
	asset: DescribedAsset | undefined;
}

/** Every item of the library, listed or known from the database alone, with the facts the counts use: the one place they are made. */
function* itemsOf(library: PhoneLibrary, known: BackupKnowledge): Generator<Item> {
	for (const asset of library.assets) {
		yield { ...factsOf(asset), onlyInICloud: isOnlyInICloud(asset, known.foundInICloud), month: monthOf(asset.captureDate), bytes: asset.bytes, asset };
	}
	for (const row of library.absent) {
		const date: CaptureDate | undefined = row.captureTime === undefined ? undefined : { epochMs: row.captureTime, offsetMinutes: row.captureOffsetMinutes, floating: false, source: 'photos-database' };
		yield { ...factsOfRow(row), onlyInICloud: true, month: date === undefined ? 'unknown' : monthOf(date), bytes: 0, asset: undefined };
	}
}

/** The month an item was taken in, in the time where it was taken. */
function monthOf(date: CaptureDate): string {
	return localDateTime(date).slice(0, 7) || 'unknown';
}

export function overviewOf(library: PhoneLibrary, device: LibraryOverview['device'], skipped: readonly SkippedEntry[] = []): LibraryOverview {
	const months = new Map<string, MonthTally>();
	const items = [...itemsOf(library, NOTHING_KNOWN)];
	for (const item of items) {
		if (item.recentlyDeleted) continue;
		const tally = months.get(item.month) ?? { month: item.month, assets: 0, bytes: 0 };
		tally.assets++;
		tally.bytes += item.bytes;
		months.set(item.month, tally);
	}
	return {
		counts: countItems(items, library.source.database),
		storage: summarizeStorage(library.assets),
		months: [...months.values()].sort((a, b) => a.month.localeCompare(b.month)),
		device,
		leftOut: leftOutOf(skipped),
		filesAlone: library.source.database ? undefined : FILES_ALONE_WHY[library.source.reason],
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
 * Month by month, how much of the library is in the backup, with the counts as the backup's knowledge
 * leaves them (a backup may find a file only in iCloud that the scan took to be on the phone). Each
 * item is in one column: only in iCloud (whatever an earlier backup holds of it), else backed up when
 * every file of it is in the backup, else not yet. So the months' "only in iCloud" add up to
 * `counts.onlyInICloud`, and the three columns to `counts.items`.
 */
export function libraryStatus(library: PhoneLibrary, known: BackupKnowledge = NOTHING_KNOWN): LibraryStatus {
	const months = new Map<string, MonthBackupStatus>();
	const items = [...itemsOf(library, known)];
	for (const item of items) {
		if (item.recentlyDeleted) continue;
		let status = months.get(item.month);
		if (status === undefined) months.set(item.month, (status = { month: item.month, backedUp: 0, notYet: 0, onlyInICloud: 0 }));
		if (item.onlyInICloud) status.onlyInICloud++;
		else if (item.asset !== undefined && item.asset.files.every((file) => known.isBackedUp(file))) status.backedUp++;
		else status.notYet++;
	}
	return { counts: countItems(items, library.source.database), months: [...months.values()].sort((a, b) => a.month.localeCompare(b.month)) };
}
