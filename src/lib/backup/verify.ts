import type { BackupFolder, FolderFile, Manifest, ManifestEntry } from '../destination/types';
import { isDeviceError } from '../errors';
import type { HasherFactory } from '../hash';
import { pathKey } from '../destination/names';
import { hashStream } from './hash-stream';

export interface VerifyProgress {
	files: { done: number; total: number };
	bytes: { done: number; total: number };
	/** The file being read. */
	path: string | undefined;
}

export interface VerifyReport {
	/** Files read and found as recorded. */
	ok: number;
	/** Recorded in the manifest, not in the folder. */
	missing: ManifestEntry[];
	/** In the folder with other bytes than recorded (`found` says what is there now). */
	changed: { entry: ManifestEntry; found: { size: number; sha256?: string } }[];
	/** In the folder, not in the manifest (the manifest itself, SHA256SUMS and temporary files aside). */
	extra: FolderFile[];
	/** In the folder, but could not be read. */
	unreadable: { path: string; message: string }[];
	/** Whether there was a manifest to check against at all. */
	hadManifest: boolean;
}

export interface VerifyOptions {
	/** SHA-256 hashers: `remoteHashers(…)` in the app. */
	hashers: HasherFactory;
	signal?: AbortSignal;
	onProgress?: (progress: VerifyProgress) => void;
}

/**
 * Checks the whole backup against its manifest, as `sha256sum -c SHA256SUMS` would, and more: every
 * recorded file is read and its SHA-256 compared (a size that differs needs no reading); files the
 * manifest does not know are listed. Reads only; changes nothing. Fails only when the folder as a whole
 * cannot be used (gone, no permission) or on a cancel.
 */
export async function verifyBackup(folder: BackupFolder, options: VerifyOptions): Promise<VerifyReport> {
	const { signal } = options;
	const manifest: Manifest | undefined = await folder.readManifest();
	const report: VerifyReport = { ok: 0, missing: [], changed: [], extra: [], unreadable: [], hadManifest: manifest !== undefined };

	// Several entries can share a file (the same bytes renamed on the phone): each file is read once.
	// Paths are matched as the drive matches names (`pathKey`): an HFS+ drive lists them decomposed.
	const byPath = new Map<string, ManifestEntry[]>();
	for (const entry of manifest?.entries ?? []) {
		const key = pathKey(entry.path);
		let entries = byPath.get(key);
		if (entries === undefined) byPath.set(key, (entries = []));
		entries.push(entry);
	}
	const present = new Map<string, FolderFile>();
	for await (const file of folder.listFiles()) {
		signal?.throwIfAborted();
		const key = pathKey(file.path);
		if (byPath.has(key)) present.set(key, file);
		else report.extra.push(file);
	}

	const progress: VerifyProgress = { files: { done: 0, total: byPath.size }, bytes: { done: 0, total: 0 }, path: undefined };
	for (const [key, file] of present) if (byPath.get(key)!.some((entry) => entry.size === file.size)) progress.bytes.total += file.size;
	options.onProgress?.(structuredClone(progress));

	for (const [key, entries] of byPath) {
		signal?.throwIfAborted();
		const file = present.get(key);
		if (file === undefined) report.missing.push(...entries);
		else {
			const sameSize = entries.filter((entry) => entry.size === file.size);
			for (const entry of entries) if (entry.size !== file.size) report.changed.push({ entry, found: { size: file.size } });
			if (sameSize.length > 0) {
				const path = file.path;
				progress.path = path;
				const sha256 = await hashFile(folder, path, options, (bytes) => {
					progress.bytes.done += bytes;
					options.onProgress?.(structuredClone(progress));
				}).catch((error: unknown) => {
					// Gone since the listing, or unreadable: reported; the folder gone or forbidden: thrown.
					if (isDeviceError(error, 'folder-file-missing')) report.missing.push(...sameSize);
					else if (isDeviceError(error, 'folder-failed')) report.unreadable.push({ path, message: error.message });
					else throw error;
					return undefined;
				});
				if (sha256 !== undefined) {
					for (const entry of sameSize) {
						if (entry.sha256 === sha256) report.ok++;
						else report.changed.push({ entry, found: { size: file.size, sha256 } });
					}
				}
			}
		}
		progress.files.done++;
		progress.path = undefined;
		options.onProgress?.(structuredClone(progress));
	}
	return report;
}

async function hashFile(folder: BackupFolder, path: string, options: VerifyOptions, onBytes: (bytes: number) => void): Promise<string | undefined> {
	const read = await hashStream(await folder.readFile(path), { hashers: options.hashers, algorithms: ['sha256'], signal: options.signal, onBytes });
	return read.digests.sha256;
}
