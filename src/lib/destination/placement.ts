/**
 * Where an asset's files go in the iPhone's folder. Pure and deterministic: the same asset, date,
 * layout and taken paths always give the same answer.
 *
 * `by-month`: `YYYY/MM/` by the capture date's wall-clock time (`Undated/` without one); a file keeps
 * its name from the phone, and a Live Photo's movie, `IMG_E…` renders and AAE sidecars, which share
 * the folder, land beside their photo. An edit kept under `/PhotoData/Mutations/…/IMG_1234/Adjustments/`
 * is named after its photo: `FullSizeRender.heic` → `IMG_1234 (edited).heic`, any other file there
 * (`Adjustments.plist`) → `IMG_1234 (edited) Adjustments.plist`.
 *
 * An original the phone keeps under a name the person never saw (an iCloud download, kept in
 * `/PhotoData/CPLAssets/group…/<UUID>.HEIC`) is named after the Photos app's original file name when the
 * asset has one (`originalName`, from its database): `IMG_2682.HEIC`, and so are the files that share its
 * UUID (its Live Photo movie, `<UUID>.MOV` → `IMG_2682.MOV`) and its edits under Mutations. The file keeps
 * its own extension.
 *
 * `as-on-iphone`: the phone's own path (`DCIM/100APPLE/IMG_1234.HEIC`, Mutations files included).
 *
 * A name already taken is never reused: the asset gets the first number n ≥ 2 for which every one of
 * its files is free, inserted after the stem of each: `IMG_0001 (2).HEIC`, `IMG_0001 (2).MOV`,
 * `IMG_E0001 (2).HEIC`, `IMG_0001 (2) (edited).heic`.
 *
 * A path longer than Windows allows (see `MAX_RELATIVE_PATH_LENGTH`) is shortened, never refused: an
 * edit's qualifier gives way first, then the stem (down to a few characters), then the folders (each
 * cut alike, the deepest dropped when even one character each would not fit). The numbers and the
 * extension stay whole; names that shortening makes equal are told apart like any others.
 */
import {
	composeName,
	MAX_DEVICE_FOLDER_LENGTH,
	MAX_NAME_BYTES,
	MAX_RELATIVE_PATH_LENGTH,
	mediaExtensionOnly,
	pathKey,
	sanitizeName,
	splitExtension,
	truncateToFit,
	utf8Length,
} from './names';
import type { AssetPlacement, CaptureDateLike, FolderLayout, PlaceableAsset, PlacedFile } from './types';

/** Where a taken path came from: a manifest entry, a file found in the folder, or a reservation of this run. */
export type TakenSource = 'manifest' | 'folder' | 'reserved';

/**
 * Paths that are taken, compared case-insensitively and after NFC (see `pathKey`). A path reserved for
 * an asset stays free for that same asset, so placing it again (a retry) gives the same names.
 */
export class TakenPaths {
	readonly #paths = new Map<string, { path: string; source: TakenSource; owner?: string }>();

	constructor(paths: Iterable<string> = [], source: TakenSource = 'folder') {
		for (const path of paths) this.add(path, source);
	}

	/** Marks `path` as taken (`owner`: the asset it is reserved for); a file found in the folder stays marked as such. */
	add(path: string, source: TakenSource = 'reserved', owner?: string): void {
		const key = pathKey(path);
		const known = this.#paths.get(key);
		if (known !== undefined && known.source === 'folder') return;
		if (known !== undefined && known.source === 'manifest' && source === 'reserved') return;
		this.#paths.set(key, source === 'reserved' && owner !== undefined ? { path, source, owner } : { path, source });
	}

	/** Whether `path` is taken, for the asset `owner` (its own reservations do not count). */
	has(path: string, owner?: string): boolean {
		const known = this.#paths.get(pathKey(path));
		return known !== undefined && !(known.source === 'reserved' && owner !== undefined && known.owner === owner);
	}

	sourceOf(path: string): TakenSource | undefined {
		return this.#paths.get(pathKey(path))?.source;
	}

	get size(): number {
		return this.#paths.size;
	}
}

export interface PlacementOptions {
	layout: FolderLayout;
	captureDate: CaptureDateLike | undefined;
	taken: TakenPaths;
	/** Paths the manifest records for files of this asset, by device path: they stay where they are. */
	recorded?: ReadonlyMap<string, string>;
	/**
	 * Minutes east of UTC of the computer at an instant, for dates that are instants without a stated
	 * offset (file times, QuickTime header times). Default: UTC.
	 */
	localOffsetMinutes?: (epochMs: number) => number;
	/**
	 * UTF-16 units a path (relative to the iPhone's folder) may take: what `MAX_RELATIVE_PATH_LENGTH`
	 * leaves once the iPhone's folder is counted. Default: what it leaves beside the longest such folder.
	 */
	maxPathLength?: number;
}

/** Paths inside the iPhone's folder at most, beside the longest name that folder gets. */
export const DEFAULT_MAX_PATH_LENGTH = MAX_RELATIVE_PATH_LENGTH - MAX_DEVICE_FOLDER_LENGTH - 1;

/** The folder name for assets without a usable date. */
export const UNDATED_FOLDER = 'Undated';
const MUTATIONS_FILE = /^\/PhotoData\/Mutations\/.+\/Adjustments\/([^/]+)$/;
/** Where the phone keeps originals downloaded from iCloud, under their UUID. */
const ICLOUD_DOWNLOADS = /^\/PhotoData\/(Mutations\/PhotoData\/)?CPLAssets\//;
const RENDER_STEM = /^FullSizeRender$/i;
/** Bounds the search for a free number; a folder never holds this many files with one name. */
const MAX_COPY = 1_000_000;

/** A file's future name in parts: the copy number goes between `stem` and `qualifier`. */
interface NamePlan {
	folder: string;
	stem: string;
	qualifier: string;
	extension: string;
}

export function monthFolder(date: CaptureDateLike | undefined, localOffsetMinutes?: (epochMs: number) => number): string {
	if (date === undefined || !Number.isFinite(date.epochMs) || date.epochMs <= 0) return UNDATED_FOLDER;
	const offset = date.floating ? 0 : (date.offsetMinutes ?? localOffsetMinutes?.(date.epochMs) ?? 0);
	const wall = new Date(date.epochMs + offset * 60_000);
	const year = wall.getUTCFullYear();
	if (Number.isNaN(year) || year < 1 || year > 9999) return UNDATED_FOLDER;
	return `${String(year).padStart(4, '0')}/${String(wall.getUTCMonth() + 1).padStart(2, '0')}`;
}

function deviceSegments(devicePath: string): string[] {
	return devicePath.split('/').filter((segment) => segment !== '');
}

function planOf(devicePath: string, asset: PlaceableAsset, options: PlacementOptions): NamePlan {
	const segments = deviceSegments(devicePath);
	const name = sanitizeName(segments.at(-1) ?? '');
	const { stem, extension } = mediaExtensionOnly(splitExtension(name));
	if (options.layout === 'as-on-iphone') {
		const folder = segments.slice(0, -1).map(sanitizeName).join('/');
		return { folder, stem, qualifier: '', extension };
	}
	const folder = monthFolder(options.captureDate, options.localOffsetMinutes);
	const knownStem = knownBaseName(devicePath, asset);
	const mutation = MUTATIONS_FILE.exec(devicePath);
	if (mutation !== null) {
		const base = knownStem ?? sanitizeName(asset.baseName);
		if (RENDER_STEM.test(stem)) return { folder, stem: base, qualifier: ' (edited)', extension };
		return { folder, stem: base, qualifier: ` (edited) ${stem}`, extension };
	}
	return { folder, stem: knownStem !== undefined && stem === sanitizeName(asset.baseName) ? knownStem : stem, qualifier: '', extension };
}

/**
 * The stem of the name the person knows an iCloud download by (`IMG_2682` for `<UUID>.HEIC`), for files
 * kept under its UUID; undefined for every other file, and when no usable original name is known.
 */
function knownBaseName(devicePath: string, asset: PlaceableAsset): string | undefined {
	if (asset.originalName === undefined || !ICLOUD_DOWNLOADS.test(devicePath)) return undefined;
	const { stem } = splitExtension(sanitizeName(asset.originalName));
	return stem === '' ? undefined : stem;
}

/** Bytes, and UTF-16 units, of a name the stem keeps at the least, whatever the tail: `IMG_` and a little more. */
const MIN_STEM = 8;

function pathOf(plan: NamePlan, copy: number, duplicate: number, maxLength: number): string {
	const copyPart = copy > 1 ? ` (${copy})` : '';
	const duplicatePart = duplicate > 1 ? ` (#${duplicate})` : '';
	// The numbers and the extension tell files apart and must stay whole; a qualifier made from a long
	// name on the phone (an edit's own name) gives way first, then the stem, then the folders.
	const whole = `${copyPart}${duplicatePart}${plan.extension}`;
	const folder = fitFolder(plan.folder, maxLength - 1 - MIN_STEM - whole.length);
	const nameLength = folder === '' ? maxLength : maxLength - folder.length - 1;
	const qualifier = truncateToFit(plan.qualifier, MAX_NAME_BYTES - MIN_STEM - utf8Length(whole), nameLength - MIN_STEM - whole.length);
	const name = composeName(plan.stem, `${copyPart}${qualifier}${duplicatePart}${plan.extension}`, nameLength);
	return folder === '' ? name : `${folder}/${name}`;
}

/**
 * `folder` (safe segments, `/`-separated) within `maxLength` UTF-16 units: every segment cut to the
 * longest length that lets them all fit, and, when even one character each would not, the deepest
 * dropped.
 */
function fitFolder(folder: string, maxLength: number): string {
	if (folder.length <= maxLength) return folder;
	if (maxLength < 1) return '';
	const segments = folder.split('/').slice(0, Math.floor((maxLength + 1) / 2));
	const lengthAt = (cap: number) => segments.reduce((sum, segment) => sum + Math.min(segment.length, cap), segments.length - 1);
	let cap = maxLength;
	while (cap > 1 && lengthAt(cap) > maxLength) cap--;
	return segments.map((segment) => composeName(segment, '', cap)).join('/');
}

/** Files of one asset that could share a name: far more than any asset has (a photo, its movie, edits). */
const MAX_DUPLICATES = 10_000;

/**
 * The paths of `plans` for copy number `copy`. Two files of one asset that would share a path (names
 * differing only in case, or made equal by sanitizing) are told apart by ` (#2)`, ` (#3)`.
 */
function pathsFor(plans: readonly NamePlan[], copy: number, avoid: ReadonlySet<string>, maxLength: number): string[] {
	const used = new Set(avoid);
	return plans.map((plan) => {
		for (let duplicate = 1; duplicate <= MAX_DUPLICATES; duplicate++) {
			const path = pathOf(plan, copy, duplicate, maxLength);
			const key = pathKey(path);
			if (!used.has(key)) {
				used.add(key);
				return path;
			}
		}
		throw new RangeError(`No free name for ${plan.stem}${plan.extension}`);
	});
}

/**
 * The copy numbers that reproduce where recorded files of this asset went (` (3)` in their paths), so
 * that a file added to the asset later (a new edit) joins them under the same number.
 */
function recordedCopies(asset: PlaceableAsset, recorded: ReadonlyMap<string, string>, options: PlacementOptions): number[] {
	const copies: number[] = [];
	for (const file of asset.files) {
		const path = recorded.get(file.path);
		if (path === undefined) continue;
		const plan = planOf(file.path, asset, options);
		const numbers = [1, ...[...path.matchAll(/ \((\d{1,7})\)/g)].map((match) => Number(match[1]))];
		for (const copy of numbers) {
			if (copy >= 1 && copy <= MAX_COPY && pathKey(pathOf(plan, copy, 1, maxPathLength(options))) === pathKey(path)) copies.push(copy);
		}
	}
	return copies;
}

function maxPathLength(options: PlacementOptions): number {
	return options.maxPathLength ?? DEFAULT_MAX_PATH_LENGTH;
}

export function placeAsset(asset: PlaceableAsset, options: PlacementOptions): AssetPlacement {
	const recorded = options.recorded ?? new Map<string, string>();
	const maxLength = maxPathLength(options);
	const fresh = asset.files.filter((file) => !recorded.has(file.path));
	const plans = fresh.map((file) => planOf(file.path, asset, options));
	const recordedKeys = new Set([...recorded.values()].map(pathKey));

	const free = (paths: readonly string[]) => paths.every((path) => !options.taken.has(path, asset.id) && !recordedKeys.has(pathKey(path)));
	let copy = 1;
	let paths: string[] = [];
	if (plans.length > 0) {
		const tried = new Set<number>();
		const candidates = function* () {
			yield* recordedCopies(asset, recorded, options);
			for (let n = 1; n <= MAX_COPY; n++) yield n;
		};
		let found = false;
		for (const candidate of candidates()) {
			if (tried.has(candidate)) continue;
			tried.add(candidate);
			paths = pathsFor(plans, candidate, recordedKeys, maxLength);
			if (free(paths)) {
				copy = candidate;
				found = true;
				break;
			}
		}
		if (!found) throw new RangeError(`No free name for ${asset.id}`);
	}

	const firstChoice = copy > 1 ? pathsFor(plans, 1, recordedKeys, maxLength) : [];
	let next = 0;
	const files: PlacedFile[] = asset.files.map((file) => {
		const known = recorded.get(file.path);
		if (known !== undefined) return { devicePath: file.path, path: known, recorded: true };
		const index = next++;
		const placed: PlacedFile = { devicePath: file.path, path: paths[index]!, recorded: false };
		const earlier = firstChoice[index];
		if (earlier !== undefined && options.taken.sourceOf(earlier) === 'folder') placed.possibleEarlierCopy = earlier;
		return placed;
	});
	return { assetId: asset.id, files, copy };
}
