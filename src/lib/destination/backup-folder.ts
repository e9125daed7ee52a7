/**
 * The iPhone's folder inside the folder the user picked: finding it again run after run, the
 * manifest and `SHA256SUMS`, names, pending files, reading back, and cleaning up after a crash.
 */
import { FAT32_MAX_FILE_BYTES } from './file-size-limit';
import { guarded, toFolderError } from './folder-errors';
import {
	directoryAt,
	entryKind,
	finalNameOf,
	isLeftoverName,
	moveOver,
	segmentsOf,
	sortedEntries,
	temporaryName,
	walkFiles,
	writeWhole,
} from './folder-paths';
import { createManifest, isOurManifestHead, manifestUdidFromHead, parseManifest, serializeManifest } from './manifest';
import { composeName, MAX_DEVICE_FOLDER_LENGTH, MAX_RELATIVE_PATH_LENGTH, pathKey, sanitizeName } from './names';
import { createPendingFile } from './pending-file';
import { placeAsset, TakenPaths } from './placement';
import { mapReadErrors } from './read-stream';
import { formatSha256Sums } from './sha256sums';
import type {
	AssetPlacement,
	BackupDevice,
	BackupFolder,
	CaptureDateLike,
	FolderFile,
	FolderLayout,
	Manifest,
	ManifestEntry,
	ManifestProblem,
	PendingFile,
	PlaceableAsset,
} from './types';

export const MANIFEST_NAME = 'manifest.json';
export const CHECKSUMS_NAME = 'SHA256SUMS';
const SET_ASIDE_NAME = /^manifest\.unreadable-\d+\.json$/;
/** Enough of a manifest to find its UDID: ours write the device first. */
const MANIFEST_HEAD_BYTES = 64 * 1024;

export interface OpenBackupFolderOptions {
	layout?: FolderLayout;
	/**
	 * Minutes east of UTC of this computer at an instant, for capture dates without a stated offset.
	 * Default: the JavaScript engine's local time zone.
	 */
	localOffsetMinutes?: (epochMs: number) => number;
	/** The drive's limit on one file that a failed write is recognised by (default FAT32's; tests use less). */
	fileSizeLimit?: number;
}

/**
 * UTF-16 units left to paths inside the iPhone's folder, at the least: an iPhone's folder named before
 * names were kept short (a long phone name) leaves this much, even if that makes the path longer.
 */
const MIN_INSIDE_PATH_LENGTH = 60;
/** UDIDs are 25 or 40 characters; a phone sending more does not get a longer folder name. */
const MAX_UDID_LENGTH = 40;

const localOffset = (epochMs: number) => -new Date(epochMs).getTimezoneOffset();
const encoder = new TextEncoder();

/**
 * Whose a folder is, by its manifest: `udid` when one of ours names the phone; `ours` when one of ours
 * is there at all (damaged past its UDID, or only the copy an interrupted replacement left).
 */
async function manifestOwner(folder: FileSystemDirectoryHandle): Promise<{ udid?: string; ours: boolean }> {
	let ours = false;
	for (const name of [MANIFEST_NAME, ...(await manifestsBeingReplaced(folder))]) {
		try {
			const head = await (await (await folder.getFileHandle(name)).getFile()).slice(0, MANIFEST_HEAD_BYTES).text();
			ours ||= isOurManifestHead(head);
			const udid = manifestUdidFromHead(head);
			if (udid !== undefined) return { udid, ours: true };
		} catch (error) {
			const kind = (error as { name?: unknown } | null)?.name;
			if (kind === 'NotAllowedError' || kind === 'SecurityError') throw error;
		}
	}
	return { ours };
}

async function manifestsBeingReplaced(folder: FileSystemDirectoryHandle): Promise<string[]> {
	const names: string[] = [];
	for await (const name of folder.keys()) if (finalNameOf(name) === MANIFEST_NAME) names.push(name);
	return names.sort();
}

/**
 * Finds or creates the folder of the iPhone `device` inside `root`: the folder whose manifest names
 * its UDID (even after the phone was renamed); else a folder named after the phone (`Anna's iPhone`),
 * or, when a folder of that name belongs to another phone, the name with the UDID's start
 * (`Anna's iPhone (00008110)`), then the whole UDID. A folder of one of those names that is not
 * ours (no manifest of this phone) is never taken over unless it is empty: its files, a manifest or a
 * SHA256SUMS of someone else's stay as they are, and the backup goes into the next name. A new folder
 * gets a manifest at once, so the next run finds it.
 */
export async function openBackupFolder(
	root: FileSystemDirectoryHandle,
	device: BackupDevice,
	options: OpenBackupFolderOptions = {},
): Promise<BackupFolder> {
	return guarded(root, '', async () => {
		const base = sanitizeName(device.name?.trim() || 'iPhone');
		// Short enough that paths inside leave room for the picked folder on Windows (see names.ts).
		const named = (tail: string) => composeName(base, tail, MAX_DEVICE_FOLDER_LENGTH);
		const udid = composeName(sanitizeName(device.udid), '', MAX_UDID_LENGTH);
		const candidates = [named(''), named(` (${udid.slice(0, 8)})`), named(` (${udid})`)];

		const existing = new Map<string, { name: string; directory?: FileSystemDirectoryHandle; udid?: string; ours?: boolean }>();
		for (const [name, handle] of await sortedEntries(root)) {
			if (handle.kind !== 'directory') {
				existing.set(pathKey(name), { name });
				continue;
			}
			const directory = handle as FileSystemDirectoryHandle;
			existing.set(pathKey(name), { name, directory, ...(await manifestOwner(directory)) });
		}

		const rank = (name: string) => {
			const index = candidates.findIndex((candidate) => pathKey(candidate) === pathKey(name));
			return index === -1 ? candidates.length : index;
		};
		const ours = [...existing.values()]
			.filter((entry) => entry.directory !== undefined && entry.udid === device.udid)
			.sort((a, b) => rank(a.name) - rank(b.name));
		const open = (name: string, directory: FileSystemDirectoryHandle, created: boolean) =>
			BackupFolderImpl.open(name, directory, device, created, options);
		if (ours[0] !== undefined) return open(ours[0].name, ours[0].directory!, false);

		for (let attempt = 0; ; attempt++) {
			const name = attempt < candidates.length ? candidates[attempt]! : named(` (${udid}) ${attempt - 1}`);
			const entry = existing.get(pathKey(name));
			if (entry === undefined) return open(name, await root.getDirectoryHandle(name, { create: true }), true);
			// A folder of that name with a manifest of ours that names no phone (damaged, or being replaced
			// when the browser died) is taken, to be set right; someone else's only when it is empty.
			if (entry.directory !== undefined && entry.udid === undefined && (entry.ours === true || (await isEmpty(entry.directory)))) {
				return open(entry.name, entry.directory, false);
			}
		}
	});
}

class BackupFolderImpl implements BackupFolder {
	readonly name: string;
	readonly handle: FileSystemDirectoryHandle;
	readonly device: BackupDevice;
	readonly layout: FolderLayout;
	readonly created: boolean;
	readonly fileSizeLimit: number;
	#problem: ManifestProblem | undefined;
	/** The manifest file on the drive could not be fully used: keep it aside before replacing it. */
	#keepAside = false;
	/** manifest.json was restored from an interrupted write's copy: readManifest reports it once. */
	#recovered = false;
	#manifest: Manifest | undefined;
	#byAsset: Map<string, ManifestEntry[]> | undefined;
	#taken: Promise<TakenPaths> | undefined;
	/** Temporary files of pending writes: cleanup must not touch them. */
	readonly #inUse = new Set<string>();
	#manifestWrites: Promise<unknown> = Promise.resolve();
	readonly #localOffset: (epochMs: number) => number;
	/** UTF-16 units a path inside this folder may take (see names.ts). */
	readonly #maxPathLength: number;
	/** The largest file `listFiles` found: a drive that holds one past `fileSizeLimit` has no such limit. */
	#largestFile = 0;

	private constructor(
		name: string,
		handle: FileSystemDirectoryHandle,
		device: BackupDevice,
		created: boolean,
		options: OpenBackupFolderOptions,
	) {
		this.name = name;
		this.handle = handle;
		this.device = { ...device };
		this.layout = options.layout ?? 'by-month';
		this.created = created;
		this.#localOffset = options.localOffsetMinutes ?? localOffset;
		this.fileSizeLimit = options.fileSizeLimit ?? FAT32_MAX_FILE_BYTES;
		this.#maxPathLength = Math.max(MIN_INSIDE_PATH_LENGTH, MAX_RELATIVE_PATH_LENGTH - name.length - 1);
	}

	static async open(
		name: string,
		handle: FileSystemDirectoryHandle,
		device: BackupDevice,
		created: boolean,
		options: OpenBackupFolderOptions,
	): Promise<BackupFolder> {
		const folder = new BackupFolderImpl(name, handle, device, created, options);
		// Give the folder its manifest at once, so the next run recognizes it: unless one is there, or
		// an interrupted write left one to recover.
		if ((await entryKind(handle, MANIFEST_NAME)) === undefined && !(await folder.#recoverManifest())) {
			await folder.#writeFiles(createManifest(device));
		}
		return folder;
	}

	get manifestProblem(): ManifestProblem | undefined {
		return this.#problem;
	}

	async readManifest(): Promise<Manifest | undefined> {
		return guarded(this.handle, MANIFEST_NAME, async () => {
			this.#problem = undefined;
			this.#keepAside = false;
			if ((await entryKind(this.handle, MANIFEST_NAME)) === undefined && !(await this.#recoverManifest())) return undefined;
			const recovered = this.#recovered;
			this.#recovered = false;
			let text: string;
			try {
				text = await (await (await this.handle.getFileHandle(MANIFEST_NAME)).getFile()).text();
			} catch (error) {
				const mapped = await toFolderError(error, this.handle, MANIFEST_NAME);
				if (mapped.code !== 'folder-failed') throw mapped;
				this.#problem = { kind: 'unreadable', message: 'The backup’s list of copied files (manifest.json) could not be read.' };
				this.#keepAside = true;
				return undefined;
			}
			const parsed = parseManifest(text, this.device.udid);
			if (parsed.problem !== undefined) {
				this.#problem = parsed.problem;
				this.#keepAside = true;
			} else if (recovered) {
				this.#problem = {
					kind: 'recovered',
					message: 'The backup’s list of copied files was restored from the copy an interrupted backup left.',
				};
			}
			if (parsed.manifest !== undefined) this.#remember(parsed.manifest);
			return parsed.manifest;
		});
	}

	writeManifest(manifest: Manifest): Promise<void> {
		const write = this.#manifestWrites.then(() => guarded(this.handle, MANIFEST_NAME, () => this.#writeFiles(manifest)));
		this.#manifestWrites = write.catch(() => undefined);
		return write;
	}

	async #writeFiles(manifest: Manifest): Promise<void> {
		if (this.#keepAside) {
			await this.#setAsideManifest();
			this.#keepAside = false;
		}
		await this.#replace(MANIFEST_NAME, serializeManifest(manifest));
		await this.#replace(CHECKSUMS_NAME, formatSha256Sums(manifest.entries));
		this.#problem = undefined;
		this.#remember(manifest);
	}

	/** Writes `name` under a temporary name, then moves it over the old one. */
	async #replace(name: string, text: string): Promise<void> {
		const temporary = temporaryName(name);
		this.#inUse.add(temporary);
		try {
			const handle = await this.handle.getFileHandle(temporary, { create: true });
			await writeWhole(handle, encoder.encode(text));
			await moveOver(this.handle, handle, name);
		} catch (error) {
			await this.handle.removeEntry(temporary).catch(() => undefined);
			throw error;
		} finally {
			this.#inUse.delete(temporary);
		}
	}

	async #setAsideManifest(): Promise<void> {
		if ((await entryKind(this.handle, MANIFEST_NAME)) !== 'file') return;
		for (let n = 1; ; n++) {
			const name = `manifest.unreadable-${n}.json`;
			if ((await entryKind(this.handle, name)) !== undefined) continue;
			await (await this.handle.getFileHandle(MANIFEST_NAME)).move(name);
			return;
		}
	}

	/**
	 * When manifest.json is missing but an interrupted replacement left a complete new manifest under
	 * its temporary name (a real disk made us remove the old one first), that one becomes the manifest.
	 */
	async #recoverManifest(): Promise<boolean> {
		let best: { handle: FileSystemFileHandle; updatedAt: string } | undefined;
		for (const [name, handle] of await sortedEntries(this.handle)) {
			if (handle.kind !== 'file' || finalNameOf(name) !== MANIFEST_NAME || this.#inUse.has(name)) continue;
			try {
				const text = await (await (handle as FileSystemFileHandle).getFile()).text();
				const parsed = parseManifest(text, this.device.udid);
				if (parsed.manifest === undefined || parsed.problem !== undefined) continue;
				if (best === undefined || parsed.manifest.updatedAt > best.updatedAt) {
					best = { handle: handle as FileSystemFileHandle, updatedAt: parsed.manifest.updatedAt };
				}
			} catch {
				// An unreadable leftover is no candidate.
			}
		}
		if (best === undefined) return false;
		await best.handle.move(MANIFEST_NAME);
		this.#recovered = true;
		return true;
	}

	#remember(manifest: Manifest): void {
		this.#manifest = manifest;
		this.#byAsset = undefined;
		void this.#taken?.then((taken) => {
			for (const entry of manifest.entries) taken.add(entry.path, 'manifest');
		});
	}

	#recordedFor(assetId: string): Map<string, string> {
		if (this.#byAsset === undefined) {
			this.#byAsset = new Map();
			for (const entry of this.#manifest?.entries ?? []) {
				let entries = this.#byAsset.get(entry.assetId);
				if (entries === undefined) this.#byAsset.set(entry.assetId, (entries = []));
				entries.push(entry);
			}
		}
		return new Map((this.#byAsset.get(assetId) ?? []).map((entry) => [entry.devicePath, entry.path]));
	}

	#takenPaths(): Promise<TakenPaths> {
		if (this.#taken === undefined) {
			const loading = guarded(this.handle, '', async () => {
				const taken = new TakenPaths([MANIFEST_NAME, CHECKSUMS_NAME], 'reserved');
				for await (const file of walkFiles(this.handle)) {
					if (!isLeftoverName(file.name)) taken.add(file.path, 'folder');
				}
				for (const entry of this.#manifest?.entries ?? []) taken.add(entry.path, 'manifest');
				return taken;
			});
			this.#taken = loading;
			loading.catch(() => {
				if (this.#taken === loading) this.#taken = undefined;
			});
		}
		return this.#taken;
	}

	async placeAsset(asset: PlaceableAsset, captureDate: CaptureDateLike | undefined): Promise<AssetPlacement> {
		const taken = await this.#takenPaths();
		const placement = placeAsset(asset, {
			layout: this.layout,
			captureDate,
			taken,
			recorded: this.#recordedFor(asset.id),
			localOffsetMinutes: this.#localOffset,
			maxPathLength: this.#maxPathLength,
		});
		for (const file of placement.files) if (!file.recorded) taken.add(file.path, 'reserved', asset.id);
		return placement;
	}

	async createFile(path: string): Promise<PendingFile> {
		const pending = await createPendingFile(this.handle, path, {
			onStarted: (temporary) => this.#inUse.add(temporary),
			onSettled: (temporary) => this.#inUse.delete(temporary),
			fileSizeLimit: this.#largestFile > this.fileSizeLimit ? undefined : this.fileSizeLimit,
		}).catch((error: unknown) => this.#noteExisting(error, path));
		return {
			path: pending.path,
			writable: pending.writable,
			readBack: () => pending.readBack(),
			commit: () => pending.commit().catch((error: unknown) => this.#noteExisting(error, path)),
			abort: () => pending.abort(),
		};
	}

	/** A file found where we meant to write is someone else's: the next placement avoids its name. */
	async #noteExisting(error: unknown, path: string): Promise<never> {
		if ((error as { code?: unknown }).code === 'folder-file-exists') (await this.#taken)?.add(path, 'folder');
		throw error;
	}

	async #fileAt(path: string): Promise<FileSystemFileHandle> {
		const segments = segmentsOf(path, false);
		const directory = await directoryAt(this.handle, segments.slice(0, -1), false);
		return directory.getFileHandle(segments.at(-1)!);
	}

	readFile(path: string): Promise<ReadableStream<Uint8Array>> {
		return guarded(this.handle, path, async () => mapReadErrors((await (await this.#fileAt(path)).getFile()).stream(), this.handle, path));
	}

	async stat(path: string): Promise<FolderFile | undefined> {
		try {
			return await guarded(this.handle, path, async () => {
				const file = await (await this.#fileAt(path)).getFile();
				return { path, size: file.size, lastModified: file.lastModified };
			});
		} catch (error) {
			if ((error as { code?: unknown }).code === 'folder-file-missing') return undefined;
			if ((error as { cause?: { name?: unknown } }).cause?.name === 'TypeMismatchError') return undefined;
			throw error;
		}
	}

	async *listFiles(): AsyncIterable<FolderFile> {
		const files = walkFiles(this.handle);
		for (;;) {
			const next = await guarded(this.handle, '', () => files.next());
			if (next.done === true) return;
			const { path, name, handle } = next.value;
			if (isLeftoverName(name) || this.#isBookkeeping(path)) continue;
			const file = await guarded(this.handle, path, () => handle.getFile());
			this.#largestFile = Math.max(this.#largestFile, file.size);
			yield { path, size: file.size, lastModified: file.lastModified };
		}
	}

	#isBookkeeping(path: string): boolean {
		return path === MANIFEST_NAME || path === CHECKSUMS_NAME || SET_ASIDE_NAME.test(path);
	}

	async removeLeftovers(): Promise<string[]> {
		return guarded(this.handle, '', async () => {
			if ((await entryKind(this.handle, MANIFEST_NAME)) === undefined) await this.#recoverManifest();
			const removed: string[] = [];
			const candidates: Array<{ path: string; name: string; directory: FileSystemDirectoryHandle }> = [];
			for await (const file of walkFiles(this.handle)) {
				if (isLeftoverName(file.name) && !this.#protects(file.path)) candidates.push(file);
			}
			for (const { path, name, directory } of candidates) {
				try {
					await directory.removeEntry(name);
					removed.push(path);
				} catch (error) {
					const mapped = await toFolderError(error, this.handle, path);
					// Held open right now (another tab's backup): not a leftover yet. Gone meanwhile: fine.
					if (mapped.code === 'folder-failed' || mapped.code === 'folder-file-missing') continue;
					throw mapped;
				}
			}
			return removed;
		});
	}

	/** A temporary file in use, or the swap file of one (`.x.part-…crswap`, `.x.part-….1.crswap`). */
	#protects(path: string): boolean {
		for (const temporary of this.#inUse) {
			if (path === temporary || (path.startsWith(`${temporary}.`) && path.endsWith('.crswap'))) return true;
		}
		return false;
	}
}

async function isEmpty(directory: FileSystemDirectoryHandle): Promise<boolean> {
	for await (const _ of directory.keys()) return false;
	return true;
}
