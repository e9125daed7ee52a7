/**
 * The manifest on the drive: its text form and a tolerant reader. The reader never throws on what it
 * finds: a damaged, foreign or newer manifest is reported as a `ManifestProblem` and left alone.
 */
import { isSafeRelativePath } from './names';
import type { BackupDevice, Manifest, ManifestEntry, ManifestProblem } from './types';

export const MANIFEST_FORMAT = 'iphone-photo-backup-manifest';
export const MANIFEST_VERSION = 1;

export function createManifest(device: BackupDevice, entries: ManifestEntry[] = [], now = new Date()): Manifest {
	return { format: MANIFEST_FORMAT, version: MANIFEST_VERSION, device: { ...device }, updatedAt: now.toISOString(), entries };
}

/**
 * JSON with one entry per line: readable and diffable by people, and the device comes first so a
 * reader can find the UDID in the first bytes.
 */
export function serializeManifest(manifest: Manifest): string {
	const head = JSON.stringify({
		format: manifest.format,
		version: manifest.version,
		device: manifest.device,
		updatedAt: manifest.updatedAt,
	});
	if (manifest.entries.length === 0) return `${head.slice(0, -1)},"entries":[]}\n`;
	const lines = manifest.entries.map((entry) => JSON.stringify(entry));
	return `${head.slice(0, -1)},"entries":[\n${lines.join(',\n')}\n]}\n`;
}

export type ParsedManifest =
	| { manifest: Manifest; problem?: ManifestProblem }
	| { manifest?: undefined; problem: ManifestProblem };

const HEX_SHA256 = /^[0-9a-f]{64}$/;

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const isTime = (value: unknown) => typeof value === 'number' && Number.isFinite(value);

function entryOf(value: unknown): ManifestEntry | undefined {
	if (!isRecord(value)) return undefined;
	const { devicePath, assetId, size, modifiedTime, birthTime, capturedAt, sha256, path, backedUpAt, albums, favorite } = value;
	if (typeof devicePath !== 'string' || devicePath === '' || typeof assetId !== 'string') return undefined;
	if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) return undefined;
	if (!isTime(modifiedTime) || !isTime(birthTime)) return undefined;
	if (capturedAt !== undefined && typeof capturedAt !== 'string') return undefined;
	if (typeof sha256 !== 'string' || !HEX_SHA256.test(sha256)) return undefined;
	// A path that could leave the folder, or that we would never have written, is damage.
	if (typeof path !== 'string' || !isSafeRelativePath(path)) return undefined;
	if (typeof backedUpAt !== 'string') return undefined;
	// Written by this app since albums were recorded; older manifests have neither.
	if (albums !== undefined && !(Array.isArray(albums) && albums.every((title) => typeof title === 'string'))) return undefined;
	if (favorite !== undefined && favorite !== true) return undefined;
	const entry: ManifestEntry = {
		devicePath,
		assetId,
		size,
		modifiedTime: modifiedTime as number,
		birthTime: birthTime as number,
		sha256,
		path,
		backedUpAt,
	};
	if (capturedAt !== undefined) entry.capturedAt = capturedAt;
	if (albums !== undefined && albums.length > 0) entry.albums = albums as string[];
	if (favorite === true) entry.favorite = true;
	return entry;
}

/** Reads a manifest's text for the iPhone `udid`. */
export function parseManifest(text: string, udid: string): ParsedManifest {
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch {
		return { problem: { kind: 'not-json', message: 'The backup’s list of copied files (manifest.json) is damaged.' } };
	}
	if (!isRecord(value) || value.format !== MANIFEST_FORMAT) {
		return { problem: { kind: 'foreign', message: 'The file manifest.json in the backup folder was not written by this app.' } };
	}
	if (typeof value.version !== 'number' || value.version > MANIFEST_VERSION) {
		return {
			problem: { kind: 'newer-version', message: 'The backup’s list of copied files was written by a newer version of this app.' },
		};
	}
	const device = value.device;
	if (!isRecord(device) || typeof device.udid !== 'string') {
		return { problem: { kind: 'foreign', message: 'The backup’s list of copied files does not say which iPhone it belongs to.' } };
	}
	if (device.udid !== udid) {
		return { problem: { kind: 'other-device', message: 'The backup’s list of copied files belongs to another iPhone.' } };
	}
	const rawEntries = Array.isArray(value.entries) ? value.entries : [];
	const entries: ManifestEntry[] = [];
	for (const raw of rawEntries) {
		const entry = entryOf(raw);
		if (entry !== undefined) entries.push(entry);
	}
	const manifest: Manifest = {
		format: MANIFEST_FORMAT,
		version: MANIFEST_VERSION,
		device: {
			udid: device.udid,
			...(typeof device.name === 'string' ? { name: device.name } : {}),
			...(typeof device.productType === 'string' ? { productType: device.productType } : {}),
		},
		updatedAt: typeof value.updatedAt === 'string' ? value.updatedAt : '',
		entries,
	};
	const dropped = rawEntries.length - entries.length;
	if (!Array.isArray(value.entries)) {
		return { manifest, problem: { kind: 'bad-entries', message: 'The backup’s list of copied files is empty or damaged; the files in the folder will be checked again.', dropped: 0 } };
	}
	if (dropped === 0) return { manifest };
	return {
		manifest,
		problem: {
			kind: 'bad-entries',
			message: `${dropped} damaged ${dropped === 1 ? 'entry' : 'entries'} in the backup’s list of copied files ${dropped === 1 ? 'was' : 'were'} left out; those files will be checked again.`,
			dropped,
		},
	};
}

const UDID_IN_HEAD = /"udid"\s*:\s*"((?:[^"\\]|\\.)*)"/;

/**
 * The UDID a manifest names, from its first bytes only (manifests of large libraries are tens of
 * megabytes; ours put the device first). Undefined when it is not our manifest.
 */
/** Whether the first bytes of a file are those of a manifest this app wrote (whole or not). */
export function isOurManifestHead(head: string): boolean {
	return head.includes(`"${MANIFEST_FORMAT}"`);
}

export function manifestUdidFromHead(head: string): string | undefined {
	if (!isOurManifestHead(head)) return undefined;
	const match = UDID_IN_HEAD.exec(head);
	if (match === null) return undefined;
	try {
		return JSON.parse(`"${match[1]!}"`) as string;
	} catch {
		return undefined;
	}
}
