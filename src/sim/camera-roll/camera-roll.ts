import { createSHA256 } from 'hash-wasm';
import { PHOTOS_DATABASE_PATH } from '../../lib/photos-db/types';
import type { LibraryAsset } from '../photos-db/library-asset';
import type { PhotosSchemaVersion } from '../photos-db/schema-source';
import { type VirtualEntry, type VirtualFileSystem, VirtualReadError } from '../virtual-fs';
import { type FileContent, ResizedContent, StoredContent } from './file-content';
import { LibraryPlanner, type PlannedFile, type PlannedFileTag } from './library-plan';
import { hashString } from './prng';
import { PROFILES, type CameraRollProfile, type ProfileName } from './profiles';
import { REAL_MEDIA_FILES, type RealMedia } from './real-media';

export interface CameraRollOptions {
	/** A preset name or a full profile; `small` (just the real files) when absent. */
	profile?: ProfileName | CameraRollProfile;
	/** Same seed, same library. */
	seed?: number;
	/** Bytes of the real fixture files, keyed by their phone names. Missing ones are synthesised. */
	realMedia?: RealMedia;
	/** The Photos version whose database schema `/PhotoData/Photos.sqlite` has; iOS 18 (the phone's) by default. */
	photosSchema?: PhotosSchemaVersion;
}

/** A file of the virtual camera roll as the simulator knows it (tests compare the scanner with this). */
export interface CameraRollFile {
	path: string;
	size: number;
	birthTimeMs: number;
	modifiedTimeMs: number;
	unreadable: boolean;
	tag: PlannedFileTag;
	capture: { epochMs: number; offsetMinutes: number } | undefined;
	liveId: string | undefined;
}

interface FileNode {
	plan: PlannedFile;
	content: FileContent;
	bytesRead: number;
	resize: { afterBytes: number; newSize: number } | undefined;
	/** The real file's known SHA-256 while its bytes are the fixture's own. */
	knownSha256: string | undefined;
}

interface DirNode {
	children: Map<string, DirNode | FileNode>;
	sortedNames: string[] | undefined;
	times: { birthMs: number; modifiedMs: number } | undefined;
}

const NS_PER_MS = 1_000_000n;
const EMPTY_DIR_TIME_MS = Date.parse('2014-09-17T10:00:00Z');
/** iOS, apps and other data besides the photo library, for the capacity report. */
const SYSTEM_BYTES = 14_000_000_000;
const BLOCK_SIZE = 4096;
/** The Photos database and its sidecars, built from the asset list on first use. */
const DATABASE_FILES = [PHOTOS_DATABASE_PATH, `${PHOTOS_DATABASE_PATH}-wal`, `${PHOTOS_DATABASE_PATH}-shm`] as const;

function isDir(node: DirNode | FileNode): node is DirNode {
	return 'children' in node;
}

/**
 * A virtual iPhone's Media partition (what AFC serves) holding a camera roll laid out as on a real
 * phone (`docs/camera-roll.md`): `/DCIM/NNNAPPLE/IMG_nnnn.*` with Live Photo pairs, screenshots,
 * videos, AAE sidecars and IMG numbers that wrap, `/DCIM/100IMPRT`, iCloud downloads under
 * `/PhotoData/CPLAssets`, edit renders under `/PhotoData/Mutations`, "Optimize iPhone Storage"
 * placeholders that list but cannot be read, and the other root folders of a real listing.
 *
 * Content is the real fixture files plus synthetic files generated on every read from the path and
 * offset; the structure costs a small record per file and no bytes. `/PhotoData/Photos.sqlite` (with
 * its WAL and WAL index) is a real Photos library database of the chosen schema version, built from
 * the same plan as the files (`assets()`), with SQLite, the first time one of its files is used
 * (`prepare`, which afcd awaits): a `huge` library's takes seconds, which no connection pays unless
 * it reads the database. It is the library as planned and as `addPhotos` had changed it by then;
 * later changes to the files do not reach it.
 */
export class VirtualCameraRoll implements VirtualFileSystem {
	readonly profile: CameraRollProfile;
	readonly seed: number;
	readonly photosSchema: PhotosSchemaVersion;
	/** An asset deleted lately: a row in the database's main file that its WAL deletes, and no file. */
	readonly deletedAsset: LibraryAsset;
	readonly #planner: LibraryPlanner;
	readonly #root: DirNode = VirtualCameraRoll.#newDir();
	/** Every node by its full path: lookups by AFC paths without splitting them. */
	readonly #index = new Map<string, DirNode | FileNode>([['/', this.#root]]);
	#fileBytes = 0;
	#database: Promise<void> | undefined;

	constructor(options: CameraRollOptions = {}) {
		this.profile = typeof options.profile === 'object' ? options.profile : PROFILES[options.profile ?? 'small'];
		this.seed = (options.seed ?? 1) >>> 0;
		this.photosSchema = options.photosSchema ?? 'ios-18';
		this.#planner = new LibraryPlanner(this.profile, this.seed, options.realMedia);
		const plan = this.#planner.plan();
		this.deletedAsset = plan.deleted;
		for (const directory of plan.directories) this.#directory(directory);
		for (const file of plan.files) this.#insert(file);
	}

	// -- VirtualFileSystem ------------------------------------------------------------------------

	stat(path: string): VirtualEntry | undefined {
		const node = this.#lookup(path);
		if (node === undefined) return undefined;
		if (isDir(node)) {
			const times = this.#directoryTimes(node);
			return {
				kind: 'directory',
				size: 64 + 32 * node.children.size,
				birthTimeNs: BigInt(times.birthMs) * NS_PER_MS,
				modifiedTimeNs: BigInt(times.modifiedMs) * NS_PER_MS,
			};
		}
		return {
			kind: 'file',
			size: node.content.size,
			birthTimeNs: BigInt(node.plan.birthTimeMs) * NS_PER_MS,
			modifiedTimeNs: BigInt(node.plan.modifiedTimeMs) * NS_PER_MS,
		};
	}

	list(path: string): string[] | undefined {
		const node = this.#lookup(path);
		if (node === undefined || !isDir(node)) return undefined;
		node.sortedNames ??= [...node.children.keys()].sort();
		return [...node.sortedNames];
	}

	async read(path: string, offset: number, length: number): Promise<Uint8Array> {
		await this.prepare(path);
		const node = this.#lookup(path);
		if (node === undefined || isDir(node)) throw new VirtualReadError(path, 'not-found');
		if (node.plan.unreadable) throw new VirtualReadError(path, 'unreadable');
		if (!(offset >= 0) || !(length >= 0)) throw new RangeError(`Bad read of ${path}: offset ${offset}, length ${length}.`);
		const bytes = node.content.read(offset, length);
		node.bytesRead += bytes.length;
		const resize = node.resize;
		if (resize !== undefined && node.bytesRead >= resize.afterBytes) {
			node.resize = undefined;
			this.#replaceContent(path, node, new ResizedContent(node.content, resize.newSize, hashString(path, this.seed ^ 0x5a5a)));
		}
		return bytes;
	}

	/** Builds the Photos database the first time one of its files is asked for. */
	async prepare(path: string): Promise<void> {
		if (!(DATABASE_FILES as readonly string[]).includes(path)) return;
		if (this.#database === undefined) {
			const building = this.#buildDatabase();
			this.#database = building;
			building.catch(() => {
				if (this.#database === building) this.#database = undefined;
			});
		}
		await this.#database;
	}

	get capacity(): { totalBytes: number; freeBytes: number; blockSize: number } {
		const used = this.#fileBytes + SYSTEM_BYTES;
		let total = this.profile.capacityBytes;
		while (total < used * 1.1) total *= 2;
		return { totalBytes: total, freeBytes: total - used, blockSize: BLOCK_SIZE };
	}

	// -- What tests and the demo need ---------------------------------------------------------

	/** Bytes of all files (camera roll and Photos.sqlite), as the capacity report counts them. */
	get usedBytes(): number {
		return this.#fileBytes;
	}

	/** Every asset of the library, as the Photos database records it (those without a file included). */
	assets(): readonly LibraryAsset[] {
		return this.#planner.assets;
	}

	/** Every file now present, in no particular order. */
	*files(): IterableIterator<CameraRollFile> {
		for (const node of this.#index.values()) if (!isDir(node)) yield this.#describe(node);
	}

	/** The file at `path`, if there is one. */
	file(path: string): CameraRollFile | undefined {
		const node = this.#lookup(path);
		return node === undefined || isDir(node) ? undefined : this.#describe(node);
	}

	/**
	 * The SHA-256 (hex) of the file's current bytes, computed apart from `read`: the known hash for a
	 * real fixture file, else by streaming the generator from start to end in large steps.
	 */
	async expectedSha256(path: string): Promise<string> {
		const node = this.#lookup(path);
		if (node === undefined || isDir(node)) throw new VirtualReadError(path, 'not-found');
		if (node.knownSha256 !== undefined) return node.knownSha256;
		const hasher = await createSHA256();
		hasher.init();
		const step = 8 * 1024 * 1024;
		for (let offset = 0; offset < node.content.size; offset += step) hasher.update(node.content.read(offset, step));
		return hasher.digest('hex');
	}

	/**
	 * Takes `count` new photos (HEIC stills, or Live Photo pairs with `live`), numbered after the last
	 * DCIM item and dated after every other item. Returns the new files' paths.
	 */
	addPhotos(count: number, options: { live?: boolean } = {}): string[] {
		const files = this.#planner.addPhotos(count, options.live ? 'live' : 'photo');
		for (const file of files) this.#insert(file);
		return files.map((file) => file.path);
	}

	/** Removes a file (as if deleted on the phone). Returns whether there was one. */
	delete(path: string): boolean {
		const node = this.#lookup(path);
		if (node === undefined || isDir(node)) return false;
		const slash = path.lastIndexOf('/');
		const parent = this.#lookup(slash <= 0 ? '/' : path.slice(0, slash)) as DirNode;
		parent.children.delete(path.slice(slash + 1));
		this.#index.delete(path);
		this.#fileBytes -= node.content.size;
		this.#invalidate(path);
		return true;
	}

	/** Turns a file into an "Optimize iPhone Storage" placeholder (or back). */
	setUnreadable(path: string, unreadable = true): void {
		const node = this.#fileNode(path);
		node.plan.unreadable = unreadable;
	}

	/**
	 * Fault hook: once `afterBytes` of the file have been read, its size becomes `newSize` (cut short,
	 * or grown with more bytes) and its modification time moves on, as when the phone rewrites a file
	 * during a copy.
	 */
	changeSizeWhileReading(path: string, change: { afterBytes: number; newSize: number }): void {
		const node = this.#fileNode(path);
		node.bytesRead = 0;
		node.resize = { ...change };
	}

	// -- Internals --------------------------------------------------------------------------------

	static #newDir(): DirNode {
		return { children: new Map(), sortedNames: undefined, times: undefined };
	}

	#describe(node: FileNode): CameraRollFile {
		const { plan } = node;
		return {
			path: plan.path,
			size: node.content.size,
			birthTimeMs: plan.birthTimeMs,
			modifiedTimeMs: plan.modifiedTimeMs,
			unreadable: plan.unreadable,
			tag: plan.tag,
			capture: plan.capture,
			liveId: plan.liveId,
		};
	}

	#lookup(path: string): DirNode | FileNode | undefined {
		return this.#index.get(path);
	}

	#fileNode(path: string): FileNode {
		const node = this.#lookup(path);
		if (node === undefined || isDir(node)) throw new VirtualReadError(path, 'not-found');
		return node;
	}

	#directory(path: string): DirNode {
		const known = this.#index.get(path);
		if (known !== undefined) {
			if (!isDir(known)) throw new Error(`${path} is a file, not a folder.`);
			return known;
		}
		const slash = path.lastIndexOf('/');
		const parent = this.#directory(slash <= 0 ? '/' : path.slice(0, slash));
		const dir = VirtualCameraRoll.#newDir();
		parent.children.set(path.slice(slash + 1), dir);
		parent.sortedNames = undefined;
		this.#index.set(path, dir);
		return dir;
	}

	#insert(plan: PlannedFile): void {
		const slash = plan.path.lastIndexOf('/');
		const name = plan.path.slice(slash + 1);
		const parent = this.#directory(slash <= 0 ? '/' : plan.path.slice(0, slash));
		if (parent.children.has(name)) throw new Error(`Two planned files at ${plan.path}.`);
		const real = plan.tag === 'real' && plan.content instanceof StoredContent;
		const knownSha256 = real ? REAL_MEDIA_FILES.find((f) => `${f.folder}/${f.phoneName}` === plan.path)?.sha256 : undefined;
		const node: FileNode = { plan, content: plan.content, bytesRead: 0, resize: undefined, knownSha256 };
		parent.children.set(name, node);
		this.#index.set(plan.path, node);
		this.#fileBytes += plan.content.size;
		this.#invalidate(plan.path);
	}

	async #buildDatabase(): Promise<void> {
		// Loaded when first needed: SQLite and the schemas stay out of the demo's chunk until then.
		const { buildPhotosDatabase, cachedPhotosDatabase } = await import('../photos-db/library-database');
		const assets = [...this.#planner.assets];
		const key = [this.photosSchema, this.seed, assets.length, JSON.stringify(this.profile)].join(' ');
		const database = await cachedPhotosDatabase(key, () =>
			buildPhotosDatabase(assets, { schema: this.photosSchema, seed: this.seed, deleted: this.deletedAsset }),
		);
		const bytes = { [DATABASE_FILES[0]]: database.main, [DATABASE_FILES[1]]: database.wal, [DATABASE_FILES[2]]: database.shm };
		for (const path of DATABASE_FILES) {
			const node = this.#lookup(path);
			if (node === undefined || isDir(node)) continue;
			this.#fileBytes += bytes[path].length - node.content.size;
			node.content = new StoredContent(bytes[path]);
			this.#invalidate(path);
		}
	}

	#replaceContent(path: string, node: FileNode, content: FileContent): void {
		this.#fileBytes += content.size - node.content.size;
		node.content = content;
		node.knownSha256 = undefined;
		node.plan.modifiedTimeMs += 3_600_000;
		this.#invalidate(path);
	}

	/** Forgets cached listings and times of the folders above `path` after a change. */
	#invalidate(path: string): void {
		let at = path;
		while (at.length > 1) {
			const slash = at.lastIndexOf('/');
			at = slash <= 0 ? '/' : at.slice(0, slash);
			const dir = this.#index.get(at);
			if (dir === undefined || !isDir(dir)) return;
			if (dir.sortedNames === undefined && dir.times === undefined) return; // nothing cached further up either
			dir.sortedNames = undefined;
			dir.times = undefined;
		}
	}

	#directoryTimes(dir: DirNode): { birthMs: number; modifiedMs: number } {
		if (dir.times !== undefined) return dir.times;
		let birthMs = Infinity;
		let modifiedMs = -Infinity;
		for (const child of dir.children.values()) {
			const times = isDir(child)
				? this.#directoryTimes(child)
				: { birthMs: child.plan.birthTimeMs, modifiedMs: child.plan.modifiedTimeMs };
			birthMs = Math.min(birthMs, times.birthMs);
			modifiedMs = Math.max(modifiedMs, times.modifiedMs);
		}
		dir.times = Number.isFinite(birthMs) ? { birthMs, modifiedMs } : { birthMs: EMPTY_DIR_TIME_MS, modifiedMs: EMPTY_DIR_TIME_MS };
		return dir.times;
	}
}
