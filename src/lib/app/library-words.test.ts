import { describe, expect, it } from 'vitest';
import type { LibraryCounts } from '../library';
import { hiddenAndFavoritesWords, kindsInWords, onlyInICloudWords, recentlyDeletedWords } from './library-words';

const counts: LibraryCounts = { items: 11, photos: 8, livePhotos: 3, screenshots: 1, videos: 2, other: 1, hidden: 2, favorites: 1, onlyInICloud: 3, recentlyDeleted: 2 };

describe('the library in words', () => {
	it('names the kinds as the Photos app counts them', () => {
		expect(kindsInWords(counts)).toBe('8 photos (3 Live Photos, 1 screenshot), 2 videos and 1 other item');
		expect(kindsInWords({ ...counts, livePhotos: 0, screenshots: 0, other: 0, videos: 1 })).toBe('8 photos, 1 video');
	});

	it('says the same number of iCloud items, Recently Deleted, hidden and favourites wherever it is shown', () => {
		expect(onlyInICloudWords(counts)).toBe('3 items are only in iCloud');
		expect(onlyInICloudWords({ ...counts, onlyInICloud: 1 })).toBe('1 item is only in iCloud');
		expect(recentlyDeletedWords(counts, false)).toBe('2 items in Recently Deleted are not backed up');
		expect(recentlyDeletedWords(counts, true)).toBe('2 items in Recently Deleted are backed up too');
		expect(recentlyDeletedWords({ ...counts, recentlyDeleted: 0 }, false)).toBeUndefined();
		expect(recentlyDeletedWords({ ...counts, recentlyDeleted: undefined }, false)).toBeUndefined();
		expect(hiddenAndFavoritesWords(counts)).toBe('2 hidden items, 1 favourite');
		expect(hiddenAndFavoritesWords({ ...counts, hidden: undefined, favorites: undefined })).toBeUndefined();
	});
});
