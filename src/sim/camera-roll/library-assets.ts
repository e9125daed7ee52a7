import type { LibraryAsset } from '../photos-db/library-asset';
import type { CaptureMoment } from './capture-moment';
import type { PlannedFile } from './library-plan';
import type { Prng } from './prng';

/*
 * What the Photos app knows of each item besides its files: the person's marks (Recently Deleted,
 * hidden, favourite, albums). They are drawn from each asset's own generator, apart from the one its
 * files come from, so the files of a library are the same with or without them.
 */

/** How often a person marks an item. */
const HABITS = { trashed: 0.012, hidden: 0.01, favorite: 0.05, album: 0.06 } as const;
/** The albums the person made. */
export const USER_ALBUMS = ['Family', 'Holidays'] as const;

export interface AssetMarks {
	trashed: boolean;
	hidden: boolean;
	favorite: boolean;
	albums: readonly string[];
}

export const NO_MARKS: AssetMarks = { trashed: false, hidden: false, favorite: false, albums: [] };

export function drawMarks(rng: Prng): AssetMarks {
	return {
		trashed: rng.chance(HABITS.trashed),
		hidden: rng.chance(HABITS.hidden),
		favorite: rng.chance(HABITS.favorite),
		albums: USER_ALBUMS.filter(() => rng.chance(HABITS.album)),
	};
}

/**
 * The asset whose original is `files[0]` (the planner lists an item's originals first, the Live
 * Photo's still before its video), with the capture moment its metadata says.
 */
export function assetOfFiles(
	files: readonly PlannedFile[],
	details: { uuid: string; capture: CaptureMoment; marks: AssetMarks; originalFilename?: string; live?: boolean; edited?: boolean },
): LibraryAsset {
	const original = files[0]!;
	const slash = original.path.lastIndexOf('/');
	const filename = original.path.slice(slash + 1);
	return {
		uuid: details.uuid,
		kind: /\.(MOV|MP4)$/.test(filename) ? 'video' : 'photo',
		live: details.live ?? files.some((file) => file.tag === 'live-video'),
		screenshot: original.tag === 'screenshot' || filename.endsWith('.PNG'),
		directory: original.path.slice(1, slash),
		filename,
		originalFilename: details.originalFilename ?? filename,
		captureMs: details.capture.epochMs,
		offsetMinutes: details.capture.offsetMinutes,
		addedMs: original.birthTimeMs,
		originalOnPhone: !original.unreadable,
		edited: details.edited ?? files.some((file) => file.tag === 'render'),
		...details.marks,
		files: files.map((file) => file.path),
	};
}
