import { Limiter } from './concurrency';
import type { DeviceFiles } from './device-files';
import { isFileLevelFailure } from './failures';

/** A file found on the phone, as the scanner reports it. Keys are full paths, never bare names. */
export interface ScannedFile {
	path: string;
	size: number;
	/** Milliseconds since the epoch. */
	birthTime: number;
	modifiedTime: number;
}

export interface SkippedEntry {
	path: string;
	/**
	 * `hidden`: a dot-name (`.MISC`, AppleDouble `._IMG_0001.JPG`); `vanished`: listed, then gone (or
	 * its information could not be read); `not-a-file`: a folder, link or device where files belong;
	 * `too-deep`: nested deeper than any real layout; `bad-name`: a name no file system holds (a `/` in
	 * it: a lying phone); `too-many`: a folder listing more entries than a camera folder can, or one
	 * folder more than the scan's budget (a phone whose folders lead back into themselves): what is
	 * past the limit is not looked at.
	 */
	reason: 'hidden' | 'vanished' | 'not-a-file' | 'too-deep' | 'bad-name' | 'too-many';
}

export interface CameraRollScan {
	/** Sorted by path. */
	files: ScannedFile[];
	skipped: SkippedEntry[];
	/** Roots that are not on this phone (no iCloud downloads, no edits): normal, not errors. */
	missingRoots: string[];
}

export interface ScanProgress {
	foldersListed: number;
	filesFound: number;
}

export interface ScanOptions {
	/** How many list/stat calls may be in flight at once (default 16). */
	concurrency?: number;
	signal?: AbortSignal;
	onProgress?: (progress: ScanProgress) => void;
	/** Lower limits than `SCAN_LIMITS`, for tests. */
	limits?: Partial<ScanLimits>;
}

/**
 * What one scan looks at, at most, whatever the phone lists: a lying phone can make a folder that
 * contains itself, or fan out without end, and nothing on the cable tells a loop from a real folder.
 */
export interface ScanLimits {
	/** Entries looked at in one folder: camera numbering (DCF) puts at most 9,999 files in a folder. */
	maxFolderEntries: number;
	/** Folders listed: about two per edited photo (Mutations), far fewer for the rest. */
	maxFolders: number;
	/** Entries looked at in all: more files than any phone's library holds. */
	maxEntries: number;
}

export const SCAN_LIMITS: ScanLimits = { maxFolderEntries: 10_000, maxFolders: 250_000, maxEntries: 2_000_000 };

/** Where camera-roll files live over AFC (`docs/protocol.md` §8). */
export const CAMERA_ROLL_ROOTS = {
	dcim: '/DCIM',
	iCloudDownloads: '/PhotoData/CPLAssets',
	edits: '/PhotoData/Mutations',
} as const;

const EDITS_FOLDER = 'Adjustments';
/** `Mutations/DCIM/100APPLE/IMG_0001/Adjustments` is four levels down; leave room, but not forever. */
const MAX_EDITS_DEPTH = 8;

interface Listed {
	path: string;
	kind: 'file' | 'directory' | 'other';
	file?: ScannedFile;
}

/**
 * Walks the camera roll: the files of every `/DCIM/*` folder, of every `/PhotoData/CPLAssets/*` group,
 * and of every `Adjustments` folder under `/PhotoData/Mutations`. Folders are walked in parallel with
 * at most `concurrency` list/stat calls in flight. Missing roots are normal. A file that vanishes
 * between listing and stat is skipped; any failure that is not about one file or folder (a lost
 * connection, an abort) stops the scan.
 */
export async function scanCameraRoll(files: DeviceFiles, options: ScanOptions = {}): Promise<CameraRollScan> {
	const { signal } = options;
	const limiter = new Limiter(options.concurrency ?? 16, signal);
	const found: ScannedFile[] = [];
	const skipped: SkippedEntry[] = [];
	const missingRoots: string[] = [];
	const progress: ScanProgress = { foldersListed: 0, filesFound: 0 };
	const limits: ScanLimits = { ...SCAN_LIMITS, ...options.limits };
	let foldersStarted = 0;
	let entriesSeen = 0;
	let folderBudgetSpent = false;
	const report = () => options.onProgress?.({ ...progress });

	/** Calls the device; a file-level failure yields `undefined`, any other stops every queued call. */
	const call = async <T>(request: () => Promise<T>): Promise<T | undefined> => {
		try {
			return await limiter.run(request);
		} catch (error) {
			if (isFileLevelFailure(error)) return undefined;
			limiter.fail(error);
			throw error;
		}
	};

	/** The entries of a folder with their kinds; `undefined` when the folder cannot be listed. */
	const listFolder = async (path: string): Promise<Listed[] | undefined> => {
		if (foldersStarted >= limits.maxFolders) {
			// Once is enough to say so: a loop would otherwise add an entry per refused folder.
			if (!folderBudgetSpent) skipped.push({ path, reason: 'too-many' });
			folderBudgetSpent = true;
			return [];
		}
		foldersStarted++;
		const room = Math.max(0, Math.min(limits.maxFolderEntries, limits.maxEntries - entriesSeen));
		// One more than there is room for: enough to know the folder holds too many, and no more decoded.
		const listed = await call(() => files.list(path, room + 1));
		if (listed === undefined) return undefined;
		progress.foldersListed++;
		const names = listed.length > room ? listed.slice(0, room) : listed;
		if (names !== listed) skipped.push({ path, reason: 'too-many' });
		entriesSeen += names.length;
		const visible: string[] = [];
		for (const name of names) {
			if (name === '.' || name === '..' || name.length === 0) continue;
			// A `/` would make the path name another file; a NUL cannot cross AFC whole.
			if (name.includes('/') || name.includes('\0')) skipped.push({ path: join(path, name), reason: 'bad-name' });
			else if (name.startsWith('.')) skipped.push({ path: join(path, name), reason: 'hidden' });
			else visible.push(name);
		}
		const entries = await Promise.all(
			visible.map(async (name): Promise<Listed | undefined> => {
				const entryPath = join(path, name);
				const info = await call(() => files.stat(entryPath));
				if (info === undefined) {
					skipped.push({ path: entryPath, reason: 'vanished' });
					return undefined;
				}
				if (info.kind === 'directory') return { path: entryPath, kind: 'directory' };
				if (info.kind !== 'file') return { path: entryPath, kind: 'other' };
				const file = { path: entryPath, size: info.size, birthTime: info.birthTime, modifiedTime: info.modifiedTime };
				return { path: entryPath, kind: 'file', file };
			}),
		);
		report();
		return entries.filter((entry): entry is Listed => entry !== undefined);
	};

	/** Takes a folder's files; anything else in it is reported as skipped. */
	const collectFiles = (entries: Listed[]) => {
		for (const entry of entries) {
			if (entry.file !== undefined) {
				found.push(entry.file);
				progress.filesFound++;
			} else {
				skipped.push({ path: entry.path, reason: 'not-a-file' });
			}
		}
		report();
	};

	/** A root whose sub-folders each hold files: /DCIM/NNNAPPLE, /PhotoData/CPLAssets/groupN. */
	const scanFolderOfFolders = async (root: string) => {
		const entries = await listFolder(root);
		if (entries === undefined) {
			missingRoots.push(root);
			return;
		}
		await Promise.all(
			entries.map(async (entry) => {
				if (entry.kind !== 'directory') {
					skipped.push({ path: entry.path, reason: 'not-a-file' });
					return;
				}
				const inner = await listFolder(entry.path);
				if (inner === undefined) skipped.push({ path: entry.path, reason: 'vanished' });
				else collectFiles(inner);
			}),
		);
	};

	/** Finds every `Adjustments` folder under the edits root and takes its files. */
	const scanEdits = async (path: string, depth: number): Promise<void> => {
		const entries = await listFolder(path);
		if (entries === undefined) {
			if (depth === 0) missingRoots.push(path);
			else skipped.push({ path, reason: 'vanished' });
			return;
		}
		if (depth > 0 && basename(path) === EDITS_FOLDER) {
			collectFiles(entries);
			return;
		}
		await Promise.all(
			entries.map(async (entry) => {
				if (entry.kind !== 'directory') return; // only Adjustments folders hold edits
				if (depth >= MAX_EDITS_DEPTH) skipped.push({ path: entry.path, reason: 'too-deep' });
				else await scanEdits(entry.path, depth + 1);
			}),
		);
	};

	await Promise.all([
		scanFolderOfFolders(CAMERA_ROLL_ROOTS.dcim),
		scanFolderOfFolders(CAMERA_ROLL_ROOTS.iCloudDownloads),
		scanEdits(CAMERA_ROLL_ROOTS.edits, 0),
	]);
	found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
	skipped.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
	missingRoots.sort();
	return { files: found, skipped, missingRoots };
}

function join(folder: string, name: string): string {
	return folder.endsWith('/') ? folder + name : `${folder}/${name}`;
}

function basename(path: string): string {
	return path.slice(path.lastIndexOf('/') + 1);
}
