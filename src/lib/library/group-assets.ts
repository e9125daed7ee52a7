import { type MediaPath, parseMediaPath, stillRank } from './media-path';
import type { ScannedFile } from './scan';

export type AssetKind = 'photo' | 'live-photo' | 'video' | 'screenshot' | 'other';

/**
 * - `original`: the camera's file (the still of a photo, the movie of a video);
 * - `live-video`: the movie half of a Live Photo;
 * - `render` / `live-video-render`: what an edit in Photos produced (IMG_E…, FullSizeRender.*);
 * - `adjustments`: the edit recipes (IMG_nnnn.AAE, IMG_Onnnn.AAE, Adjustments.plist);
 * - `other`: anything else that shares the asset's name.
 */
export type AssetFileRole = 'original' | 'live-video' | 'render' | 'live-video-render' | 'adjustments' | 'other';

export interface AssetFile extends ScannedFile {
	role: AssetFileRole;
}

export interface Asset {
	/** The primary file's full path: unique, stable across scans (names repeat after IMG_9999). */
	id: string;
	kind: AssetKind;
	/** The folder it belongs to (`/DCIM/100APPLE`, `/PhotoData/CPLAssets/group159`). */
	folder: string;
	/** `IMG_1234`, or an iCloud download's UUID. */
	baseName: string;
	/** The file that represents the asset (dates come from it); also `files[0]`. */
	primary: AssetFile;
	/** Every file of the asset, primary first. */
	files: AssetFile[];
	/** Sum of the files' sizes. */
	bytes: number;
}

const ROLE_ORDER: Record<AssetFileRole, number> = {
	original: 0,
	'live-video': 1,
	render: 2,
	'live-video-render': 3,
	adjustments: 4,
	other: 5,
};

interface Member {
	file: ScannedFile;
	parsed: MediaPath;
}

/**
 * Groups scanned files into assets by folder and base name: a still with its Live Photo movie, an
 * original with its edits (IMG_E…, Mutations renders) and AAE sidecars, screenshots (PNG), videos.
 * Every file lands in exactly one asset. Live pairs found by name are confirmed (or split) against
 * their content ids by `describeAssets`.
 */
export function groupAssets(files: readonly ScannedFile[]): Asset[] {
	const groups = new Map<string, Member[]>();
	for (const file of files) {
		const parsed = parseMediaPath(file.path);
		const key = `${parsed.folder}\u0000${parsed.base}`;
		let members = groups.get(key);
		if (members === undefined) groups.set(key, (members = []));
		members.push({ file, parsed });
	}
	const assets: Asset[] = [];
	for (const members of groups.values()) assets.push(assetOf(members));
	assets.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
	return assets;
}

function assetOf(members: Member[]): Asset {
	const originalStills = members.filter((m) => !m.parsed.edited && m.parsed.mediaClass === 'still');
	const originalVideos = members.filter((m) => !m.parsed.edited && m.parsed.mediaClass === 'video');
	const hasStill = originalStills.length > 0 || members.some((m) => m.parsed.edited && m.parsed.mediaClass === 'still');
	const live = originalStills.length > 0 && originalVideos.length > 0;

	const roleOf = ({ parsed }: Member): AssetFileRole => {
		if (parsed.mediaClass === 'sidecar') return 'adjustments';
		if (parsed.edited) {
			if (parsed.mediaClass === 'still') return 'render';
			if (parsed.mediaClass === 'video') return hasStill ? 'live-video-render' : 'render';
			return 'adjustments'; // other data an edit left in its Adjustments folder
		}
		if (parsed.mediaClass === 'still') return 'original';
		if (parsed.mediaClass === 'video') return live ? 'live-video' : 'original';
		return 'other';
	};

	const byPreference = (a: Member, b: Member) =>
		stillRank(a.parsed.extension) - stillRank(b.parsed.extension) || compare(a.file.path, b.file.path);
	const primaryMember =
		[...originalStills].sort(byPreference)[0] ??
		[...originalVideos].sort((a, b) => compare(a.file.path, b.file.path))[0] ??
		members.filter((m) => m.parsed.edited && m.parsed.mediaClass === 'still').sort(byPreference)[0] ??
		members.filter((m) => m.parsed.edited && m.parsed.mediaClass === 'video').sort((a, b) => compare(a.file.path, b.file.path))[0] ??
		[...members].sort((a, b) => compare(a.file.path, b.file.path))[0]!;

	const assetFiles = members.map((member) => ({ member, file: { ...member.file, role: roleOf(member) } }));
	assetFiles.sort((a, b) => {
		if (a.member === primaryMember) return -1;
		if (b.member === primaryMember) return 1;
		return ROLE_ORDER[a.file.role] - ROLE_ORDER[b.file.role] || compare(a.file.path, b.file.path);
	});
	const filesOut = assetFiles.map((entry) => entry.file);
	const primary = filesOut[0]!;
	return {
		id: primary.path,
		kind: kindOf(primaryMember, live),
		folder: primaryMember.parsed.folder,
		baseName: primaryMember.parsed.base,
		primary,
		files: filesOut,
		bytes: filesOut.reduce((sum, file) => sum + file.size, 0),
	};
}

function kindOf(primary: Member, live: boolean): AssetKind {
	const { mediaClass, extension } = primary.parsed;
	if (mediaClass === 'still') {
		if (live) return 'live-photo';
		return extension === 'PNG' ? 'screenshot' : 'photo';
	}
	if (mediaClass === 'video') return 'video';
	return 'other';
}

function compare(a: string, b: string): number {
	return a < b ? -1 : a > b ? 1 : 0;
}
