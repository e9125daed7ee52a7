/**
 * TEST SUPPORT (Node) — not part of the app. One iPhone (a virtual camera roll behind `DeviceFiles`),
 * one picked folder (the destination's in-memory folder, with its faults), one browser profile
 * (a Dexie database on fake-indexeddb), and the whole flow the app runs: open the folder and the
 * journal, prepare, scan, describe, plan, run. Records what each run read from the phone and wrote.
 */
import 'fake-indexeddb/auto';
import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import { openBackupFolder } from '../../lib/destination/backup-folder';
import { monthFolder } from '../../lib/destination/placement';
import { MemoryFolder } from '../destination/memory-folder';
import type { BackupFolder, Manifest, PendingFile } from '../../lib/destination/types';
import { inProcessHashers } from '../../lib/hash';
import { type DeviceFileInfo, type DeviceFiles, describeAssets, groupAssets, scanCameraRoll } from '../../lib/library';
import { VfsDeviceFiles } from '../library/vfs-device-files';
import type { CameraRollProfile, RealMedia } from '../../sim/camera-roll';
import { VirtualCameraRoll } from '../../sim/camera-roll';
import { AppDatabase } from '../../lib/store';
import { type BackupResult, runBackup, type RunBackupOptions } from '../../lib/backup/engine';
import { BackupJournal } from '../../lib/backup/journal';
import { type BackupPlan, planBackup } from '../../lib/backup/planner';
import { type BackupState, prepareBackup } from '../../lib/backup/resume';
import { verifyBackup } from '../../lib/backup/verify';

const DATED_BY_CONTENT = new Set(['still', 'live-still', 'video', 'raw']);

export const DEVICE = { udid: '00008110-000A1B2C3D4E5F60', name: 'Anna’s iPhone' };

/** `DeviceFiles` that notes whole-file reads (the engine's, not the scanner's header reads) and lets a test act mid-read. */
export class RecordingFiles implements DeviceFiles {
	readonly inner: VfsDeviceFiles;
	/** Paths read whole, in order, while `recording`. */
	readonly reads: string[] = [];
	recording = false;
	/** Called before each chunk of a whole-file read is handed over, with the bytes handed over so far. */
	tap: ((path: string, position: number) => void) | undefined;

	constructor(inner: VfsDeviceFiles) {
		this.inner = inner;
	}

	/** New path → old path: files the phone now lists under another name. */
	readonly #renamed = new Map<string, string>();

	/** The phone shows `from` as `to` from now on (same bytes, same times). */
	rename(from: string, to: string): void {
		this.#renamed.set(to, from);
	}

	async list(path: string): Promise<string[]> {
		const names = (await this.inner.list(path).catch((error: unknown) => {
			if ([...this.#renamed.keys()].some((to) => to.startsWith(`${path}/`))) return [];
			throw error;
		})) as string[];
		const shown = names.filter((name) => ![...this.#renamed.values()].includes(`${path}/${name}`));
		for (const to of this.#renamed.keys()) {
			const slash = to.lastIndexOf('/');
			if (to.slice(0, slash) === path) shown.push(to.slice(slash + 1));
			// A new folder in a listed folder.
			else if (to.startsWith(`${path}/`)) {
				const child = to.slice(path.length + 1).split('/')[0]!;
				if (!shown.includes(child)) shown.push(child);
			}
		}
		return shown.sort();
	}

	async stat(path: string): Promise<DeviceFileInfo> {
		if ([...this.#renamed.values()].includes(path)) return this.inner.stat('/no/such/file');
		const from = this.#renamed.get(path);
		if (from !== undefined) return this.inner.stat(from);
		if ([...this.#renamed.keys()].some((to) => to.startsWith(`${path}/`))) {
			return this.inner.stat(path).catch(() => ({ kind: 'directory', size: 0, birthTime: 0, modifiedTime: 0 }));
		}
		return this.inner.stat(path);
	}

	read(path: string, offset?: number, length?: number): ReadableStream<Uint8Array> {
		const from = this.#renamed.get(path);
		if (from !== undefined) return this.#read(path, from, offset, length);
		return this.#read(path, path, offset, length);
	}

	#read(path: string, source: string, offset?: number, length?: number): ReadableStream<Uint8Array> {
		if (length !== undefined || !this.recording) return this.inner.read(source, offset, length);
		this.reads.push(path);
		const reader = this.inner.read(source, offset).getReader();
		let position = offset ?? 0;
		return new ReadableStream<Uint8Array>(
			{
				pull: async (controller) => {
					const { done, value } = await reader.read();
					if (done) return controller.close();
					this.tap?.(path, position);
					position += value.byteLength;
					controller.enqueue(value);
				},
				cancel: (reason) => reader.cancel(reason),
			},
			{ highWaterMark: 0 },
		);
	}
}

export interface RunRecord {
	result: BackupResult;
	plan: BackupPlan;
	state: BackupState;
	/** Phone files read whole by this run. */
	reads: string[];
	/** Files given their final name in the folder by this run (relative to the iPhone's folder). */
	committed: string[];
}

let profiles = 0;

export class BackupHarness {
	readonly roll: VirtualCameraRoll;
	readonly files: RecordingFiles;
	readonly memory = new MemoryFolder();
	db: AppDatabase;
	#dbName: string;
	destinationId = 'destination-1';
	/** Lets a test change the pending files the engine gets (to corrupt a read-back, say). */
	pendingHook: ((pending: PendingFile) => PendingFile) | undefined;
	/** The folder of the last run. */
	folder: BackupFolder | undefined;
	/** The drive's limit on one file the folder and the planner go by (see `MemoryFolder.limitFileSize`); default FAT32's. */
	readonly #fileSizeLimit: number | undefined;

	constructor(options: { profile: CameraRollProfile | 'small'; seed?: number; realMedia?: RealMedia; chunkSize?: number; fileSizeLimit?: number }) {
		this.#fileSizeLimit = options.fileSizeLimit;
		this.roll = new VirtualCameraRoll({ profile: options.profile, seed: options.seed ?? 1, realMedia: options.realMedia });
		this.files = new RecordingFiles(new VfsDeviceFiles(this.roll, { chunkSize: options.chunkSize ?? 256 * 1024 }));
		this.#dbName = `backup-harness-${++profiles}`;
		this.db = new AppDatabase(this.#dbName);
	}

	/** The browser died: the database keeps what its transactions committed, nothing more. */
	crashBrowser(): void {
		this.db.close();
		this.memory.crash();
	}

	/** The browser starts again on the same profile. */
	restartBrowser(): void {
		this.db = new AppDatabase(this.#dbName);
	}

	/** Another browser, or a cleared profile: nothing but the folder on the drive. */
	freshProfile(): void {
		this.#dbName = `backup-harness-${++profiles}`;
		this.db = new AppDatabase(this.#dbName);
		this.destinationId = `destination-${profiles}`;
	}

	async backUp(options: Partial<RunBackupOptions> = {}): Promise<RunRecord> {
		const fileSizeLimit = this.#fileSizeLimit;
		const folder = await openBackupFolder(this.memory.root(), DEVICE, { localOffsetMinutes: () => 0, fileSizeLimit });
		this.folder = folder;
		const journal = await BackupJournal.open(this.db, this.destinationId, DEVICE);
		const state = await prepareBackup(folder, journal);
		const scan = await scanCameraRoll(this.files);
		const described = await describeAssets(this.files, groupAssets(scan.files));
		const plan = planBackup(described, state.index, { journal: state.journalRows, fileSizeLimit });
		const committed: string[] = [];
		const createFile = async (path: string) => {
			const created = await folder.createFile(path);
			const pending = this.pendingHook?.(created) ?? created;
			return {
				...pending,
				commit: async () => {
					await pending.commit();
					committed.push(path);
				},
			};
		};
		// The folder keeps #private state: every other call goes to it as it is.
		const recording = new Proxy(folder, {
			get(target, property) {
				if (property === 'createFile') return createFile;
				const value: unknown = Reflect.get(target, property, target);
				return typeof value === 'function' ? value.bind(target) : value;
			},
		});
		this.files.reads.length = 0;
		this.files.recording = true;
		try {
			const result = await runBackup({ files: this.files, folder: recording, plan, journal, index: state.index, hashers: inProcessHashers, ...options });
			return { result, plan, state, reads: [...this.files.reads], committed };
		} finally {
			this.files.recording = false;
		}
	}

	/** Paths of the files in the iPhone's folder (bookkeeping files aside), and every leftover anywhere. */
	folderFiles(): { files: string[]; leftovers: string[] } {
		const prefix = `${this.folder!.name}/`;
		const all = this.memory.files();
		const leftovers = all.filter((path) => /\/\.[^/]+\.part-[0-9a-f]{8}$|\.crswap$/.test(path));
		const files = all
			.filter((path) => path.startsWith(prefix) && !leftovers.includes(path))
			.map((path) => path.slice(prefix.length))
			.filter((path) => path !== 'manifest.json' && path !== 'SHA256SUMS' && !/^manifest\.unreadable-\d+\.json$/.test(path));
		return { files, leftovers };
	}

	manifest(): Manifest {
		return JSON.parse(this.memory.readText(`${this.folder!.name}/manifest.json`)!) as Manifest;
	}

	sha256Of(path: string): string {
		return createHash('sha256').update(this.memory.read(`${this.folder!.name}/${path}`)!).digest('hex');
	}

	/**
	 * The folder holds every file of the phone that can be read, with the phone's bytes, in its asset's
	 * month folder beside the rest of the asset, once; no placeholder, no temporary file; the manifest
	 * and SHA256SUMS list exactly those files; and the verification mode agrees.
	 */
	async expectComplete(): Promise<void> {
		const { files, leftovers } = this.folderFiles();
		expect(leftovers).toEqual([]);
		const manifest = this.manifest();
		expect(manifest.device.udid).toBe(DEVICE.udid);
		const phoneFiles = [...this.roll.files()].filter((file) => file.tag !== 'library-database');
		const readable = phoneFiles.filter((file) => !file.unreadable);
		const entries = new Map(manifest.entries.map((entry) => [entry.devicePath, entry]));
		expect([...entries.keys()].sort()).toEqual(readable.map((file) => file.path).sort());
		expect(manifest.entries).toHaveLength(readable.length); // one entry per phone file

		for (const file of readable) {
			const entry = entries.get(file.path)!;
			expect(entry).toMatchObject({ size: file.size, modifiedTime: file.modifiedTimeMs });
			expect(entry.sha256, file.path).toBe(await this.roll.expectedSha256(file.path));
			expect(files, entry.path).toContain(entry.path);
			// Dated by what the file says (EXIF, QuickTime); screenshots and imports are dated by their file times.
			if (file.capture !== undefined && entry.assetId === file.path && DATED_BY_CONTENT.has(file.tag)) {
				const month = monthFolder({ epochMs: file.capture.epochMs, offsetMinutes: file.capture.offsetMinutes, floating: false });
				expect(entry.path.startsWith(`${month}/`), `${entry.path} for ${file.path} captured ${new Date(file.capture.epochMs).toISOString()}`).toBe(true);
			}
		}
		// The files of an asset (Live Photo halves, edits, sidecars) sit together.
		const folderOfAsset = new Map<string, string>();
		for (const entry of manifest.entries) {
			const folder = entry.path.slice(0, entry.path.lastIndexOf('/'));
			const known = folderOfAsset.get(entry.assetId);
			if (known === undefined) folderOfAsset.set(entry.assetId, folder);
			else expect(folder, entry.devicePath).toBe(known);
		}
		// Exactly the recorded files are there, each once, and no two hold the same bytes.
		const recordedPaths = [...new Set(manifest.entries.map((entry) => entry.path))].sort();
		expect(files.sort()).toEqual(recordedPaths);
		const hashes = new Map(files.map((path) => [path, this.sha256Of(path)]));
		expect(new Set(hashes.values()).size).toBe(files.length);
		for (const entry of manifest.entries) expect(hashes.get(entry.path)).toBe(entry.sha256);
		// SHA256SUMS, as sha256sum -c reads it.
		const sums = this.memory
			.readText(`${this.folder!.name}/SHA256SUMS`)!
			.split('\n')
			.filter((line) => line !== '')
			.map((line) => /^([0-9a-f]{64}) {2}(.+)$/.exec(line)!);
		expect(new Map(sums.map((match) => [match[2]!, match[1]!]))).toEqual(hashes);

		const report = await verifyBackup(this.folder!, { hashers: inProcessHashers });
		expect(report).toMatchObject({ ok: manifest.entries.length, missing: [], changed: [], extra: [], unreadable: [], hadManifest: true });
	}
}
