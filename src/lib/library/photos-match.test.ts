import { describe, expect, it } from 'vitest';
import type { PhotosDbAsset } from '../photos-db';
import { groupAssets } from './group-assets';
import { matchPhotosDatabase, originalPath } from './photos-match';
import type { ScannedFile } from './scan';

function file(path: string, size = 100): ScannedFile {
	return { path, size, birthTime: 1, modifiedTime: 1 };
}

function row(directory: string, filename: string, overrides: Partial<PhotosDbAsset> = {}): PhotosDbAsset {
	return {
		uuid: `${directory}/${filename}`,
		directory,
		filename,
		originalFilename: filename,
		kind: 'photo',
		livePhoto: false,
		screenshot: false,
		hidden: false,
		favorite: false,
		trashed: false,
		shared: false,
		captureTime: 1_700_000_000_000,
		captureOffsetMinutes: undefined,
		originalOnPhone: true,
		albums: [],
		edited: false,
		...overrides,
	};
}

describe('matchPhotosDatabase', () => {
	it('matches rows to listed files by "/" + directory + "/" + filename', () => {
		expect(originalPath(row('DCIM/100APPLE', 'IMG_0001.HEIC'))).toBe('/DCIM/100APPLE/IMG_0001.HEIC');
		expect(originalPath(row('', 'IMG_0001.HEIC'))).toBeUndefined();
		expect(originalPath(row('DCIM', 'a/b.HEIC'))).toBeUndefined();
		const assets = groupAssets([file('/DCIM/100APPLE/IMG_0001.HEIC'), file('/DCIM/100APPLE/IMG_0001.MOV'), file('/PhotoData/CPLAssets/group100/ABC.HEIC')]);
		const live = row('DCIM/100APPLE', 'IMG_0001.HEIC', { livePhoto: true });
		const cpl = row('PhotoData/CPLAssets/group100', 'ABC.HEIC', { originalFilename: 'IMG_2682.HEIC' });
		const match = matchPhotosDatabase(assets, [live, cpl]);
		expect(match.assets).toHaveLength(2);
		expect(match.rows.get('/DCIM/100APPLE/IMG_0001.HEIC')).toBe(live);
		expect(match.rows.get('/PhotoData/CPLAssets/group100/ABC.HEIC')).toBe(cpl);
		expect(match.absent).toEqual([]);
	});

	it('counts rows whose original is not listed as absent, and leaves shared ones out', () => {
		const assets = groupAssets([file('/DCIM/100APPLE/IMG_0001.HEIC')]);
		const gone = row('DCIM/100APPLE', 'IMG_0002.HEIC', { originalOnPhone: false });
		const nameless = row('', '', { originalOnPhone: false });
		const shared = row('PhotoData/CloudSharing', 'X.JPG', { shared: true });
		const sharedListed = row('DCIM/100APPLE', 'IMG_0001.HEIC', { shared: true });
		const match = matchPhotosDatabase(assets, [gone, nameless, shared, sharedListed]);
		expect(match.absent).toEqual([gone, nameless]);
		expect(match.rows.size).toBe(0);
	});

	it('prefers the row in the library over one in Recently Deleted naming the same file', () => {
		const assets = groupAssets([file('/DCIM/100APPLE/IMG_0001.HEIC')]);
		const trashed = row('DCIM/100APPLE', 'IMG_0001.HEIC', { trashed: true, uuid: 'T' });
		const kept = row('DCIM/100APPLE', 'IMG_0001.HEIC', { uuid: 'K' });
		expect(matchPhotosDatabase(assets, [trashed, kept]).rows.get('/DCIM/100APPLE/IMG_0001.HEIC')).toBe(kept);
		// The other row names a listed file: it is not "absent".
		expect(matchPhotosDatabase(assets, [trashed, kept]).absent).toEqual([]);
	});

	it('splits a movie the database knows as an item of its own from the still that shares its name', () => {
		const assets = groupAssets([file('/DCIM/100APPLE/IMG_0001.JPG', 10), file('/DCIM/100APPLE/IMG_0001.MOV', 20)]);
		expect(assets[0]!.kind).toBe('live-photo');
		const still = row('DCIM/100APPLE', 'IMG_0001.JPG');
		const video = row('DCIM/100APPLE', 'IMG_0001.MOV', { kind: 'video' });
		const match = matchPhotosDatabase(assets, [still, video]);
		expect(match.assets.map((asset) => [asset.id, asset.kind, asset.files.map((f) => f.role), asset.bytes])).toEqual([
			['/DCIM/100APPLE/IMG_0001.JPG', 'photo', ['original'], 10],
			['/DCIM/100APPLE/IMG_0001.MOV', 'video', ['original'], 20],
		]);
		expect(match.rows.get('/DCIM/100APPLE/IMG_0001.MOV')).toBe(video);
	});
});
