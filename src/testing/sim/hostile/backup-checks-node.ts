/**
 * TEST SUPPORT (Node) — what must hold after any run against a lying phone: nothing outside the
 * iPhone's folder, only safe names, no leftovers, every kept file with the bytes the phone holds,
 * bounded memory, and errors in plain words.
 */
import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import { DEFAULT_READ_AHEAD_BYTES } from '../../../lib/backup/read-ahead';
import { isSafeRelativePath } from '../../../lib/destination/names';
import type { Manifest } from '../../../lib/destination/types';
import type { DeviceError } from '../../../lib/errors';
import type { VirtualIPhone } from '../../../sim/virtual-iphone';
import { normalizeAfcPath } from '../../../sim/afcd';
import { lieBytes } from '../../../sim/hostile/lie-bytes';
import type { WholeStackRun } from './whole-stack-node';

const MiB = 1024 * 1024;
const BOOKKEEPING = new Set(['manifest.json', 'SHA256SUMS']);

export function sha256(bytes: Uint8Array): string {
	return createHash('sha256').update(bytes).digest('hex');
}

/** The iPhone folder's files (bookkeeping aside), relative to it; fails on anything written elsewhere or named unsafely. */
export function expectContained(run: WholeStackRun): string[] {
	const all = run.memory.files();
	if (run.folder === undefined) {
		expect(all).toEqual([]);
		return [];
	}
	const prefix = `${run.folder.name}/`;
	for (const path of all) {
		expect(path.startsWith(prefix), `${JSON.stringify(path)} is outside the iPhone's folder`).toBe(true);
		expect(isSafeRelativePath(path), `${JSON.stringify(path)} is not a safe path`).toBe(true);
	}
	return all.map((path) => path.slice(prefix.length)).filter((path) => !BOOKKEEPING.has(path));
}

export function manifestOf(run: WholeStackRun): Manifest {
	return JSON.parse(run.memory.readText(`${run.folder!.name}/manifest.json`)!) as Manifest;
}

/**
 * Every file in the folder is recorded, with the bytes the phone really holds (from the honest
 * camera roll, or the liar's own bytes for the files it added), and the manifest lists nothing else.
 */
export async function expectTrueCopies(run: WholeStackRun, phone: VirtualIPhone): Promise<Manifest> {
	const files = expectContained(run);
	const manifest = manifestOf(run);
	expect([...new Set(manifest.entries.map((entry) => entry.path))].sort()).toEqual([...files].sort());
	const roll = phone.cameraRoll!;
	for (const entry of manifest.entries) {
		const kept = run.memory.read(`${run.folder!.name}/${entry.path}`)!;
		expect(sha256(kept), entry.path).toBe(entry.sha256);
		expect(kept.byteLength, entry.path).toBe(entry.size);
		const honest = roll.file(entry.devicePath);
		const truth = honest !== undefined ? await roll.expectedSha256(entry.devicePath) : sha256(lieBytes(normalizeAfcPath(entry.devicePath), 0, entry.size));
		expect(entry.sha256, entry.devicePath).toBe(truth);
	}
	// The read-ahead's budget, plus the reads that cross it and the chunks being written and read back:
	// bounded, whatever the phone claims its files hold.
	expect(run.result!.maxBytesHeld).toBeLessThanOrEqual(DEFAULT_READ_AHEAD_BYTES + 16 * MiB);
	return manifest;
}

/** Every readable file of the honest camera roll is in the backup. */
export function expectHonestFilesKept(manifest: Manifest, phone: VirtualIPhone): void {
	const readable = [...phone.cameraRoll!.files()].filter((file) => !file.unreadable && file.tag !== 'library-database');
	const recorded = new Set(manifest.entries.map((entry) => entry.devicePath));
	for (const file of readable) expect(recorded.has(file.path), `${file.path} was not backed up`).toBe(true);
}

/** A message a person can read: a sentence, no code leaking through. */
export function expectPlainWords(error: Pick<DeviceError, 'message'> | undefined): void {
	expect(error).toBeDefined();
	const { message } = error!;
	expect(message).toMatch(/^[A-Z/“]/);
	expect(message).toMatch(/[.)]$/);
	expect(message).not.toMatch(/undefined|NaN|\[object|Error:|\bat \w+ \(|TypeError|RangeError/);
}
