import type { LibraryCounts } from '../library';
import { plural } from '../ui/format';

/*
 * The library's numbers in words, the same sentences wherever the page shows them (the overview, the
 * plan, the result), so that one number reads alike everywhere.
 */

/** "120 photos (12 Live Photos, 3 screenshots), 8 videos and 1 other item", as the Photos app counts them. */
export function kindsInWords(counts: LibraryCounts): string {
	const among = [
		...(counts.livePhotos > 0 ? [plural(counts.livePhotos, 'Live Photo')] : []),
		...(counts.screenshots > 0 ? [plural(counts.screenshots, 'screenshot')] : []),
	];
	const photos = `${plural(counts.photos, 'photo')}${among.length > 0 ? ` (${among.join(', ')})` : ''}`;
	const other = counts.other > 0 ? ` and ${plural(counts.other, 'other item')}` : '';
	return `${photos}, ${plural(counts.videos, 'video')}${other}`;
}

/** "3 items are only in iCloud" (the number of `counts.onlyInICloud`). */
export function onlyInICloudWords(counts: LibraryCounts): string {
	return `${plural(counts.onlyInICloud, 'item is', 'items are')} only in iCloud`;
}

/** "2 items in Recently Deleted are not backed up" / "… are backed up too"; undefined when there are none, or it is not known. */
export function recentlyDeletedWords(counts: LibraryCounts, included: boolean): string | undefined {
	const count = counts.recentlyDeleted;
	if (count === undefined || count === 0) return undefined;
	return `${plural(count, 'item')} in Recently Deleted ${count === 1 ? 'is' : 'are'} ${included ? 'backed up too' : 'not backed up'}`;
}

/** "Hidden: 4 · Favourites: 12", when the Photos app's database told. */
export function hiddenAndFavoritesWords(counts: LibraryCounts): string | undefined {
	if (counts.hidden === undefined || counts.favorites === undefined) return undefined;
	return `${plural(counts.hidden, 'hidden item')}, ${plural(counts.favorites, 'favourite')}`;
}
