import { FAT32_MAX_FILE_BYTES } from '../destination/file-size-limit';
import type { AssetFileRole, AssetKind, CaptureDate, DescribedAsset } from '../library';
import { fileKey, type FileRow } from '../store';
import type { BackupIndex } from './backup-index';

export interface Tally {
	assets: number;
	files: number;
	bytes: number;
}

/** How the plan counts what it copies: edits (renders and sidecars) apart from the originals. */
export type PlanCategory = 'photos' | 'livePhotos' | 'videos' | 'edits' | 'other';

export const PLAN_CATEGORIES: readonly PlanCategory[] = ['photos', 'livePhotos', 'videos', 'edits', 'other'];

/**
 * - `new`: never backed up;
 * - `changed`: backed up before, but the phone's file now has another size or modification time
 *   (the earlier copy stays);
 * - `unfinished`: a run planned it and did not finish it, or it failed, or it was in iCloud last time
 *   and its asset's original is back on the phone.
 */
export type PlanReason = 'new' | 'changed' | 'unfinished';

export interface PlannedFile {
	devicePath: string;
	/** `fileKey(devicePath, size, modifiedTime)`. */
	key: string;
	assetId: string;
	role: AssetFileRole;
	category: PlanCategory;
	size: number;
	modifiedTime: number;
	birthTime: number;
	reason: PlanReason;
	/**
	 * A file of the same size is already in the backup: it may be that file renamed on the phone. Only
	 * its hash, computed while copying, tells; if it matches, the file is recorded, not stored twice.
	 */
	maybeDuplicate: boolean;
	/**
	 * The folder's drive refused a file this large before (FAT32): it is recorded as failed, with what
	 * to do, without being read from the phone.
	 */
	tooLargeForDrive: boolean;
}

export interface PlannedAsset {
	/** The asset as described, every file of it (the destination names them together). */
	asset: DescribedAsset;
	/** Its capture date, ISO 8601 with the offset when known. */
	capturedAt: string;
	/** The files to copy, primary first. */
	files: PlannedFile[];
}

/** Files of an asset that are listed, but not copied. */
export interface PlanItem {
	assetId: string;
	kind: AssetKind;
	capturedAt: string;
	/** The files not yet in the backup. */
	files: string[];
	bytes: number;
}

export interface PlanSummary {
	/** What will be copied. */
	total: Tally;
	/** The same, by category: files and bytes add up to `total`; assets are counted in the category of their kind (`edits` counts assets with edits to copy). */
	byCategory: Record<PlanCategory, Tally>;
	/** Why files are copied. */
	byReason: Record<PlanReason, number>;
	/** Of those, files that may turn out to be already in the backup under another name. */
	maybeDuplicates: { files: number; bytes: number };
	/** Files on the phone already backed up. */
	alreadyBackedUp: { files: number; bytes: number };
	/** Of the files planned, those larger than the folder's drive holds (`tooLargeForDrive`): counted in `total`, never read. */
	tooLargeForDrive: { files: number; bytes: number };
	/**
	 * Files found unreadable while describing, by asset: "Optimize iPhone Storage" placeholders (an
	 * asset's original, a Live Photo's movie). Not failures; the asset's other files are still planned.
	 */
	inICloud: PlanItem[];
	/** The same for assets whose original the phone refused for another reason (gone since the scan, no permission). */
	unavailable: PlanItem[];
	/**
	 * Items in Recently Deleted (the Photos app's database says so) with files not in the backup: left
	 * out unless `included` (`PlanOptions.includeRecentlyDeleted`), then planned like any other.
	 */
	recentlyDeleted: Tally & { included: boolean };
	/** The time to copy what will be read (not the files too large for the drive). */
	estimate: { bytesPerSecond: number; seconds: number };
	/** Whether the folder's drive can hold what will be copied; `fits` is undefined when its free space is unknown. */
	space: { neededBytes: number; freeBytes: number | undefined; fits: boolean | undefined };
}

export interface BackupPlan extends PlanSummary {
	/** Assets with files to copy, in the order given. */
	assets: PlannedAsset[];
}

export interface PlanOptions {
	/** The journal's rows for this backup: tells `unfinished` apart from `new`. */
	journal?: readonly FileRow[];
	/** Free bytes on the folder's drive, when known. */
	freeBytes?: number;
	/** For the time estimate (default 30 MB/s, what USB 2 gives in practice). */
	bytesPerSecond?: number;
	/** The drive's limit on one file that a refusal in the journal stands for (default FAT32's; tests use less). */
	fileSizeLimit?: number;
	/** Back up items in Recently Deleted too (default: leave them out). */
	includeRecentlyDeleted?: boolean;
}

export const DEFAULT_BYTES_PER_SECOND = 30_000_000;
/** Opening and closing a file on the phone costs a few round trips whatever its size. */
const SECONDS_PER_FILE = 0.005;

const EDIT_ROLES: ReadonlySet<AssetFileRole> = new Set(['render', 'live-video-render', 'adjustments']);

const KIND_CATEGORY: Record<AssetKind, PlanCategory> = {
	photo: 'photos',
	screenshot: 'photos',
	'live-photo': 'livePhotos',
	video: 'videos',
	other: 'other',
};

/**
 * What to copy: every file of every asset on the phone that the backup does not hold yet (by phone
 * path, size and modification time), grouped by asset so that Live Photo halves and edits travel
 * together. Files known to be only in iCloud are listed, never planned and never failures. Items in
 * Recently Deleted are counted and left out, unless asked for; what the backup already holds of them
 * stays there (a plan never removes anything).
 */
export function planBackup(assets: readonly DescribedAsset[], backedUp: BackupIndex, options: PlanOptions = {}): BackupPlan {
	const journalStates = new Map<string, FileRow['state']>();
	for (const row of options.journal ?? []) journalStates.set(row.key, row.state);
	const driveHoldsAtMost = driveFileLimit(options.journal ?? [], backedUp, options.fileSizeLimit ?? FAT32_MAX_FILE_BYTES);
	const tooLargeForDrive = { files: 0, bytes: 0 };
	const backedUpPaths = new Set<string>();
	for (const entry of backedUp.entries()) backedUpPaths.add(entry.devicePath);

	const byCategory = Object.fromEntries(PLAN_CATEGORIES.map((category) => [category, emptyTally()])) as Record<PlanCategory, Tally>;
	const total = emptyTally();
	const byReason: Record<PlanReason, number> = { new: 0, changed: 0, unfinished: 0 };
	const maybeDuplicates = { files: 0, bytes: 0 };
	const alreadyBackedUp = { files: 0, bytes: 0 };
	const inICloud: PlanItem[] = [];
	const unavailable: PlanItem[] = [];
	const recentlyDeleted = { ...emptyTally(), included: options.includeRecentlyDeleted === true };
	const planned: PlannedAsset[] = [];

	for (const asset of assets) {
		const capturedAt = captureIso(asset.captureDate);
		const missing = asset.files.filter((file) => {
			const done = backedUp.has(fileKey(file.path, file.size, file.modifiedTime));
			if (done) {
				alreadyBackedUp.files++;
				alreadyBackedUp.bytes += file.size;
			}
			return !done;
		});
		if (missing.length === 0) continue;
		if (asset.photos?.trashed === true) {
			recentlyDeleted.assets++;
			recentlyDeleted.files += missing.length;
			recentlyDeleted.bytes += missing.reduce((sum, file) => sum + file.size, 0);
			if (!recentlyDeleted.included) continue;
		}
		// Files found unreadable while describing are listed, not planned. The others are tried even when
		// the asset's original is only in iCloud: its edits and sidecars are often still on the phone,
		// and a file that turns out unreadable is recorded as in iCloud, never as a failure.
		const unreadable = new Set(asset.unreadableFiles);
		if (asset.availability !== 'on-iphone') {
			unreadable.add(asset.primary.path);
			// A file an earlier run found only in iCloud (a Live Photo's movie beside an optimized still)
			// stays listed until the asset's original is back on the phone: then it is tried again.
			for (const file of missing) if (journalStates.get(fileKey(file.path, file.size, file.modifiedTime)) === 'in-icloud') unreadable.add(file.path);
		}
		const readable = missing.filter((file) => !unreadable.has(file.path));
		const refused = missing.filter((file) => unreadable.has(file.path));
		if (refused.length > 0) (asset.availability === 'unavailable' ? unavailable : inICloud).push(item(asset, capturedAt, refused));
		if (readable.length === 0) continue;

		const files = readable.map((file): PlannedFile => {
			const key = fileKey(file.path, file.size, file.modifiedTime);
			const reason: PlanReason = journalStates.has(key) ? 'unfinished' : backedUpPaths.has(file.path) ? 'changed' : 'new';
			return {
				devicePath: file.path,
				key,
				assetId: asset.id,
				role: file.role,
				category: EDIT_ROLES.has(file.role) ? 'edits' : KIND_CATEGORY[asset.kind],
				size: file.size,
				modifiedTime: file.modifiedTime,
				birthTime: file.birthTime,
				reason,
				maybeDuplicate: backedUp.hasSize(file.size),
				tooLargeForDrive: driveHoldsAtMost !== undefined && file.size > driveHoldsAtMost,
			};
		});
		planned.push({ asset, capturedAt, files });

		total.assets++;
		byCategory[KIND_CATEGORY[asset.kind]].assets++;
		if (files.some((file) => file.category === 'edits')) byCategory.edits.assets++;
		for (const file of files) {
			total.files++;
			total.bytes += file.size;
			byCategory[file.category].files++;
			byCategory[file.category].bytes += file.size;
			byReason[file.reason]++;
			if (file.maybeDuplicate) {
				maybeDuplicates.files++;
				maybeDuplicates.bytes += file.size;
			}
			if (file.tooLargeForDrive) {
				tooLargeForDrive.files++;
				tooLargeForDrive.bytes += file.size;
			}
		}
	}

	const bytesPerSecond = options.bytesPerSecond ?? DEFAULT_BYTES_PER_SECOND;
	const freeBytes = options.freeBytes;
	const neededBytes = total.bytes - tooLargeForDrive.bytes;
	return {
		assets: planned,
		total,
		byCategory,
		byReason,
		maybeDuplicates,
		alreadyBackedUp,
		tooLargeForDrive,
		inICloud,
		unavailable,
		recentlyDeleted,
		estimate: { bytesPerSecond, seconds: estimateSeconds(neededBytes, total.files - tooLargeForDrive.files, bytesPerSecond) },
		space: { neededBytes, freeBytes, fits: freeBytes === undefined ? undefined : neededBytes <= freeBytes },
	};
}

/**
 * The most bytes one file may hold on the folder's drive, when an earlier run found out: a file of
 * this backup failed as too large for the drive (the journal is per folder, so another folder starts
 * afresh). A backup that holds a larger file shows the drive has no such limit (reformatted, say).
 */
function driveFileLimit(journal: readonly FileRow[], backedUp: BackupIndex, limit: number): number | undefined {
	const refused = journal.some((row) => row.state === 'failed' && row.error?.code === 'file-too-large-for-drive');
	return refused && !backedUp.holdsFileLargerThan(limit) ? limit : undefined;
}

/** The plan without its asset list: what the page shows before the backup starts. */
export function planSummary(plan: BackupPlan): PlanSummary {
	const { assets: _assets, ...summary } = plan;
	return summary;
}

/** Seconds to copy `bytes` in `files` files at `bytesPerSecond`. */
export function estimateSeconds(bytes: number, files: number, bytesPerSecond: number): number {
	if (!(bytesPerSecond > 0)) return Number.POSITIVE_INFINITY;
	return bytes / bytesPerSecond + files * SECONDS_PER_FILE;
}

/**
 * A capture date as ISO 8601: with the photo's own offset when it states one (`2025-05-26T09:27:06-05:00`),
 * without any zone when the file gave only a wall-clock time, in UTC otherwise.
 */
export function captureIso(date: CaptureDate): string {
	const wall = new Date(date.epochMs + (date.floating ? 0 : (date.offsetMinutes ?? 0) * 60_000));
	if (Number.isNaN(wall.getTime())) return '';
	const text = wall.toISOString().slice(0, 23);
	if (date.floating) return text;
	if (date.offsetMinutes === undefined) return `${text}Z`;
	const sign = date.offsetMinutes < 0 ? '-' : '+';
	const minutes = Math.abs(date.offsetMinutes);
	return `${text}${sign}${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
}

function pad(value: number): string {
	return String(value).padStart(2, '0');
}

function emptyTally(): Tally {
	return { assets: 0, files: 0, bytes: 0 };
}

function item(asset: DescribedAsset, capturedAt: string, files: readonly { path: string; size: number }[]): PlanItem {
	return {
		assetId: asset.id,
		kind: asset.kind,
		capturedAt,
		files: files.map((file) => file.path),
		bytes: files.reduce((sum, file) => sum + file.size, 0),
	};
}
