/**
 * What a camera-roll path says about its file: which asset it belongs to (folder + base name) and
 * what part it plays, from names alone (`docs/camera-roll.md` §3, `docs/protocol.md` §8.1).
 */
export type MediaClass = 'still' | 'video' | 'sidecar' | 'other';

const STILL_EXTENSIONS = new Set(['HEIC', 'HEIF', 'HIF', 'JPG', 'JPEG', 'PNG', 'DNG', 'TIF', 'TIFF', 'GIF', 'WEBP', 'AVIF', 'CR2', 'CR3', 'NEF', 'ARW']);
const VIDEO_EXTENSIONS = new Set(['MOV', 'MP4', 'M4V', '3GP']);
const SIDECAR_EXTENSIONS = new Set(['AAE', 'PLIST']);
/** Preference for the file that represents a photo asset when there are several stills. */
const STILL_PREFERENCE = ['HEIC', 'HEIF', 'HIF', 'JPG', 'JPEG', 'DNG', 'PNG'];

export interface MediaPath {
	/** The folder the asset belongs to: the DCIM/CPLAssets folder, also for an edit under Mutations. */
	folder: string;
	/** The asset's base name: `IMG_1234` for `IMG_1234.HEIC`, `IMG_E1234.HEIC`, `IMG_O1234.AAE`. */
	base: string;
	/** Upper-case extension without the dot; '' when there is none. */
	extension: string;
	mediaClass: MediaClass;
	/** An edit made in Photos: `IMG_E` files and files in `PhotoData/Mutations/…/Adjustments`. */
	edited: boolean;
}

const EDITS_PATTERN = /^\/PhotoData\/Mutations(\/.+)\/([^/]+)\/Adjustments\/[^/]+$/;
const PREFIXED_NAME = /^(IMG_)([EO])(\d+)$/i;

export function extensionOf(name: string): string {
	const dot = name.lastIndexOf('.');
	return dot > 0 ? name.slice(dot + 1).toUpperCase() : '';
}

function classOf(extension: string): MediaClass {
	if (STILL_EXTENSIONS.has(extension)) return 'still';
	if (VIDEO_EXTENSIONS.has(extension)) return 'video';
	if (SIDECAR_EXTENSIONS.has(extension)) return 'sidecar';
	return 'other';
}

/** Lower is better; stills not in the list come last. */
export function stillRank(extension: string): number {
	const rank = STILL_PREFERENCE.indexOf(extension);
	return rank === -1 ? STILL_PREFERENCE.length : rank;
}

export function parseMediaPath(path: string): MediaPath {
	const slash = path.lastIndexOf('/');
	const name = path.slice(slash + 1);
	const extension = extensionOf(name);
	const mediaClass = classOf(extension);

	const edit = EDITS_PATTERN.exec(path);
	if (edit !== null) {
		// Mutations/DCIM/100APPLE/IMG_1234/Adjustments/FullSizeRender.heic belongs to /DCIM/100APPLE IMG_1234.
		return { folder: edit[1]!, base: edit[2]!, extension, mediaClass, edited: true };
	}

	const folder = slash > 0 ? path.slice(0, slash) : '/';
	const stem = extension === '' ? name : name.slice(0, name.length - extension.length - 1);
	const prefixed = PREFIXED_NAME.exec(stem);
	if (prefixed !== null) {
		return { folder, base: `${prefixed[1]}${prefixed[3]}`, extension, mediaClass, edited: prefixed[2]!.toUpperCase() === 'E' };
	}
	return { folder, base: stem, extension, mediaClass, edited: false };
}
