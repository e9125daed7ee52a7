import 'fake-indexeddb/auto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { DeviceError } from '../errors';
import { PROFILES, type CameraRollProfile, type RealMedia } from '../../sim/camera-roll';
import { loadRealMedia } from '../../sim/camera-roll/real-media-node';
import { doneEntry } from './backup-index';
import { BackupController } from './controller';
import { BackupHarness, type RunRecord } from '../../testing/backup/backup-harness-node';

let realMedia: RealMedia;
beforeAll(async () => {
	realMedia = await loadRealMedia();
});

/** Small but varied: Live Photos, edits, a placeholder, videos. */
const PROFILE: CameraRollProfile = {
	...PROFILES.typical,
	items: 20,
	firstNumber: 9_990,
	imports: 1,
	iCloudShare: 0.1,
	placeholderShare: 0.1,
	editedShare: 0.3,
	mix: { ...PROFILES.typical.mix, proraw: 0, video: 4 },
	video: { minBytes: 300_000, maxBytes: 2_000_000, skew: 2 },
};

/** Frequent checkpoints, so an interruption finds some files recorded and some not. */
const CHECKPOINTS = { journal: { files: 3, seconds: 1e9 }, manifest: { files: 7, seconds: 1e9 } };

/**
 * Runs a backup that something interrupts in the middle of the `nth` whole-file read, at `offset`.
 * Nothing is read ahead, so that the file being read is the one being copied (the property test
 * below interrupts runs that read ahead).
 */
async function interrupted(harness: BackupHarness, nth: number, interrupt: (control: BackupController) => void): Promise<RunRecord> {
	const control = new BackupController();
	let fired = false;
	harness.files.tap = (_path, position) => {
		if (fired || harness.files.reads.length < nth || position < 64 * 1024) return;
		fired = true;
		interrupt(control);
	};
	try {
		const run = await harness.backUp({ control, checkpoints: CHECKPOINTS, readAheadBytes: 0 });
		expect(fired).toBe(true);
		return run;
	} finally {
		harness.files.tap = undefined;
	}
}

/** Device paths recorded as done, in the journal or on the drive, right now. */
async function recordedDone(harness: BackupHarness): Promise<Set<string>> {
	const done = new Set(harness.manifest().entries.map((entry) => entry.devicePath));
	for (const row of await harness.db.backupFiles.toArray()) if (doneEntry(row) !== undefined) done.add(row.devicePath);
	return done;
}

/** The run after an interruption completes the backup, and copies nothing that was recorded as done. */
async function resumesCleanly(harness: BackupHarness, doneBefore: Set<string>): Promise<RunRecord> {
	const resumed = await harness.backUp({ checkpoints: CHECKPOINTS });
	expect(resumed.result.outcome).toBe('complete');
	expect(resumed.result.failed).toEqual([]);
	for (const path of resumed.reads) expect(doneBefore.has(path), `${path} was read again`).toBe(false);
	expect(resumed.state.leftoversRemoved.every((path) => /\.part-[0-9a-f]{8}|\.crswap$/.test(path))).toBe(true);
	await harness.expectComplete();
	return resumed;
}

describe('resuming an interrupted backup', () => {
	it('after a cancel in the middle of a file', async () => {
		const harness = new BackupHarness({ profile: PROFILE, seed: 11, realMedia, chunkSize: 32 * 1024 });
		const first = await interrupted(harness, 12, (control) => control.cancel());
		expect(first.result.outcome).toBe('cancelled');
		expect(harness.folderFiles().leftovers).toEqual([]); // the current file's temporary copy went at once
		const done = await recordedDone(harness);
		expect(done.size).toBe(first.committed.length); // everything finished was recorded on the way out
		// Every file read before the one cancelled was finished: copied, or found only in iCloud.
		expect(first.reads).toHaveLength(12);
		expect(first.committed.length + first.result.inICloud.length).toBe(11);
		expect((await harness.db.backupRuns.toArray()).map((run) => run.outcome)).toEqual(['cancelled']);
		const second = await resumesCleanly(harness, done);
		expect(second.plan.byReason.unfinished).toBe(second.plan.total.files);
	});

	it('after the drive filled up in the middle of a file, once space is freed', async () => {
		const harness = new BackupHarness({ profile: PROFILE, seed: 12, realMedia, chunkSize: 32 * 1024 });
		const first = await interrupted(harness, 9, () => harness.memory.failWritesAfter(0));
		expect(first.result.outcome).toBe('stopped');
		expect(first.result.error).toMatchObject({ code: 'disk-full', advice: expect.stringMatching(/room/) });
		const done = await recordedDone(harness);
		expect(done.size).toBe(first.committed.length);
		harness.memory.failWritesAfter(undefined);
		const second = await resumesCleanly(harness, done);
		expect(second.state.recordedOnDrive).toBeGreaterThan(0); // the journal knew more than the manifest could be told
	});

	it('after permission to the folder was withdrawn, once it is granted again', async () => {
		const harness = new BackupHarness({ profile: PROFILE, seed: 13, realMedia, chunkSize: 32 * 1024 });
		const first = await interrupted(harness, 10, () => harness.memory.setPermission('denied'));
		expect(first.result).toMatchObject({ outcome: 'stopped', error: { code: 'folder-permission' } });
		harness.memory.setPermission('granted');
		await resumesCleanly(harness, await recordedDone(harness));
	});

	it('after the iPhone was unplugged, once it is back', async () => {
		const harness = new BackupHarness({ profile: PROFILE, seed: 14, realMedia, chunkSize: 32 * 1024 });
		const first = await interrupted(harness, 8, () => {
			harness.files.inner.failWith = new DeviceError('unplugged', 'The iPhone was disconnected.');
		});
		expect(first.result).toMatchObject({ outcome: 'stopped', error: { code: 'unplugged' } });
		expect(harness.folderFiles().leftovers).toEqual([]);
		harness.files.inner.failWith = undefined;
		await resumesCleanly(harness, await recordedDone(harness));
	});

	it('after the browser crashed: temporary files left, the last records lost; nothing is stored twice', async () => {
		const harness = new BackupHarness({ profile: PROFILE, seed: 15, realMedia, chunkSize: 32 * 1024 });
		let doneAtCrash = new Set<string>();
		const first = await interrupted(harness, 13, () => harness.crashBrowser());
		expect(first.result.outcome).toBe('stopped');
		harness.restartBrowser();
		doneAtCrash = await recordedDone(harness);
		// Files named in the folder after the last journal checkpoint: copied, but recorded nowhere.
		const unrecorded = first.committed.filter((path) => !harness.manifest().entries.some((entry) => entry.path === path));
		const journalPaths = new Set((await harness.db.backupFiles.toArray()).map((row) => row.path));
		const lost = unrecorded.filter((path) => !journalPaths.has(path));
		expect(lost.length).toBeGreaterThan(0);
		// The file on its way (being written: its swap file too; being read back: its temporary file) stays.
		expect(harness.folderFiles().leftovers.some((path) => /\.part-[0-9a-f]{8}(\.crswap)?$/.test(path))).toBe(true);

		const second = await resumesCleanly(harness, doneAtCrash);
		// Those were read again from the phone, found in the folder by their bytes, and not written again.
		expect(second.result.deduplicated.map((entry) => entry.path).sort()).toEqual(lost.sort());
		expect(second.committed.filter((path) => lost.includes(path))).toEqual([]);
	});

	it('after a crash, in a new browser profile: the drive alone is enough', async () => {
		const harness = new BackupHarness({ profile: PROFILE, seed: 16, realMedia, chunkSize: 32 * 1024 });
		await interrupted(harness, 10, () => harness.crashBrowser());
		harness.freshProfile();
		const onDrive = new Set(harness.manifest().entries.map((entry) => entry.devicePath));
		expect(onDrive.size).toBeGreaterThan(0);
		await resumesCleanly(harness, onDrive);
	});
});

describe('the folder is the record', () => {
	it('files deleted from the folder, a month of them included, or left at another size are planned again, and only they are read', async () => {
		const harness = new BackupHarness({ profile: PROFILE, seed: 21, realMedia, chunkSize: 32 * 1024 });
		const first = await harness.backUp();
		expect(first.result.outcome).toBe('complete');
		const top = harness.folder!.name;
		const entries = harness.manifest().entries;
		const month = entries[0]!.path.split('/').slice(0, 2).join('/');
		const others = entries.filter((entry) => !entry.path.startsWith(`${month}/`));
		const [deleted, shortened] = [others[0]!, others.at(-1)!];
		harness.memory.delete(`${top}/${month}`);
		harness.memory.delete(`${top}/${deleted.path}`);
		// Someone's own edit of a file: it is theirs now, never replaced; the phone's copy goes beside it.
		harness.memory.write(`${top}/${shortened.path}`, 'edited by hand');
		const lost = entries.filter((entry) => entry.path.startsWith(`${month}/`) || entry === deleted || entry === shortened);
		const expected = [...new Set(lost.map((entry) => entry.devicePath))].sort();

		const again = await harness.backUp();
		expect(again.state.missingFromFolder.map((entry) => entry.devicePath).sort()).toEqual(expected);
		expect(again.plan.total.files).toBe(expected.length);
		expect([...new Set(again.reads)].sort()).toEqual(expected);
		expect(again.result.outcome).toBe('complete');
		expect(harness.memory.readText(`${top}/${shortened.path}`)).toBe('edited by hand');
		expect(harness.manifest().entries.find((entry) => entry.devicePath === shortened.devicePath)?.path).not.toBe(shortened.path);
		// The person's file is not the backup's: without it, the folder is exactly the complete backup.
		harness.memory.delete(`${top}/${shortened.path}`);
		await harness.expectComplete();
	});
});

describe('a manifest this version cannot vouch for', () => {
	it('from a newer version: nothing is backed up into the folder and nothing of it is replaced', async () => {
		const harness = new BackupHarness({ profile: 'small', realMedia });
		await harness.backUp();
		const path = `${harness.folder!.name}/manifest.json`;
		const newer = harness.memory.readText(path)!.replace(/"version":\s*\d+/, '"version": 99');
		harness.memory.write(path, newer);
		const before = harness.memory.files();
		harness.files.rename('/DCIM/102APPLE/IMG_2908.PNG', '/DCIM/104APPLE/IMG_5000.PNG');
		await expect(harness.backUp()).rejects.toMatchObject({ code: 'backup-newer', message: 'The backup in this folder was made by a newer version of this page.' });
		expect(harness.memory.readText(path)).toBe(newer);
		expect(harness.memory.files()).toEqual(before);
	});

	it('damaged: set aside, said in plain words, and the folder’s files are what counts', async () => {
		const harness = new BackupHarness({ profile: 'small', realMedia });
		await harness.backUp();
		const path = `${harness.folder!.name}/manifest.json`;
		harness.memory.write(path, harness.memory.readText(path)!.slice(0, 300));
		const again = await harness.backUp();
		expect(again.state.manifestProblem?.kind).toBe('not-json');
		expect(again.result.outcome).toBe('complete');
		expect(harness.memory.readText(`${harness.folder!.name}/manifest.unreadable-1.json`)?.length).toBe(300);
		await harness.expectComplete();
	});
});

describe('resuming, whatever stops the backup wherever', () => {
	type Stop = 'cancel' | 'disk-full' | 'permission' | 'unplug' | 'crash' | 'crash, new profile';
	const stops: Stop[] = ['cancel', 'disk-full', 'permission', 'unplug', 'crash', 'crash, new profile'];

	it('ends with the same complete, verified folder, and never reads a file recorded as done again', async () => {
		await fc.assert(
			fc.asyncProperty(
				fc.constantFrom(...stops),
				fc.integer({ min: 1, max: 8 }),
				fc.integer({ min: 0, max: 3 }),
				fc.record({ journal: fc.integer({ min: 1, max: 5 }), manifest: fc.integer({ min: 1, max: 9 }) }),
				async (stop, nth, chunk, every) => {
					const harness = new BackupHarness({ profile: 'small', realMedia, chunkSize: 64 * 1024 });
					const control = new BackupController();
					let fired = false;
					harness.files.tap = (_path, position) => {
						if (fired || harness.files.reads.length < nth || position < chunk * 64 * 1024) return;
						fired = true;
						if (stop === 'cancel') control.cancel();
						if (stop === 'disk-full') harness.memory.failWritesAfter(0);
						if (stop === 'permission') harness.memory.setPermission('denied');
						if (stop === 'unplug') harness.files.inner.failWith = new DeviceError('unplugged', 'The iPhone was disconnected.');
						if (stop.startsWith('crash')) harness.crashBrowser();
					};
					const checkpoints = { journal: { files: every.journal, seconds: 1e9 }, manifest: { files: every.manifest, seconds: 1e9 } };
					const first = await harness.backUp({ control, checkpoints });
					harness.files.tap = undefined;
					if (fired) expect(first.result.outcome).not.toBe('complete');
					harness.memory.failWritesAfter(undefined);
					harness.memory.setPermission('granted');
					harness.files.inner.failWith = undefined;
					if (stop === 'crash') harness.restartBrowser();
					if (stop === 'crash, new profile') harness.freshProfile();
					const done = await recordedDone(harness);
					const second = await harness.backUp({ checkpoints });
					expect(second.result.outcome).toBe('complete');
					for (const path of second.reads) expect(done.has(path)).toBe(false);
					await harness.expectComplete();
				},
			),
			{ numRuns: 24 },
		);
	});
});
