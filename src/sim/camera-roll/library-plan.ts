import type { LibraryAsset } from '../photos-db/library-asset';
import type { CaptureMoment } from './capture-moment';
import { type FileContent, StoredContent, SyntheticContent, UnbuiltContent } from './file-content';
import { assetOfFiles, drawMarks, NO_MARKS, USER_ALBUMS, type AssetMarks } from './library-assets';
import { Prng, deriveSeed, hashString } from './prng';
import type { CameraRollProfile, SyntheticKind } from './profiles';
import { REAL_ASSET_COUNT, REAL_ASSETS, REAL_MEDIA_FILES, type RealMedia } from './real-media';
import {
	type MediaParts,
	type MovieDescription,
	type StillDescription,
	adjustmentPlist,
	dngParts,
	heicParts,
	jpegParts,
	movieParts,
	pngParts,
} from './synthetic-media';

/** What a planned file is, for tests and summaries (the scanner never sees this). */
export type PlannedFileTag =
	| 'real'
	| 'still'
	| 'live-still'
	| 'live-video'
	| 'video'
	| 'screenshot'
	| 'raw'
	| 'render'
	| 'render-live-video'
	| 'adjustments'
	| 'import'
	| 'library-database';

export interface PlannedFile {
	path: string;
	content: FileContent;
	birthTimeMs: number;
	modifiedTimeMs: number;
	/** Listed but unreadable: an "Optimize iPhone Storage" placeholder. */
	unreadable: boolean;
	tag: PlannedFileTag;
	/** When the item was taken, as its metadata says (absent for sidecars, the database, real files). */
	capture?: CaptureMoment | undefined;
	/** The Live Photo id written into the still's MakerNote and the video's metadata. */
	liveId?: string | undefined;
}

export interface LibraryPlan {
	files: PlannedFile[];
	/** Every asset of the library as the Photos database records it, those without a file included. */
	assets: LibraryAsset[];
	/** An asset deleted lately: the database's main file still holds it, its WAL deletes it; no file. */
	deleted: LibraryAsset;
	/** Directories that exist even when empty. */
	directories: string[];
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const TRIP_OFFSETS = [-480, -420, -300, 0, 60, 120, 330, 540, 600];
const HEIC_SINCE = Date.parse('2017-09-19T00:00:00Z');
const LIVE_SINCE = Date.parse('2015-09-25T00:00:00Z');
const ZONE_SINCE = Date.parse('2020-09-16T00:00:00Z');

function iPhoneModel(epochMs: number): string {
	const year = new Date(epochMs).getUTCFullYear();
	if (year < 2016) return 'iPhone 6';
	if (year < 2018) return 'iPhone 7';
	if (year < 2020) return 'iPhone XS';
	if (year < 2022) return 'iPhone 12';
	if (year < 2024) return 'iPhone 13 Pro';
	return 'iPhone 15 Pro';
}

function pad4(n: number): string {
	return String(n).padStart(4, '0');
}

/**
 * The IMG counter of DCIM: numbers run 0001–9999 and wrap; a new `NNNAPPLE` folder starts at every
 * thousand and at the wrap, so after a wrap two folders hold the same names.
 */
class DcimCounter {
	folder: number;
	number: number;

	constructor(firstFolder: number, firstNumber: number) {
		this.folder = firstFolder;
		this.number = firstNumber - 1;
	}

	next(skip: number): { folder: string; base: string; skipped: string[] } {
		let n = this.number + 1 + skip;
		if (n > 9999) {
			n = 1;
			this.folder++;
		} else if (Math.floor(n / 1000) !== Math.floor(this.number / 1000)) {
			this.folder++;
		}
		// Numbers left out in the same thousand as this one are free names of this folder.
		const skipped: string[] = [];
		for (let free = Math.max(n - skip, Math.floor(n / 1000) * 1000, 1); free < n; free++) skipped.push(`IMG_${pad4(free)}`);
		this.number = n;
		return { folder: `/DCIM/${this.folder}APPLE`, base: `IMG_${pad4(n)}`, skipped };
	}
}

/**
 * Plans the files of a virtual camera roll from a profile and a seed: which files exist, their sizes,
 * times and how to make their bytes. Each item draws from its own seeded generator, so the plan is the
 * same on every run, and cheap: no content is made here.
 */
/** Headers of generated media take a few kilobytes; scaled files keep room for them. */
const MIN_SCALED_BYTES = 64 * 1024;

export class LibraryPlanner {
	readonly #profile: CameraRollProfile;
	readonly #seed: number;
	readonly #realMedia: RealMedia | undefined;
	readonly #counter: DcimCounter;
	#sequence = 0;
	#lastCaptureMs: number;
	#cplItems = 0;
	readonly #assets: LibraryAsset[] = [];
	/** Asset marks and UUIDs come from a generator of each asset's own, counted here. */
	#assetSequence = 0;
	/** IMG numbers the counter skipped (photos since deleted), with the time of the item after them. */
	readonly #freeNames: { folder: string; base: string; beforeMs: number }[] = [];

	constructor(profile: CameraRollProfile, seed: number, realMedia?: RealMedia) {
		this.#profile = profile;
		this.#seed = seed >>> 0;
		this.#realMedia = realMedia;
		this.#counter = new DcimCounter(profile.firstFolder, profile.firstNumber);
		this.#lastCaptureMs = Date.parse(profile.from);
	}

	plan(): LibraryPlan {
		const profile = this.#profile;
		const files: PlannedFile[] = this.#realFiles();
		const synthetic = Math.max(0, profile.items - REAL_ASSET_COUNT - profile.imports);
		const from = Date.parse(profile.from);
		const span = Date.parse(profile.to) - from;
		const longAt = new Map<number, number>();
		profile.longVideos.forEach((size, k) => longAt.set(Math.floor((synthetic * (k + 1)) / (profile.longVideos.length + 1)), size));
		for (let i = 0; i < synthetic; i++) {
			const rng = new Prng(deriveSeed(this.#seed, 1, i));
			const captureMs = Math.floor(from + ((i + rng.next() * 0.9) / synthetic) * span);
			const longSize = longAt.get(i);
			if (longSize !== undefined) {
				files.push(...this.#dcimItem(rng, 'video', captureMs, { size: longSize, placeholder: false }));
			} else if (rng.chance(profile.iCloudShare)) {
				files.push(...this.#iCloudItem(rng, rng.weighted(profile.mix), captureMs));
			} else {
				files.push(...this.#dcimItem(rng, rng.weighted(profile.mix), captureMs, {}));
			}
		}
		this.#sequence = synthetic;
		files.push(...this.#imports());
		this.#assets.push(...this.#iCloudOnlyAssets(Math.round(synthetic * profile.iCloudOnlyShare)));
		const deleted = this.#deletedAsset(files);
		files.push(...this.#libraryDatabase());
		const directories = ['/DCIM', '/PhotoData/Thumbnails/V2', '/PhotoData/Metadata', ...OTHER_ROOT_FOLDERS.map((name) => `/${name}`)];
		if (profile.iCloudShare > 0) directories.push('/PhotoData/CPLAssets');
		if (profile.editedShare > 0) directories.push('/PhotoData/Mutations/DCIM');
		// Photos taken from now on come after every file already on the phone.
		for (const file of files) this.#lastCaptureMs = Math.max(this.#lastCaptureMs, file.modifiedTimeMs);
		return { files, directories, assets: this.#assets, deleted };
	}

	/** Every asset planned so far, those of `addPhotos` included. */
	get assets(): readonly LibraryAsset[] {
		return this.#assets;
	}

	/** New photos taken after everything planned so far, continuing the IMG numbering. */
	addPhotos(count: number, kind: 'photo' | 'live'): PlannedFile[] {
		const files: PlannedFile[] = [];
		for (let k = 0; k < count; k++) {
			const rng = new Prng(deriveSeed(this.#seed, 2, this.#sequence++));
			const captureMs = this.#lastCaptureMs + rng.int(5_000, 600_000);
			this.#lastCaptureMs = captureMs;
			files.push(...this.#dcimItem(rng, kind === 'live' ? 'live' : 'heic', captureMs, { placeholder: false, plain: true }));
		}
		return files;
	}

	#moment(captureMs: number): CaptureMoment {
		const week = Math.floor(captureMs / (7 * DAY));
		const trip = new Prng(deriveSeed(this.#seed, 3, week));
		const offsetMinutes = trip.chance(0.12) ? TRIP_OFFSETS[trip.int(0, TRIP_OFFSETS.length - 1)]! : this.#profile.homeOffsetMinutes;
		return { epochMs: captureMs, offsetMinutes };
	}

	#key(path: string): number {
		return hashString(path, this.#seed);
	}

	#synthetic(path: string, size: number, parts: () => MediaParts): FileContent {
		return new SyntheticContent(size, this.#key(path), parts);
	}

	#still(rng: Prng, path: string, kind: 'heic' | 'jpeg' | 'raw', still: StillDescription): FileContent {
		if (kind === 'heic') {
			const size = this.#scaled(rng.int(1_500_000, 3_000_000));
			return this.#synthetic(path, size, () => heicParts(still, size));
		}
		if (kind === 'raw') return this.#synthetic(path, this.#scaled(rng.int(25_000_000, 80_000_000)), () => dngParts(still));
		return this.#synthetic(path, this.#scaled(rng.int(2_000_000, 4_000_000)), () => jpegParts(still));
	}

	#movie(path: string, size: number, movie: MovieDescription): FileContent {
		return this.#synthetic(path, size, () => movieParts(movie, size));
	}

	#videoSize(rng: Prng): number {
		const { minBytes, maxBytes, skew } = this.#profile.video;
		return Math.round(minBytes * (maxBytes / minBytes) ** (rng.next() ** skew));
	}

	/** A generated file's size under the profile's `sizeScale`, never too small for its headers. */
	#scaled(size: number): number {
		const scale = this.#profile.sizeScale ?? 1;
		return scale === 1 ? size : Math.max(MIN_SCALED_BYTES, Math.round(size * scale));
	}

	/**
	 * One camera item in DCIM: its original(s), and maybe camera adjustments, an edit (in Mutations or
	 * as IMG_E + AAE), and placeholder status.
	 */
	#dcimItem(
		rng: Prng,
		kind: SyntheticKind,
		captureMs: number,
		options: { size?: number; placeholder?: boolean; plain?: boolean },
	): PlannedFile[] {
		const profile = this.#profile;
		const { folder, base, skipped } = this.#counter.next(options.plain ? 0 : this.#gap(rng));
		for (const free of skipped) this.#freeNames.push({ folder, base: free, beforeMs: captureMs });
		const placeholder = options.placeholder ?? rng.chance(profile.placeholderShare);
		const files = this.#originals(rng, kind, captureMs, folder, base, options.size);
		for (const file of files) file.unreadable = placeholder;
		const still = files.find((f) => f.tag === 'still' || f.tag === 'live-still');
		if (still !== undefined && !options.plain) {
			if (rng.chance(profile.cameraAdjustmentShare)) {
				files.push(this.#adjustments(rng, `${folder}/IMG_O${base.slice(4)}.AAE`, 'com.apple.camera', captureMs + 800));
			}
			if (rng.chance(profile.editedShare)) files.push(...this.#edit(rng, folder, base, still, files));
		}
		this.#addAsset(files, { plain: options.plain === true });
		return files;
	}

	/** Records the asset of an item's files, with its own generator for its UUID (unless given) and marks. */
	#addAsset(files: PlannedFile[], options: { plain?: boolean; uuid?: string; originalFilename?: string }): void {
		const rng = new Prng(deriveSeed(this.#seed, 6, this.#assetSequence++));
		const uuid = rng.uuid();
		const marks = options.plain ? NO_MARKS : drawMarks(rng);
		this.#assets.push(assetOfFiles(files, { uuid: options.uuid ?? uuid, capture: files[0]!.capture!, marks, originalFilename: options.originalFilename }));
	}

	#gap(rng: Prng): number {
		let skip = 0;
		while (skip < 50 && rng.chance(this.#profile.gapShare)) skip++;
		return skip;
	}

	/** The camera's own files for one item, named `base` + extension in `folder`. */
	#originals(rng: Prng, kind: SyntheticKind, captureMs: number, folder: string, base: string, forcedSize?: number): PlannedFile[] {
		const moment = this.#moment(captureMs);
		const model = iPhoneModel(captureMs);
		const writesOffset = captureMs >= ZONE_SINCE;
		const bigSensor = model === 'iPhone 15 Pro';
		const [width, height] = bigSensor ? [5712, 4284] : [4032, 3024];
		const stillBirth = captureMs + rng.int(300, 1500);
		const at = (path: string, content: FileContent, birth: number, tag: PlannedFileTag, extra: Partial<PlannedFile> = {}): PlannedFile => ({
			path,
			content,
			birthTimeMs: birth,
			modifiedTimeMs: birth,
			unreadable: false,
			tag,
			capture: moment,
			...extra,
		});
		if (kind === 'live' && captureMs >= LIVE_SINCE) {
			const liveId = rng.uuid();
			const stillKind = captureMs >= HEIC_SINCE ? 'heic' : 'jpeg';
			const stillPath = `${folder}/${base}.${stillKind === 'heic' ? 'HEIC' : 'JPG'}`;
			const description: StillDescription = { moment, make: 'Apple', model, writesOffset, mediaGroupUuid: liveId, width, height };
			const moviePath = `${folder}/${base}.MOV`;
			const durationMs = rng.int(1_700, 3_000);
			const movie: MovieDescription = { moment, model, contentIdentifier: liveId, durationMs, container: 'qt' };
			return [
				at(stillPath, this.#still(rng, stillPath, stillKind, description), stillBirth, 'live-still', { liveId }),
				at(moviePath, this.#movie(moviePath, this.#scaled(rng.int(2_000_000, 4_000_000)), movie), stillBirth + durationMs, 'live-video', { liveId }),
			];
		}
		if (kind === 'video') {
			const mp4 = rng.chance(0.08);
			const path = `${folder}/${base}.${mp4 ? 'MP4' : 'MOV'}`;
			const fullSize = forcedSize ?? this.#videoSize(rng);
			const size = this.#scaled(fullSize);
			const durationMs = Math.max(1_000, Math.round(fullSize / 1_000)); // ~8 Mbit/s
			const movie: MovieDescription = { moment, model, durationMs, container: mp4 ? 'mp4' : 'qt' };
			return [at(path, this.#movie(path, size, movie), captureMs + durationMs + rng.int(200, 900), 'video')];
		}
		if (kind === 'screenshot') {
			const path = `${folder}/${base}.PNG`;
			const size = this.#scaled(rng.int(200_000, 3_000_000));
			const [w, h] = bigSensor ? [1179, 2556] : [1170, 2532];
			return [at(path, this.#synthetic(path, size, () => pngParts(moment, w, h, size)), captureMs + rng.int(100, 400), 'screenshot')];
		}
		const description: StillDescription = { moment, make: 'Apple', model, writesOffset, width, height };
		if (kind === 'proraw' && captureMs >= HEIC_SINCE) {
			const path = `${folder}/${base}.DNG`;
			return [at(path, this.#still(rng, path, 'raw', description), stillBirth, 'raw')];
		}
		const stillKind = kind === 'jpeg' || captureMs < HEIC_SINCE ? 'jpeg' : 'heic';
		const path = `${folder}/${base}.${stillKind === 'heic' ? 'HEIC' : 'JPG'}`;
		return [at(path, this.#still(rng, path, stillKind, description), stillBirth, 'still')];
	}

	#adjustments(rng: Prng, path: string, editorBundleId: 'com.apple.Photos' | 'com.apple.camera', editedAtMs: number): PlannedFile {
		const data = new Uint8Array(rng.int(300, 700));
		for (let i = 0; i < data.length; i++) data[i] = rng.nextUint32() & 0xff;
		const content = new StoredContent(adjustmentPlist({ editorBundleId, editedAtMs, data }));
		return { path, content, birthTimeMs: editedAtMs, modifiedTimeMs: editedAtMs, unreadable: false, tag: 'adjustments' };
	}

	/** A Photos edit: half the time in Mutations (FullSizeRender + Adjustments.plist), else IMG_E + AAE in DCIM. */
	#edit(rng: Prng, folder: string, base: string, still: PlannedFile, originals: PlannedFile[]): PlannedFile[] {
		const capture = still.capture!;
		const editedAt = capture.epochMs + rng.int(60_000, 60 * DAY);
		const isHeic = still.path.endsWith('.HEIC');
		const live = originals.some((f) => f.tag === 'live-video');
		const renderId = live ? rng.uuid() : undefined; // an edited Live Photo gets a new id
		const model = iPhoneModel(capture.epochMs);
		const description: StillDescription = {
			moment: capture,
			make: 'Apple',
			model,
			writesOffset: capture.epochMs >= ZONE_SINCE,
			mediaGroupUuid: renderId,
			width: 4032,
			height: 3024,
		};
		const inMutations = rng.chance(0.5);
		const number = base.slice(4);
		const dir = inMutations ? `/PhotoData/Mutations${folder}/${base}/Adjustments` : folder;
		const renderPath = inMutations ? `${dir}/FullSizeRender.${isHeic ? 'heic' : 'jpg'}` : `${dir}/IMG_E${number}.${isHeic ? 'HEIC' : 'JPG'}`;
		const sidecarPath = inMutations ? `${dir}/Adjustments.plist` : `${dir}/${base}.AAE`;
		const files: PlannedFile[] = [
			{
				path: renderPath,
				content: this.#still(rng, renderPath, isHeic ? 'heic' : 'jpeg', description),
				birthTimeMs: editedAt,
				modifiedTimeMs: editedAt,
				unreadable: false,
				tag: 'render',
				capture,
				liveId: renderId,
			},
			this.#adjustments(rng, sidecarPath, 'com.apple.Photos', editedAt),
		];
		if (live) {
			const moviePath = inMutations ? `${dir}/FullSizeRender.mov` : `${dir}/IMG_E${number}.MOV`;
			const movie: MovieDescription = { moment: capture, model, contentIdentifier: renderId, durationMs: 2_000, container: 'qt' };
			files.push({
				path: moviePath,
				content: this.#movie(moviePath, this.#scaled(rng.int(2_000_000, 4_000_000)), movie),
				birthTimeMs: editedAt + 500,
				modifiedTimeMs: editedAt + 500,
				unreadable: false,
				tag: 'render-live-video',
				capture,
				liveId: renderId,
			});
		}
		return files;
	}

	/** An original downloaded from iCloud Photos: `/PhotoData/CPLAssets/group<N>/<UUID>.<EXT>`. */
	#iCloudItem(rng: Prng, kind: SyntheticKind, captureMs: number): PlannedFile[] {
		const group = `/PhotoData/CPLAssets/group${100 + Math.floor(this.#cplItems++ / 250)}`;
		const uuid = rng.uuid();
		const files = this.#originals(rng, kind === 'proraw' ? 'heic' : kind, captureMs, group, uuid);
		const downloadedAt = Math.min(captureMs + rng.int(HOUR, 200 * DAY), Date.parse(this.#profile.to));
		for (const file of files) {
			file.birthTimeMs = Math.max(file.birthTimeMs, downloadedAt);
			file.modifiedTimeMs = file.birthTimeMs;
		}
		// Its name in CPLAssets is its UUID; the person knows it by the name the camera gave it.
		const extension = files[0]!.path.slice(files[0]!.path.lastIndexOf('.'));
		const number = hashString(uuid, this.#seed) % 9999;
		this.#addAsset(files, { uuid, originalFilename: `IMG_${pad4(number + 1)}${extension}` });
		return files;
	}

	/**
	 * Originals that "Optimize iPhone Storage" took off the phone altogether: a database row and no
	 * file, under an IMG number the listing skips (forensic write-ups: the original leaves DCIM, a
	 * thumbnail stays; shared/docs/camera-roll.md §5).
	 */
	#iCloudOnlyAssets(count: number): LibraryAsset[] {
		// Spread over the library's years: every so many free names.
		const taken = Math.min(count, this.#freeNames.length);
		const picked = new Set(Array.from({ length: taken }, (_, k) => Math.floor((k * this.#freeNames.length) / taken)));
		const free = this.#freeNames.filter((_, index) => picked.has(index));
		this.#freeNames.splice(0, this.#freeNames.length, ...this.#freeNames.filter((_, index) => !picked.has(index)));
		return free.map(({ folder, base, beforeMs }, k) => {
			const rng = new Prng(deriveSeed(this.#seed, 7, k));
			const kind = rng.weighted({ live: 4, photo: 5, video: 1 });
			const captureMs = beforeMs - rng.int(60_000, 3_600_000);
			const filename = `${base}.${kind === 'video' ? 'MOV' : captureMs >= HEIC_SINCE ? 'HEIC' : 'JPG'}`;
			return {
				uuid: rng.uuid(),
				kind: kind === 'video' ? 'video' : 'photo',
				live: kind === 'live',
				screenshot: false,
				directory: folder.slice(1),
				filename,
				originalFilename: filename,
				captureMs,
				offsetMinutes: this.#moment(captureMs).offsetMinutes,
				addedMs: captureMs + rng.int(300, 1500),
				originalOnPhone: false,
				edited: false,
				...drawMarks(rng),
				files: [],
			};
		});
	}

	/**
	 * A photo deleted lately (and gone from Recently Deleted): its file is gone, its row is still in
	 * the database's main file and the WAL deletes it. It takes a free IMG number, or one below the
	 * first synthetic item's that no planned file has.
	 */
	#deletedAsset(files: readonly PlannedFile[]): LibraryAsset {
		const rng = new Prng(deriveSeed(this.#seed, 8));
		let name = this.#freeNames.shift();
		if (name === undefined) {
			const taken = new Set(files.map((file) => file.path.slice(0, file.path.lastIndexOf('.'))));
			const folder = `/DCIM/${this.#profile.firstFolder}APPLE`;
			let number = this.#profile.firstNumber - 1;
			while (number > 1 && taken.has(`${folder}/IMG_${pad4(number)}`)) number--;
			name = { folder, base: `IMG_${pad4(number)}`, beforeMs: Date.parse(this.#profile.to) };
		}
		const captureMs = name.beforeMs - rng.int(60_000, 3_600_000);
		return {
			uuid: rng.uuid(),
			kind: 'photo',
			live: false,
			screenshot: false,
			directory: name.folder.slice(1),
			filename: `${name.base}.HEIC`,
			originalFilename: `${name.base}.HEIC`,
			captureMs,
			offsetMinutes: this.#moment(captureMs).offsetMinutes,
			addedMs: Date.parse(this.#profile.to) - rng.int(60_000, 3_600_000),
			originalOnPhone: true,
			edited: false,
			...NO_MARKS,
			files: [],
		};
	}

	/** SD-card imports keep the camera's names; the last two were renamed on a computer (NFC and NFD). */
	#imports(): PlannedFile[] {
		const count = this.#profile.imports;
		const rng = new Prng(deriveSeed(this.#seed, 4));
		const first = rng.int(1000, 8000);
		const start = Date.parse(this.#profile.from) + rng.int(0, 300) * DAY;
		const files: PlannedFile[] = [];
		for (let k = 0; k < count; k++) {
			const name =
				k === count - 1 && count > 2
					? 'Été à Zürich.JPG'.normalize('NFD')
					: k === count - 2 && count > 2
						? 'Café Zürich.JPG'.normalize('NFC')
						: `IMG_${pad4(first + k)}.JPG`;
			const path = `/DCIM/100IMPRT/${name}`;
			const moment: CaptureMoment = { epochMs: start + k * 97_000, offsetMinutes: this.#profile.homeOffsetMinutes };
			const description: StillDescription = { moment, make: 'Canon', model: 'Canon EOS 80D', writesOffset: false, width: 6000, height: 4000 };
			const size = this.#scaled(rng.int(4_000_000, 9_000_000));
			const birth = moment.epochMs + 30 * DAY;
			const file: PlannedFile = {
				path,
				content: this.#synthetic(path, size, () => jpegParts(description)),
				birthTimeMs: birth,
				modifiedTimeMs: birth,
				unreadable: false,
				tag: 'import',
				capture: moment,
			};
			files.push(file);
			this.#addAsset([file], {});
		}
		return files;
	}

	#realFiles(): PlannedFile[] {
		const files = REAL_MEDIA_FILES.map((file): PlannedFile => {
			const path = `${file.folder}/${file.phoneName}`;
			const bytes = this.#realMedia?.get(file.phoneName);
			if (bytes !== undefined && bytes.length !== file.size) {
				throw new Error(`Real media ${file.phoneName} has ${bytes.length} bytes, expected ${file.size}.`);
			}
			const content =
				bytes !== undefined ? new StoredContent(bytes) : this.#synthetic(path, file.size, () => ({ prefix: new Uint8Array(0), suffix: new Uint8Array(0) }));
			return { path, content, birthTimeMs: file.birthTimeMs, modifiedTimeMs: file.birthTimeMs, unreadable: false, tag: 'real' };
		});
		REAL_ASSETS.forEach((asset, k) => {
			const own = asset.files.map((name) => files.find((file) => file.path.endsWith(`/${name}`))!);
			const uuid = new Prng(deriveSeed(this.#seed, 6, this.#assetSequence++)).uuid();
			this.#assets.push(assetOfFiles(own, { uuid, capture: asset.capture, marks: REAL_ASSET_MARKS[k] ?? NO_MARKS, live: asset.live, edited: asset.edited }));
		});
		return files;
	}

	/**
	 * Photos.sqlite and its WAL sidecars: listed and readable, but not camera-roll content. Their bytes
	 * are built from the asset list on first use (`VirtualCameraRoll.prepare`); until then they have
	 * the size a library of this profile's has about.
	 */
	#libraryDatabase(): PlannedFile[] {
		const at = Date.parse(this.#profile.to);
		return [
			['Photos.sqlite', 2_000_000 + this.#profile.items * 4_000],
			['Photos.sqlite-wal', 1_500_000],
			['Photos.sqlite-shm', 32_768],
		].map(([name, size]) => ({
			path: `/PhotoData/${name as string}`,
			content: new UnbuiltContent(size as number),
			birthTimeMs: Date.parse(this.#profile.from),
			modifiedTimeMs: at,
			unreadable: false,
			tag: 'library-database' as const,
		}));
	}
}

/**
 * The person's marks on the real items, so that every profile has some of each: the old screenshot
 * is in Recently Deleted, the iPhone 8 photo hidden, the video and the Live Photo in albums, the Live
 * Photo a favourite.
 */
const REAL_ASSET_MARKS: readonly AssetMarks[] = [
	{ ...NO_MARKS, hidden: true },
	NO_MARKS,
	{ ...NO_MARKS, trashed: true },
	{ ...NO_MARKS, albums: [USER_ALBUMS[0]] },
	{ ...NO_MARKS, favorite: true, albums: [...USER_ALBUMS] },
];

/** The rest of a real AFC root listing (appium fixture afclistdirresponse.bin). */
export const OTHER_ROOT_FOLDERS = ['AirFair', 'Books', 'Downloads', 'MediaAnalysis', 'Photos', 'PublicStaging', 'Radio', 'Recordings', 'iTunes_Control'];
