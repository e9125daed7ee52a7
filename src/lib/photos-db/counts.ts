import type { PhotosDbAsset } from './types';

/**
 * The numbers the page shows about the library, all from the assets' rows in one place. The library
 * counts (photos, videos, Live Photos, screenshots, only in iCloud) are of what a backup can take:
 * assets of the person's library (not shared-album or Shared with You ones) that are not in Recently
 * Deleted; hidden ones count there too, and in `hidden`. `trashed` counts Recently Deleted alone.
 */
export interface PhotosDbCounts {
	photos: number;
	videos: number;
	livePhotos: number;
	screenshots: number;
	hidden: number;
	favorites: number;
	onlyInICloud: number;
	trashed: number;
}

export function libraryCounts(assets: readonly PhotosDbAsset[]): PhotosDbCounts {
	const counts: PhotosDbCounts = { photos: 0, videos: 0, livePhotos: 0, screenshots: 0, hidden: 0, favorites: 0, onlyInICloud: 0, trashed: 0 };
	for (const asset of assets) {
		if (asset.shared) continue;
		if (asset.trashed) {
			counts.trashed++;
			continue;
		}
		if (asset.kind === 'photo') counts.photos++;
		if (asset.kind === 'video') counts.videos++;
		if (asset.livePhoto) counts.livePhotos++;
		if (asset.screenshot) counts.screenshots++;
		if (asset.hidden) counts.hidden++;
		if (asset.favorite) counts.favorites++;
		if (asset.originalOnPhone === false) counts.onlyInICloud++;
	}
	return counts;
}
