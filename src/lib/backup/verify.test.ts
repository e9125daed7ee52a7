import 'fake-indexeddb/auto';
import { beforeAll, describe, expect, it } from 'vitest';
import { inProcessHashers } from '../hash';
import type { RealMedia } from '../../sim/camera-roll';
import { loadRealMedia } from '../../sim/camera-roll/real-media-node';
import { BackupHarness } from '../../testing/backup/backup-harness-node';
import { type VerifyProgress, verifyBackup } from './verify';

let realMedia: RealMedia;
beforeAll(async () => {
	realMedia = await loadRealMedia();
});

async function backedUp(): Promise<BackupHarness> {
	const harness = new BackupHarness({ profile: 'small', realMedia });
	await harness.backUp();
	return harness;
}

async function removeFromFolder(harness: BackupHarness, path: string): Promise<void> {
	let directory = await harness.memory.root().getDirectoryHandle(harness.folder!.name);
	const segments = path.split('/');
	for (const segment of segments.slice(0, -1)) directory = await directory.getDirectoryHandle(segment);
	await directory.removeEntry(segments.at(-1)!);
}

describe('verifyBackup', () => {
	it('finds an intact backup intact, reading every file once', async () => {
		const harness = await backedUp();
		const events: VerifyProgress[] = [];
		const report = await verifyBackup(harness.folder!, { hashers: inProcessHashers, onProgress: (progress) => events.push(progress) });
		expect(report).toEqual({ ok: 8, missing: [], changed: [], extra: [], unreadable: [], hadManifest: true });
		const total = harness.manifest().entries.reduce((sum, entry) => sum + entry.size, 0);
		expect(events.at(-1)).toEqual({ files: { done: 8, total: 8 }, bytes: { done: total, total }, path: undefined });
	});

	it('finds nothing missing on a drive that lists names decomposed (HFS+) or in another case', async () => {
		const harness = await backedUp();
		const top = harness.folder!.name;
		const manifest = harness.manifest();
		const [first, second] = manifest.entries;
		const moves = [
			{ entry: first!, recorded: first!.path.replace(/[^/]+$/, 'Café $&'), listed: first!.path.replace(/[^/]+$/, 'Café $&').normalize('NFD') },
			{ entry: second!, recorded: second!.path, listed: second!.path.toLowerCase() },
		];
		for (const { entry, recorded, listed } of moves) {
			const bytes = harness.memory.read(`${top}/${entry.path}`)!;
			harness.memory.delete(`${top}/${entry.path}`);
			harness.memory.write(`${top}/${listed}`, bytes);
			entry.path = recorded;
		}
		harness.memory.write(`${top}/manifest.json`, JSON.stringify(manifest));
		const report = await verifyBackup(harness.folder!, { hashers: inProcessHashers });
		expect(report).toEqual({ ok: 8, missing: [], changed: [], extra: [], unreadable: [], hadManifest: true });
	});

	it('reports files missing, changed (same size or not) and extra, and nothing else', async () => {
		const harness = await backedUp();
		const prefix = harness.folder!.name;
		const flipped = harness.memory.read(`${prefix}/2025/05/IMG_3582.HEIC`)!;
		flipped[1000] = flipped[1000]! ^ 0xff;
		harness.memory.write(`${prefix}/2025/05/IMG_3582.HEIC`, flipped);
		const cut = harness.memory.read(`${prefix}/2025/05/IMG_3582.MOV`)!;
		harness.memory.write(`${prefix}/2025/05/IMG_3582.MOV`, cut.subarray(0, cut.length - 1));
		await removeFromFolder(harness, '2025/05/IMG_3582.AAE');
		harness.memory.write(`${prefix}/2025/05/notes.txt`, 'mine');
		harness.memory.write(`${prefix}/2025/05/.IMG_9.HEIC.part-0a0b0c0d`, 'a leftover, not a backup file');

		const report = await verifyBackup(harness.folder!, { hashers: inProcessHashers });
		expect(report.ok).toBe(5);
		expect(report.missing.map((entry) => entry.path)).toEqual(['2025/05/IMG_3582.AAE']);
		expect(report.changed.map(({ entry, found }) => [entry.path, found.size, found.sha256 === undefined])).toEqual([
			['2025/05/IMG_3582.HEIC', 2_020_333, false],
			['2025/05/IMG_3582.MOV', 2_978_474, true],
		]);
		expect(report.extra.map((file) => file.path)).toEqual(['2025/05/notes.txt']);
		expect(report.unreadable).toEqual([]);
	});

	it('checks a file that several entries share (a photo renamed on the phone) once, for each', async () => {
		const harness = await backedUp();
		harness.files.rename('/DCIM/101APPLE/IMG_1064.JPG', '/DCIM/104APPLE/IMG_0001.JPG');
		await harness.backUp();
		const events: VerifyProgress[] = [];
		const report = await verifyBackup(harness.folder!, { hashers: inProcessHashers, onProgress: (progress) => events.push(progress) });
		expect(report).toMatchObject({ ok: 9, missing: [], changed: [], extra: [] });
		expect(events.at(-1)!.files).toEqual({ done: 8, total: 8 });
	});

	it('says when there is no manifest, and lists every file as extra', async () => {
		const harness = await backedUp();
		await removeFromFolder(harness, 'manifest.json');
		const report = await verifyBackup(harness.folder!, { hashers: inProcessHashers });
		expect(report.hadManifest).toBe(false);
		expect(report.extra).toHaveLength(8);
	});

	it('stops when cancelled, and fails when the folder cannot be read at all', async () => {
		const harness = await backedUp();
		const controller = new AbortController();
		const cancelled = verifyBackup(harness.folder!, {
			hashers: inProcessHashers,
			signal: controller.signal,
			onProgress: (progress) => {
				if (progress.bytes.done > 0) controller.abort();
			},
		});
		await expect(cancelled).rejects.toMatchObject({ name: 'AbortError' });
		harness.memory.setPermission('denied');
		await expect(verifyBackup(harness.folder!, { hashers: inProcessHashers })).rejects.toMatchObject({ code: 'folder-permission' });
	});
});
