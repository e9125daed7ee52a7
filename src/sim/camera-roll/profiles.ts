/**
 * What a virtual camera roll holds, as numbers. The presets follow `docs/camera-roll.md` §6: a typical
 * library of ~3,000 items (~15 GB) and a heavy one of ~30,000 items over 30-odd `NNNAPPLE` folders
 * whose IMG numbers wrap. Every preset also holds the real fixture files in 100APPLE–103APPLE.
 */
export interface CameraRollProfile {
	/** Assets in the library: the five real ones, SD-card imports, DCIM and iCloud items. */
	items: number;
	/** IMG number of the first synthetic DCIM item… */
	firstNumber: number;
	/** …and its folder's number (`104` → `104APPLE`). Folder numbers keep counting, never going back. */
	firstFolder: number;
	/** Share of IMG numbers left unused (photos deleted on the phone). */
	gapShare: number;
	/** Capture dates of synthetic items run from `from` to `to` (ISO 8601). */
	from: string;
	to: string;
	/** The phone's usual UTC offset in minutes; some weeks are spent elsewhere. */
	homeOffsetMinutes: number;
	/** Relative weights of the synthetic item kinds. */
	mix: Readonly<Record<SyntheticKind, number>>;
	/** Share of synthetic items that were downloaded from iCloud (`/PhotoData/CPLAssets`). */
	iCloudShare: number;
	/** Share of DCIM items whose files list but cannot be read ("Optimize iPhone Storage"). */
	placeholderShare: number;
	/**
	 * Assets whose original "Optimize iPhone Storage" took off the phone altogether, as a share of the
	 * synthetic items (on top of `items`): a row in Photos.sqlite and no file, under an IMG number the
	 * listing skips (so no more of them than the gaps `gapShare` leaves).
	 */
	iCloudOnlyShare: number;
	/** Share of stills edited in Photos (render in Mutations, or IMG_E + AAE in DCIM). */
	editedShare: number;
	/** Share of stills with a camera-made `IMG_Onnnn.AAE` (Portrait, Photographic Styles). */
	cameraAdjustmentShare: number;
	/** Items imported from an SD card into `/DCIM/100IMPRT` (two with non-ASCII names). */
	imports: number;
	/** Video sizes: `minBytes * (maxBytes / minBytes) ** (u ** skew)`, so a larger skew means more short clips. */
	video: { minBytes: number; maxBytes: number; skew: number };
	/** Sizes of a few very long videos (4K ProRes and the like) placed among the others. */
	longVideos: readonly number[];
	/** The phone's storage size. */
	capacityBytes: number;
	/**
	 * Multiplies every generated file's size (1 when absent): a library with the same items, names,
	 * dates and kinds, for tests that need its shape without its bulk.
	 */
	sizeScale?: number;
}

export type SyntheticKind = 'live' | 'heic' | 'jpeg' | 'screenshot' | 'video' | 'proraw';
export type ProfileName = 'small' | 'demo' | 'typical' | 'huge';

const GB = 1_000_000_000;
const MB = 1_000_000;

const small: CameraRollProfile = {
	items: 5,
	firstNumber: 3583,
	firstFolder: 103,
	gapShare: 0,
	from: '2025-06-01T00:00:00Z',
	to: '2025-06-02T00:00:00Z',
	homeOffsetMinutes: -300,
	mix: { live: 1, heic: 0, jpeg: 0, screenshot: 0, video: 0, proraw: 0 },
	iCloudShare: 0,
	placeholderShare: 0,
	iCloudOnlyShare: 0,
	editedShare: 0,
	cameraAdjustmentShare: 0,
	imports: 0,
	video: { minBytes: 10 * MB, maxBytes: 100 * MB, skew: 3 },
	longVideos: [],
	capacityBytes: 64 * GB,
};

/** What the page's demo iPhone holds: a bit of everything, small enough to back up in seconds. */
const demo: CameraRollProfile = {
	items: 120,
	firstNumber: 9_931,
	firstFolder: 104,
	gapShare: 0.05,
	from: '2024-11-01T00:00:00Z',
	to: '2025-11-20T00:00:00Z',
	homeOffsetMinutes: 60,
	mix: { live: 40, heic: 30, jpeg: 5, screenshot: 12, video: 3, proraw: 0 },
	iCloudShare: 0.05,
	placeholderShare: 0.03,
	iCloudOnlyShare: 0.02,
	editedShare: 0.05,
	cameraAdjustmentShare: 0.05,
	imports: 2,
	video: { minBytes: 5 * MB, maxBytes: 40 * MB, skew: 3 },
	longVideos: [],
	capacityBytes: 128 * GB,
};

const typical: CameraRollProfile = {
	items: 3_000,
	// A newer phone whose counter was far along: IMG numbers wrap after IMG_9999 within this library.
	firstNumber: 8_401,
	firstFolder: 104,
	gapShare: 0.12,
	from: '2021-03-01T00:00:00Z',
	to: '2025-11-30T00:00:00Z',
	homeOffsetMinutes: 60,
	mix: { live: 40, heic: 30, jpeg: 5, screenshot: 12, video: 2.5, proraw: 0.2 },
	iCloudShare: 0.1,
	placeholderShare: 0.02,
	iCloudOnlyShare: 0.04,
	editedShare: 0.04,
	cameraAdjustmentShare: 0.05,
	imports: 8,
	video: { minBytes: 10 * MB, maxBytes: 1 * GB, skew: 5 },
	longVideos: [],
	capacityBytes: 128 * GB,
};

const huge: CameraRollProfile = {
	items: 30_000,
	firstNumber: 3_601,
	firstFolder: 104,
	gapShare: 0.08,
	from: '2014-09-20T00:00:00Z',
	to: '2025-11-30T00:00:00Z',
	homeOffsetMinutes: -300,
	mix: { live: 40, heic: 27, jpeg: 6, screenshot: 10, video: 4, proraw: 1 },
	iCloudShare: 0.25,
	placeholderShare: 0.03,
	iCloudOnlyShare: 0.08,
	editedShare: 0.05,
	cameraAdjustmentShare: 0.06,
	imports: 40,
	video: { minBytes: 10 * MB, maxBytes: 1.2 * GB, skew: 4.5 },
	// Past 4 GiB: offsets and mdat sizes that need 64 bits.
	longVideos: [4_700_000_000, 2_600_000_000],
	capacityBytes: 512 * GB,
};

export const PROFILES: Readonly<Record<ProfileName, CameraRollProfile>> = { small, demo, typical, huge };
