import { PHOTOS_DATABASE_PATH } from '../../lib/photos-db/types';
import { normalizeAfcPath } from '../afcd/afcd';
import type { VirtualEntry, VirtualFileSystem } from '../virtual-fs';
import { EVIL_FOLDER_NAMES, EVIL_NAMES } from './evil-names';
import { lieBytes } from './lie-bytes';
import type { DatabaseBytes, PhotosDatabaseLie } from './lying-photos-database';

/** What the lying file system adds to an honest one; each lie is off unless asked for. */
export interface FileSystemLies {
	/**
	 * (a) Files named with `EVIL_NAMES` (or these names) in `/DCIM/100APPLE`, and with `true`, folders
	 * named with `EVIL_FOLDER_NAMES` in `/DCIM`, each holding an `IMG_0001.JPG`.
	 */
	evilNames?: boolean | readonly string[];
	/**
	 * (b) Folders that contain themselves: `/DCIM/100LOOP` lists itself, and
	 * `/PhotoData/Mutations/DCIM/LOOP` lists `fanout` entries that each lead back to it (a symlink loop
	 * the phone calls a folder). Default fanout 4.
	 */
	loops?: boolean | { fanout: number };
	/** (b) A chain of folders `/PhotoData/Mutations/DCIM/DEEP/d/d/…` this many levels deep. */
	deepChain?: number;
	/** (c) A folder `/DCIM/999HUGE` listing this many photos. */
	hugeFolder?: number;
	/**
	 * (d) Files whose size in GetFileInfo is not their data's: `SHORT.JPG` gives fewer bytes than it
	 * claims, `LONG.JPG` more, `ENDLESS.MOV` never ends, `GIANT.MOV` claims a petabyte — all in
	 * `/DCIM/100APPLE`.
	 */
	sizeLies?: boolean;
	/**
	 * `TRAP.JPG` and its sidecar `TRAP.AAE`, whose read the channel lies wait for: the scan reads the
	 * photo's head for its date, never a sidecar, so the lie comes during the backup.
	 */
	trap?: boolean;
	/** (h) `/PhotoData/Photos.sqlite` and its WAL lie (`lying-photos-database.ts`). */
	photosDatabase?: PhotosDatabaseLie;
}

/** Where the lies live, for tests to find them. */
export const LIE_PATHS = {
	evilFolder: '/DCIM/100APPLE',
	dcimLoop: '/DCIM/100LOOP',
	editsLoop: '/PhotoData/Mutations/DCIM/LOOP',
	deepChain: '/PhotoData/Mutations/DCIM/DEEP',
	hugeFolder: '/DCIM/999HUGE',
	short: '/DCIM/100APPLE/SHORT.JPG',
	long: '/DCIM/100APPLE/LONG.JPG',
	endless: '/DCIM/100APPLE/ENDLESS.MOV',
	giant: '/DCIM/100APPLE/GIANT.MOV',
	trap: '/DCIM/100APPLE/TRAP.AAE',
	trapPhoto: '/DCIM/100APPLE/TRAP.JPG',
} as const;

const WAL_PATH = `${PHOTOS_DATABASE_PATH}-wal`;

/** Bytes in each evil-named file. */
export const EVIL_FILE_SIZE = 3_000;
export const SIZE_LIES = {
	short: { claimed: 100_000, actual: 40_000 },
	long: { claimed: 10_000, actual: 30_000 },
	endless: { claimed: 20_000, actual: Number.POSITIVE_INFINITY },
	giant: { claimed: 2 ** 50, actual: 10_000 },
} as const;
const TRAP_SIZE = 5_000;
const HUGE_FILE_SIZE = 64;
const DEFAULT_FANOUT = 4;

const utf8 = { encoder: new TextEncoder(), decoder: new TextDecoder() };
/** A name as it comes back from the cable: lone surrogates cannot be UTF-8 and turn into U+FFFD. */
export function overTheCable(name: string): string {
	return utf8.decoder.decode(utf8.encoder.encode(name));
}

interface LieFile {
	claimed: number;
	actual: number;
}

/**
 * A `VirtualFileSystem` that lies: over an honest one (a camera roll), it adds the files and folders
 * `lies` asks for. The afcd in front of it serves them as it serves any file; `dataSize` tells afcd
 * how many bytes a file really has when that differs from what `stat` claims.
 */
export class LyingFileSystem implements VirtualFileSystem {
	readonly #inner: VirtualFileSystem;
	readonly #files = new Map<string, LieFile>();
	/** Extra names in a folder, as listed (raw: they may hold `/` or NUL). */
	readonly #extraNames = new Map<string, string[]>();
	readonly #loopNames: Set<string>;
	readonly #deepChain: number;
	readonly #hugeFolder: number;
	readonly #times: { birthTimeNs: bigint; modifiedTimeNs: bigint };
	readonly #databaseLie: PhotosDatabaseLie | undefined;
	#database: Promise<DatabaseBytes> | undefined;
	#lyingDatabase: DatabaseBytes | undefined;

	constructor(inner: VirtualFileSystem, lies: FileSystemLies) {
		this.#inner = inner;
		this.#databaseLie = lies.photosDatabase;
		const now = BigInt(Date.UTC(2025, 4, 1)) * 1_000_000n;
		this.#times = { birthTimeNs: now, modifiedTimeNs: now };
		if (lies.evilNames) {
			for (const name of lies.evilNames === true ? EVIL_NAMES : lies.evilNames) {
				this.#addFile(LIE_PATHS.evilFolder, name, { claimed: EVIL_FILE_SIZE, actual: EVIL_FILE_SIZE });
			}
			if (lies.evilNames === true) {
				for (const name of EVIL_FOLDER_NAMES) {
					this.#addName('/DCIM', name);
					this.#addFile(`/DCIM/${name}`, 'IMG_0001.JPG', { claimed: EVIL_FILE_SIZE, actual: EVIL_FILE_SIZE });
				}
			}
		}
		if (lies.sizeLies) {
			this.#addFile(LIE_PATHS.evilFolder, 'SHORT.JPG', SIZE_LIES.short);
			this.#addFile(LIE_PATHS.evilFolder, 'LONG.JPG', SIZE_LIES.long);
			this.#addFile(LIE_PATHS.evilFolder, 'ENDLESS.MOV', SIZE_LIES.endless);
			this.#addFile(LIE_PATHS.evilFolder, 'GIANT.MOV', SIZE_LIES.giant);
		}
		if (lies.trap) {
			this.#addFile(LIE_PATHS.evilFolder, 'TRAP.JPG', { claimed: TRAP_SIZE, actual: TRAP_SIZE });
			this.#addFile(LIE_PATHS.evilFolder, 'TRAP.AAE', { claimed: TRAP_SIZE, actual: TRAP_SIZE });
		}
		const fanout = lies.loops === undefined || lies.loops === false ? 0 : lies.loops === true ? DEFAULT_FANOUT : lies.loops.fanout;
		this.#loopNames = new Set(Array.from({ length: fanout }, (_, i) => `again${i}`));
		if (fanout > 0) {
			this.#addFolder(LIE_PATHS.dcimLoop);
			this.#addFolder(LIE_PATHS.editsLoop);
		}
		this.#deepChain = lies.deepChain ?? 0;
		if (this.#deepChain > 0) this.#addFolder(LIE_PATHS.deepChain);
		this.#hugeFolder = lies.hugeFolder ?? 0;
		if (this.#hugeFolder > 0) this.#addFolder(LIE_PATHS.hugeFolder);
	}

	get capacity() {
		return this.#inner.capacity;
	}

	stat(path: string): VirtualEntry | undefined {
		const lyingDatabase = this.#lyingDatabaseFile(path);
		if (lyingDatabase !== undefined) return { kind: 'file', size: lyingDatabase.length, ...this.#times };
		const resolved = this.#resolve(path);
		if (resolved.kind === 'directory') return { kind: 'directory', size: 0, ...this.#times };
		if (resolved.kind === 'file') return { kind: 'file', size: resolved.file.claimed, ...this.#times };
		const honest = this.#inner.stat(path);
		if (honest === undefined && this.#extraNames.has(path)) return { kind: 'directory', size: 0, ...this.#times };
		return honest;
	}

	list(path: string): string[] | undefined {
		const resolved = this.#resolve(path);
		if (resolved.kind === 'file') return undefined;
		if (resolved.kind === 'directory') return resolved.names;
		const honest = this.#inner.list(path);
		const extra = this.#extraNames.get(path);
		if (extra === undefined) return honest;
		return [...(honest ?? []), ...extra];
	}

	async prepare(path: string): Promise<void> {
		await this.#inner.prepare?.(path);
		if (this.#databaseLie === undefined || (path !== PHOTOS_DATABASE_PATH && path !== WAL_PATH)) return;
		this.#database ??= this.#tellDatabaseLie(this.#databaseLie);
		this.#lyingDatabase = await this.#database;
	}

	/** How many bytes the file really has; `Infinity` for one that never ends. */
	dataSize(path: string): number | undefined {
		const resolved = this.#resolve(path);
		return resolved.kind === 'file' ? resolved.file.actual : undefined;
	}

	async read(path: string, offset: number, length: number): Promise<Uint8Array> {
		await this.prepare(path);
		const lyingDatabase = this.#lyingDatabaseFile(path);
		if (lyingDatabase !== undefined) return lyingDatabase.slice(offset, offset + Math.max(0, length));
		const resolved = this.#resolve(path);
		if (resolved.kind !== 'file') return this.#inner.read(path, offset, length);
		const available = Math.max(0, Math.min(length, resolved.file.actual - offset));
		return lieBytes(path, offset, available);
	}

	#lyingDatabaseFile(path: string): Uint8Array | undefined {
		if (this.#lyingDatabase === undefined) return undefined;
		return path === PHOTOS_DATABASE_PATH ? this.#lyingDatabase.main : path === WAL_PATH ? this.#lyingDatabase.wal : undefined;
	}

	/** The honest database, read whole from the storage underneath, turned into the lie. */
	async #tellDatabaseLie(lie: PhotosDatabaseLie): Promise<DatabaseBytes> {
		const whole = async (path: string) => {
			await this.#inner.prepare?.(path);
			const size = this.#inner.stat(path)?.size ?? 0;
			return size === 0 ? new Uint8Array(0) : this.#inner.read(path, 0, size);
		};
		const { lyingPhotosDatabase } = await import('./lying-photos-database');
		return lyingPhotosDatabase(lie, { main: await whole(PHOTOS_DATABASE_PATH), wal: await whole(WAL_PATH) }, (path) => this.#inner.stat(path) !== undefined);
	}

	#addFile(folder: string, name: string, file: LieFile): void {
		this.#addName(folder, name);
		this.#files.set(normalizeAfcPath(`${folder}/${overTheCable(name)}`), file);
	}

	#addFolder(path: string): void {
		const slash = path.lastIndexOf('/');
		this.#addName(path.slice(0, slash), path.slice(slash + 1));
		// Parents up to the root, so that an honest roll without them still leads there.
		for (let parent = path.slice(0, slash); parent.lastIndexOf('/') > 0; ) {
			const up = parent.slice(0, parent.lastIndexOf('/'));
			this.#addName(up, parent.slice(parent.lastIndexOf('/') + 1));
			parent = up;
		}
	}

	#addName(folder: string, name: string): void {
		const names = this.#extraNames.get(folder) ?? [];
		if (!names.includes(name)) names.push(name);
		this.#extraNames.set(folder, names);
	}

	#resolve(path: string): { kind: 'file'; file: LieFile } | { kind: 'directory'; names: string[] } | { kind: 'honest' } {
		const file = this.#files.get(path);
		if (file !== undefined) return { kind: 'file', file };
		const looped = this.#within(path, LIE_PATHS.editsLoop) ?? this.#within(path, LIE_PATHS.dcimLoop);
		if (looped !== undefined && looped.every((segment) => this.#loopNames.has(segment))) {
			return { kind: 'directory', names: [...this.#loopNames] };
		}
		const deep = this.#within(path, LIE_PATHS.deepChain);
		if (deep !== undefined && this.#deepChain > 0 && deep.length <= this.#deepChain && deep.every((segment) => segment === 'd')) {
			return { kind: 'directory', names: deep.length < this.#deepChain ? ['d'] : [] };
		}
		const huge = this.#within(path, LIE_PATHS.hugeFolder);
		if (huge !== undefined && this.#hugeFolder > 0) {
			if (huge.length === 0) return { kind: 'directory', names: Array.from({ length: this.#hugeFolder }, (_, i) => `IMG_${i}.JPG`) };
			const index = huge.length === 1 ? /^IMG_(\d+)\.JPG$/.exec(huge[0]!)?.[1] : undefined;
			if (index !== undefined && Number(index) < this.#hugeFolder) return { kind: 'file', file: { claimed: HUGE_FILE_SIZE, actual: HUGE_FILE_SIZE } };
		}
		return { kind: 'honest' };
	}

	/** The segments of `path` below `root`, or `undefined` when it is not `root` or inside it. */
	#within(path: string, root: string): string[] | undefined {
		if (path === root) return [];
		if (!path.startsWith(`${root}/`)) return undefined;
		return path.slice(root.length + 1).split('/');
	}
}
