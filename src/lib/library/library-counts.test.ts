import { describe, expect, it } from 'vitest';
import { countItems, isOnlyInICloud, type CountedItem } from './library-counts';
import type { DescribedAsset } from './describe-assets';

const photo: CountedItem = { kind: 'photo', livePhoto: false, screenshot: false, hidden: false, favorite: false, recentlyDeleted: false, onlyInICloud: false };

describe('countItems: one rule for every number the page shows', () => {
	it('counts Live Photos and screenshots among photos, as the Photos app does, and Recently Deleted apart', () => {
		const items: CountedItem[] = [
			photo,
			{ ...photo, livePhoto: true, hidden: true },
			{ ...photo, screenshot: true, favorite: true, onlyInICloud: true },
			{ ...photo, kind: 'video', onlyInICloud: true },
			{ ...photo, kind: 'other' },
			{ ...photo, recentlyDeleted: true, onlyInICloud: true, favorite: true },
		];
		expect(countItems(items, true)).toEqual({
			items: 5,
			photos: 3,
			livePhotos: 1,
			screenshots: 1,
			videos: 1,
			other: 1,
			hidden: 1,
			favorites: 1,
			onlyInICloud: 2,
			recentlyDeleted: 1,
		});
	});

	it('leaves hidden, favourites and Recently Deleted unknown from the files alone', () => {
		const counts = countItems([photo, { ...photo, onlyInICloud: true }], false);
		expect(counts).toMatchObject({ items: 2, photos: 2, onlyInICloud: 1, hidden: undefined, favorites: undefined, recentlyDeleted: undefined });
	});
});

describe('isOnlyInICloud', () => {
	const asset = (overrides: Partial<DescribedAsset>): DescribedAsset => {
		const primary = { path: '/DCIM/100APPLE/IMG_0001.HEIC', size: 1, birthTime: 0, modifiedTime: 0, role: 'original' as const };
		const movie = { ...primary, path: '/DCIM/100APPLE/IMG_0001.MOV', role: 'live-video' as const };
		return {
			id: primary.path,
			kind: 'live-photo',
			folder: '/DCIM/100APPLE',
			baseName: 'IMG_0001',
			primary,
			files: [primary, movie],
			bytes: 2,
			captureDate: { epochMs: 0, offsetMinutes: undefined, floating: false, source: 'file-birth-time' },
			availability: 'on-iphone',
			livePhotoId: undefined,
			unreadableFiles: [],
			...overrides,
		};
	};

	it('is the original found a placeholder, a Live Photo movie found one, or a file a backup found in iCloud', () => {
		expect(isOnlyInICloud(asset({}))).toBe(false);
		expect(isOnlyInICloud(asset({ availability: 'in-icloud', unreadableFiles: ['/DCIM/100APPLE/IMG_0001.HEIC'] }))).toBe(true);
		expect(isOnlyInICloud(asset({ unreadableFiles: ['/DCIM/100APPLE/IMG_0001.MOV'] }))).toBe(true);
		// Refused for another reason (gone, no permission): tried again by the next backup, not iCloud.
		expect(isOnlyInICloud(asset({ availability: 'unavailable', unreadableFiles: ['/DCIM/100APPLE/IMG_0001.HEIC'] }))).toBe(false);
		expect(isOnlyInICloud(asset({}), (file) => file.path.endsWith('.MOV'))).toBe(true);
	});
});
