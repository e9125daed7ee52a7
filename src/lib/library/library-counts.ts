import type { PhotosDbAsset } from '../photos-db';
import type { DescribedAsset } from './describe-assets';
import type { AssetFile } from './group-assets';

/*
 * The one rule for every number the page shows about the library, before, during and after a
 * backup (the overview, the timeline, the plan and the result all count with `countItems`):
 *
 * - An item is what the Photos app shows as one: a photo (a Live Photo and a screenshot are photos
 *   too, counted again as such, as the Photos app's Media Types do), a video, or something else.
 * - The library is what the Photos app shows in Library: not Recently Deleted (counted apart), not
 *   shared albums. Hidden items are in it (and counted again as hidden).
 * - An item is only in iCloud when its original is not on the phone: the database says so and the
 *   phone confirms it (its file is listed but unreadable), its original is missing from the listing
 *   altogether, or a file of it was found to be an iCloud placeholder (while reading dates, or by a
 *   backup). A file the database calls absent that the phone reads after all is on the phone.
 * - What the database describes is taken from it; the rest from the files' names and heads. Hidden,
 *   favourites and Recently Deleted are the database's alone: without it they are unknown.
 */

/** What an item is, from the Photos app's database or else from its files. */
export interface ItemFacts {
	kind: 'photo' | 'video' | 'other';
	livePhoto: boolean;
	screenshot: boolean;
	/** Undefined when only the files were read: they do not say. */
	hidden: boolean | undefined;
	favorite: boolean | undefined;
	/** In Recently Deleted (only the database tells). */
	recentlyDeleted: boolean;
}

export interface CountedItem extends ItemFacts {
	onlyInICloud: boolean;
}

export interface LibraryCounts {
	/** Items in the library: photos + videos + other. */
	items: number;
	/** Live Photos and screenshots included. */
	photos: number;
	livePhotos: number;
	screenshots: number;
	videos: number;
	other: number;
	/** Undefined when the files alone were read. */
	hidden: number | undefined;
	favorites: number | undefined;
	/** Items of the library whose original is not on the phone. */
	onlyInICloud: number;
	/** Items in Recently Deleted: not in `items`; undefined when the files alone were read. */
	recentlyDeleted: number | undefined;
}

export function factsOfRow(row: PhotosDbAsset): ItemFacts {
	return {
		kind: row.kind,
		livePhoto: row.livePhoto,
		screenshot: row.screenshot,
		hidden: row.hidden,
		favorite: row.favorite,
		recentlyDeleted: row.trashed,
	};
}

/** An asset's facts: its database row's when it has one, else what its files say. */
export function factsOf(asset: DescribedAsset): ItemFacts {
	if (asset.photos !== undefined) return factsOfRow(asset.photos);
	return {
		kind: asset.kind === 'video' ? 'video' : asset.kind === 'other' ? 'other' : 'photo',
		livePhoto: asset.kind === 'live-photo',
		screenshot: asset.kind === 'screenshot',
		hidden: undefined,
		favorite: undefined,
		recentlyDeleted: false,
	};
}

/**
 * Whether an asset's original is only in iCloud: found so while describing it (its original, or a Live
 * Photo's movie, an iCloud placeholder), or by a backup that tried one of its files (`foundInICloud`).
 */
export function isOnlyInICloud(asset: DescribedAsset, foundInICloud: (file: AssetFile) => boolean = () => false): boolean {
	if (asset.availability === 'in-icloud') return true;
	if (asset.availability === 'on-iphone' && asset.unreadableFiles.length > 0) return true;
	return asset.files.some(foundInICloud);
}

/** Counts `items` by the rule above; `fromDatabase` says whether hidden, favourites and Recently Deleted are known. */
export function countItems(items: Iterable<CountedItem>, fromDatabase: boolean): LibraryCounts {
	const counts = { items: 0, photos: 0, livePhotos: 0, screenshots: 0, videos: 0, other: 0, hidden: 0, favorites: 0, onlyInICloud: 0, recentlyDeleted: 0 };
	for (const item of items) {
		if (item.recentlyDeleted) {
			counts.recentlyDeleted++;
			continue;
		}
		counts.items++;
		if (item.kind === 'photo') counts.photos++;
		else if (item.kind === 'video') counts.videos++;
		else counts.other++;
		if (item.livePhoto) counts.livePhotos++;
		if (item.screenshot) counts.screenshots++;
		if (item.hidden) counts.hidden++;
		if (item.favorite) counts.favorites++;
		if (item.onlyInICloud) counts.onlyInICloud++;
	}
	if (fromDatabase) return counts;
	return { ...counts, hidden: undefined, favorites: undefined, recentlyDeleted: undefined };
}
