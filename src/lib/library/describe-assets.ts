import { isDeviceError } from '../errors';
import type { PhotosDbAsset } from '../photos-db';
import type { ReadBudget } from './byte-source';
import { type CaptureDate, fileTimeDate } from './capture-date';
import { Limiter } from './concurrency';
import type { DeviceFiles } from './device-files';
import type { Asset, AssetFile } from './group-assets';
import { extensionOf } from './media-path';
import { type FileMetadata, type FileProbe, probeFile } from './probe-file';
import type { ScannedFile } from './scan';

/**
 * `on-iphone`: its files can be read. `in-icloud`: the phone lists the asset but cannot read it
 * (`file-unreadable`: an "Optimize iPhone Storage" placeholder); it is in iCloud, not on this iPhone,
 * which is not a failure. `unavailable`: another file-level refusal (gone since the scan, no
 * permission).
 */
export type Availability = 'on-iphone' | 'in-icloud' | 'unavailable';

export interface DescribedAsset extends Asset {
	captureDate: CaptureDate;
	availability: Availability;
	/** The Live Photo id found in the files, when there is one. */
	livePhotoId: string | undefined;
	/** Paths of the asset's files that were tried and could not be read: its original, or a placeholder movie of a Live Photo. */
	unreadableFiles: string[];
	/** What the Photos app's database says of it, when it describes it. */
	photos?: PhotosDbAsset;
	/** The name the person knows it by (the Photos app's original file name), when the database records one. */
	originalName?: string;
}

export interface DescribeOptions {
	/** Assets read at once (default 4). */
	concurrency?: number;
	/**
	 * Also read each Live Photo's movie and compare its content id with the still's MediaGroupUUID;
	 * a pair whose ids differ is split into a photo and a video (default true).
	 */
	confirmLivePairs?: boolean;
	budget?: ReadBudget;
	signal?: AbortSignal;
	onProgress?: (done: number, total: number) => void;
	/**
	 * What an earlier scan read from files the phone still shows unchanged: those are not read again,
	 * and what is read now is added. Only readable files are remembered (a placeholder may download).
	 */
	known?: KnownMetadata;
	/**
	 * The Photos app's database rows of the assets it describes, by asset id (`matchPhotosDatabase`):
	 * their capture dates come from it, so their files' heads are not read, and Live Photo pairs are
	 * taken as it pairs them. An original it says is not on the phone is read all the same, to find
	 * out: the phone may have it after all, and a placeholder must be known as one.
	 */
	database?: ReadonlyMap<string, PhotosDbAsset>;
}

/** File metadata by file identity (path, size and times): see `knownMetadata`. */
export interface KnownMetadata {
	get(file: ScannedFile): FileMetadata | undefined;
	set(file: ScannedFile, metadata: FileMetadata): void;
}

/** A file's identity for `KnownMetadata`: a file edited or replaced on the phone gets another. */
export function fileIdentity(file: ScannedFile): string {
	return `${file.path}\u0000${file.size}\u0000${file.modifiedTime}\u0000${file.birthTime}`;
}

/** `KnownMetadata` over a map keyed by `fileIdentity` (what the app keeps between visits). */
export function knownMetadata(entries: Map<string, FileMetadata>): KnownMetadata & { added: number } {
	return {
		added: 0,
		get: (file) => entries.get(fileIdentity(file)),
		set(file, metadata) {
			entries.set(fileIdentity(file), metadata);
			this.added++;
		},
	};
}

/** Probes a file unless `known` has its metadata already; remembers what a probe finds. */
async function probeOrRecall(
	files: DeviceFiles,
	file: ScannedFile,
	options: { budget?: ReadBudget; signal?: AbortSignal; known?: KnownMetadata },
): Promise<FileProbe> {
	const recalled = options.known?.get(file);
	if (recalled !== undefined) return { readable: true, metadata: recalled };
	const probe = await probeFile(files, file, { budget: options.budget, signal: options.signal });
	if (probe.readable) options.known?.set(file, probe.metadata);
	return probe;
}

/**
 * Reads what the grouping by name cannot know: each asset's capture date (EXIF, QuickTime, else the
 * file's times, with the source recorded), whether it is on the phone or only in iCloud, and whether
 * a Live Photo's two halves really belong together. Returns the assets in input order; a split Live
 * Photo becomes two assets in place.
 */
export async function describeAssets(
	files: DeviceFiles,
	assets: readonly Asset[],
	options: DescribeOptions = {},
): Promise<DescribedAsset[]> {
	const limiter = new Limiter(options.concurrency ?? 4, options.signal);
	let done = 0;
	const described = await Promise.all(
		assets.map(async (asset) => {
			try {
				const result = await limiter.run(() => describeAsset(files, asset, options));
				options.onProgress?.(++done, assets.length);
				return result;
			} catch (error) {
				limiter.fail(error);
				throw error;
			}
		}),
	);
	return described.flat();
}

/** A capture date from the database: an instant, whose zone the page does not know. */
function databaseCaptureDate(epochMs: number, offsetMinutes: number | undefined): CaptureDate {
	return { epochMs, offsetMinutes, floating: false, source: 'photos-database' };
}

/** One asset described; two when a Live Photo's halves turn out to be different items. */
export async function describeAsset(files: DeviceFiles, asset: Asset, options: DescribeOptions = {}): Promise<DescribedAsset[]> {
	const probeOptions = { budget: options.budget, signal: options.signal, known: options.known };
	const row = options.database?.get(asset.id);
	// What an earlier scan read from the file itself is kept (it has the zone the photo was taken in).
	const fromDatabase = row !== undefined && row.originalOnPhone !== false && row.captureTime !== undefined && options.known?.get(asset.primary) === undefined;
	const primaryProbe: FileProbe = fromDatabase
		? { readable: true, metadata: { captureDate: databaseCaptureDate(row.captureTime!, row.captureOffsetMinutes) } }
		: await probeOrRecall(files, asset.primary, probeOptions);
	const unreadable: string[] = primaryProbe.readable ? [] : [asset.primary.path];
	const primaryMetadata = primaryProbe.readable ? primaryProbe.metadata : {};

	const videos = asset.files.filter((file) => file.role === 'live-video');
	const videoProbes = new Map<AssetFile, FileProbe>();
	if (asset.kind === 'live-photo' && primaryProbe.readable && options.confirmLivePairs !== false && row === undefined) {
		for (const video of videos) {
			const probe = await probeOrRecall(files, video, probeOptions);
			videoProbes.set(video, probe);
			// Only a placeholder is known to be in iCloud; a movie refused for another reason is copied
			// (or reported failed, with that reason) by the backup like any other file.
			if (!probe.readable && isDeviceError(probe.cause, 'file-unreadable')) unreadable.push(video.path);
		}
	}

	// A movie whose content id differs from the still's is another item that happens to share the name.
	const stillId = primaryMetadata.liveId;
	const strangers = new Set<AssetFile>();
	for (const [video, probe] of videoProbes) {
		if (stillId !== undefined && probe.readable && probe.metadata.liveId !== undefined && probe.metadata.liveId !== stillId) {
			strangers.add(video);
		}
	}
	const partnerMetadata = videos
		.filter((video) => !strangers.has(video))
		.map((video) => videoProbes.get(video))
		.flatMap((probe) => (probe?.readable ? [probe.metadata] : []));

	const photoFiles = asset.files.filter((file) => !strangers.has(file));
	let kind = asset.kind;
	if (kind === 'live-photo' && !photoFiles.some((file) => file.role === 'live-video')) {
		kind = extensionOf(asset.primary.path) === 'PNG' ? 'screenshot' : 'photo';
	}
	const captureDate =
		primaryMetadata.captureDate ?? partnerMetadata.find((m) => m.captureDate)?.captureDate ?? fileTimeDate(asset.primary);

	const main: DescribedAsset = {
		...asset,
		kind,
		files: photoFiles,
		bytes: photoFiles.reduce((sum, file) => sum + file.size, 0),
		captureDate,
		availability: primaryProbe.readable ? 'on-iphone' : isDeviceError(primaryProbe.cause, 'file-unreadable') ? 'in-icloud' : 'unavailable',
		livePhotoId: stillId ?? partnerMetadata.find((m) => m.liveId)?.liveId,
		unreadableFiles: unreadable.filter((path) => photoFiles.some((file) => file.path === path)),
		...(row === undefined ? {} : { photos: row }),
		...(row?.originalFilename === undefined ? {} : { originalName: row.originalFilename }),
	};
	const split = [...strangers].map((video): DescribedAsset => {
		const primary: AssetFile = { ...video, role: 'original' };
		const probe = videoProbes.get(video);
		const metadata: FileMetadata = probe?.readable ? probe.metadata : {};
		return {
			id: primary.path,
			kind: 'video',
			folder: asset.folder,
			baseName: asset.baseName,
			primary,
			files: [primary],
			bytes: primary.size,
			captureDate: metadata.captureDate ?? fileTimeDate(primary),
			availability: 'on-iphone',
			livePhotoId: metadata.liveId,
			unreadableFiles: [],
		};
	});
	return [main, ...split];
}
