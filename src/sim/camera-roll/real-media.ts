/**
 * The real iPhone files of the shared fixtures (`fixtures/media/`), under the names they have on a
 * phone. The caller provides their bytes as a `RealMedia` map keyed by `phoneName` (Node tests read
 * them with `loadRealMedia` from `real-media-node.ts`; the browser demo fetches them). Without the
 * bytes, the same names are filled with synthetic content of the same size, so listings never change.
 */
export type RealMedia = ReadonlyMap<string, Uint8Array>;

export interface RealMediaFile {
	/** The name on the phone (upper-case extension, as AFC lists it). */
	phoneName: string;
	/** The DCIM folder it lives in on the virtual phone. */
	folder: string;
	/** Path under the shared `fixtures/media/` folder. */
	fixturePath: string;
	size: number;
	sha256: string;
	/** File times on the phone, ms since the epoch: written just after the capture (or the edit). */
	birthTimeMs: number;
}

const at = (iso: string) => Date.parse(iso);

export const REAL_MEDIA_FILES: readonly RealMediaFile[] = [
	{
		phoneName: 'IMG_0102.HEIC',
		folder: '/DCIM/100APPLE',
		fixturePath: 'osxphotos/IMG_0102.HEIC',
		size: 437_204,
		sha256: 'c82235b5aaa5aa155f0a686e193490e3719ceb09c731e8a1c3c059fee0d88e42',
		birthTimeMs: at('2021-08-06T11:32:22.911-07:00'),
	},
	{
		phoneName: 'IMG_1064.JPG',
		folder: '/DCIM/101APPLE',
		fixturePath: 'osxphotos/IMG_1064.jpeg',
		size: 2_175_827,
		sha256: '4a9f364cea12b22e78d91b2a8be9d2f384fd4d6271fa5063fc5c4fa3dc9e69c4',
		// The EXIF gives no zone; the phone's is assumed to have been UTC-8.
		birthTimeMs: at('2020-02-04T19:07:39.250-08:00'),
	},
	{
		phoneName: 'IMG_2908.PNG',
		folder: '/DCIM/102APPLE',
		fixturePath: 'osxphotos/IMG_2908.PNG',
		size: 927_090,
		sha256: '32cf8fe34e5dc4ee600ebd7e736b72a9622d01a505e51b545ecd78d895f0ed3d',
		// The XMP DateCreated (2015-09-27T16:29:28, no zone), assumed UTC-7.
		birthTimeMs: at('2015-09-27T16:29:28.480-07:00'),
	},
	{
		phoneName: 'IMG_3539.MOV',
		folder: '/DCIM/103APPLE',
		fixturePath: 'osxphotos/IMG_3539.MOV',
		size: 1_765_552,
		sha256: '4e0b2c36c00881789d20797ad02a957c10ccad4c84fd2c6f7afd8e606c2f46c5',
		// Written when the recording stopped: the mvhd time, 9 s after the creationdate.
		birthTimeMs: at('2016-01-18T15:20:49.300-07:00'),
	},
	{
		phoneName: 'IMG_3582.HEIC',
		folder: '/DCIM/103APPLE',
		fixturePath: 'osxphotos/IMG_3582.HEIC',
		size: 2_020_333,
		sha256: '83d445478effcd304232304b2ae3507b3d8262f202f7370b456a40038cfbce64',
		birthTimeMs: at('2025-05-26T09:27:07.120-05:00'),
	},
	{
		phoneName: 'IMG_3582.MOV',
		folder: '/DCIM/103APPLE',
		fixturePath: 'osxphotos/IMG_3582.mov',
		size: 2_978_475,
		sha256: '7216736b9abb904bb3cbce444e4c335cba993a126a85342c9a4aacce25c0de08',
		birthTimeMs: at('2025-05-26T09:27:08.560-05:00'),
	},
	{
		phoneName: 'IMG_3582.AAE',
		folder: '/DCIM/103APPLE',
		fixturePath: 'osxphotos/IMG_3582.AAE',
		size: 1_279,
		sha256: '9e0333e0deca500fe15430bfe5b57e02a324c9ce8c9d79025bca96e561bcdddd',
		// Its adjustmentTimestamp: the user edited the photo months later.
		birthTimeMs: at('2025-12-29T04:07:22.000Z'),
	},
	{
		phoneName: 'IMG_O3582.AAE',
		folder: '/DCIM/103APPLE',
		fixturePath: 'osxphotos/IMG_O3582.aae',
		size: 1_163,
		sha256: '15c65d314a4af63688937ba025b23420a32198be4703d33144d9733bd905e156',
		birthTimeMs: at('2025-05-26T09:27:07.130-05:00'),
	},
];

/** An asset the real files make: its files (original first) and when it was taken, as its metadata says. */
export interface RealAsset {
	files: readonly string[];
	/** DateTimeOriginal with SubSecTimeOriginal, or the QuickTime creation date; the zone where the file gives none is the one assumed above. */
	capture: { epochMs: number; offsetMinutes: number };
	live: boolean;
	/** Edited in Photos (its `IMG_nnnn.AAE`). */
	edited: boolean;
}

export const REAL_ASSETS: readonly RealAsset[] = [
	{ files: ['IMG_0102.HEIC'], capture: { epochMs: at('2021-08-06T11:32:22.397-07:00'), offsetMinutes: -420 }, live: false, edited: false },
	{ files: ['IMG_1064.JPG'], capture: { epochMs: at('2020-02-04T19:07:38.704-08:00'), offsetMinutes: -480 }, live: false, edited: false },
	{ files: ['IMG_2908.PNG'], capture: { epochMs: at('2015-09-27T16:29:28-07:00'), offsetMinutes: -420 }, live: false, edited: false },
	{ files: ['IMG_3539.MOV'], capture: { epochMs: at('2016-01-18T15:20:40-07:00'), offsetMinutes: -420 }, live: false, edited: false },
	{
		files: ['IMG_3582.HEIC', 'IMG_3582.MOV', 'IMG_3582.AAE', 'IMG_O3582.AAE'],
		capture: { epochMs: at('2025-05-26T09:27:06.603-05:00'), offsetMinutes: -300 },
		live: true,
		edited: true,
	},
];

/** How many assets the real files make: IMG_3582 (Live Photo + 2 AAE), 0102, 1064, 2908, 3539. */
export const REAL_ASSET_COUNT = REAL_ASSETS.length;
