import { DeviceError } from '../errors';
import type { DeviceFileInfo } from '../library/device-files';
import { decodeKeyValues, encodeKeyValues, parseDecimal } from './strings';

/**
 * GetFileInfo, as a real device sends it (appium fixture afcfileinforesponse.bin), keys in this order:
 * st_size, st_blocks, st_nlink, st_ifmt, st_mtime, st_birthtime; times in nanoseconds since the epoch.
 */
export interface AfcFileInfo {
	kind: DeviceFileInfo['kind'];
	size: number;
	/** 512-byte blocks allocated. */
	blocks: number;
	links: number;
	modifiedTimeNs: bigint;
	birthTimeNs: bigint;
	/** A symlink's target (`LinkTarget`; some clients expect other spellings, so those are read too). */
	linkTarget?: string;
	/** Every key the device sent, as sent. */
	keys: ReadonlyMap<string, string>;
}

const kinds: Record<string, DeviceFileInfo['kind']> = {
	S_IFREG: 'file',
	S_IFDIR: 'directory',
	S_IFLNK: 'symlink',
};

const MAX_EXACT = BigInt(Number.MAX_SAFE_INTEGER);

function malformed(what: string): DeviceError {
	return new DeviceError('protocol', `The iPhone sent no readable ${what} for a file or for its storage.`);
}

/** A non-negative decimal that must be exact as a number; `fallback` stands in for a missing key. */
function count(keys: ReadonlyMap<string, string>, key: string, what: string, fallback?: number): number {
	if (fallback !== undefined && !keys.has(key)) return fallback;
	const value = parseDecimal(keys.get(key));
	if (value === undefined || value < 0n) throw malformed(what);
	if (value > MAX_EXACT) throw new DeviceError('too-large', `The iPhone reported a ${what} too large to be real.`);
	return Number(value);
}

export function parseFileInfo(body: Uint8Array): AfcFileInfo {
	const keys = decodeKeyValues(body, 'a file description');
	const format = keys.get('st_ifmt');
	if (format === undefined) throw malformed('type');
	const modifiedTimeNs = parseDecimal(keys.get('st_mtime'));
	const birthTimeNs = parseDecimal(keys.get('st_birthtime')) ?? modifiedTimeNs;
	if (modifiedTimeNs === undefined || birthTimeNs === undefined) throw malformed('date');
	const linkTarget = keys.get('LinkTarget') ?? keys.get('st_linktarget') ?? keys.get('st_link_target');
	return {
		kind: kinds[format] ?? 'other',
		size: count(keys, 'st_size', 'size'),
		blocks: count(keys, 'st_blocks', 'block count', 0),
		links: count(keys, 'st_nlink', 'link count', 1),
		modifiedTimeNs,
		birthTimeNs,
		...(linkTarget === undefined ? {} : { linkTarget }),
		keys,
	};
}

/** What the simulated afcd says about a file or folder, in the real device's key order. */
export interface AfcFileInfoFields {
	kind: 'file' | 'directory';
	size: number;
	blocks: number;
	links: number;
	modifiedTimeNs: bigint;
	birthTimeNs: bigint;
}

export function formatFileInfo(info: AfcFileInfoFields): Uint8Array {
	return encodeKeyValues([
		['st_size', String(info.size)],
		['st_blocks', String(info.blocks)],
		['st_nlink', String(info.links)],
		['st_ifmt', info.kind === 'directory' ? 'S_IFDIR' : 'S_IFREG'],
		['st_mtime', String(info.modifiedTimeNs)],
		['st_birthtime', String(info.birthTimeNs)],
	]);
}

const NS_PER_MS = 1_000_000n;

/** The seam's shape: milliseconds, rounded down. */
export function toDeviceFileInfo(info: AfcFileInfo): DeviceFileInfo {
	return {
		kind: info.kind,
		size: info.size,
		birthTime: Number(info.birthTimeNs / NS_PER_MS),
		modifiedTime: Number(info.modifiedTimeNs / NS_PER_MS),
	};
}

/** GetDeviceInfo: `Model`, `FSTotalBytes`, `FSFreeBytes`, `FSBlockSize`. */
export interface AfcDeviceInfo {
	model: string;
	totalBytes: number;
	freeBytes: number;
	blockSize: number;
	keys: ReadonlyMap<string, string>;
}

export function parseDeviceInfo(body: Uint8Array): AfcDeviceInfo {
	const keys = decodeKeyValues(body, 'its storage details');
	return {
		model: keys.get('Model') ?? '',
		totalBytes: count(keys, 'FSTotalBytes', 'storage size'),
		freeBytes: count(keys, 'FSFreeBytes', 'free space'),
		blockSize: count(keys, 'FSBlockSize', 'block size'),
		keys,
	};
}

export function formatDeviceInfo(info: Omit<AfcDeviceInfo, 'keys'>): Uint8Array {
	return encodeKeyValues([
		['Model', info.model],
		['FSTotalBytes', String(info.totalBytes)],
		['FSFreeBytes', String(info.freeBytes)],
		['FSBlockSize', String(info.blockSize)],
	]);
}
