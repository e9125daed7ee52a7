import 'fake-indexeddb/auto';
import * as Comlink from 'comlink';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HashService, remoteHashers } from '../hash';
import { PROFILES, type CameraRollProfile, type RealMedia } from '../../sim/camera-roll';
import { loadRealMedia } from '../../sim/camera-roll/real-media-node';
import { DeviceError } from '../errors';
import { BackupController } from './controller';
import { MAX_RECONNECTS_WITHOUT_PROGRESS, type Reconnect } from './engine';
import type { BackupProgress } from './progress';
import { BackupHarness } from '../../testing/backup/backup-harness-node';

let realMedia: RealMedia;
beforeAll(async () => {
	realMedia = await loadRealMedia();
});

/** `typical`, trimmed to stay fast: fewer items, short videos, no ProRAW; iCloud items, placeholders, edits and wrapped numbers kept. */
const TRIMMED: CameraRollProfile = {
	...PROFILES.typical,
	items: 100,
	firstNumber: 9_950,
	gapShare: 0.05,
	imports: 3,
	iCloudShare: 0.1,
	placeholderShare: 0.05,
	editedShare: 0.15,
	cameraAdjustmentShare: 0.1,
	mix: { ...PROFILES.typical.mix, proraw: 0, video: 3 },
	video: { minBytes: 500_000, maxBytes: 3_000_000, skew: 2 },
};

const ports: MessagePort[] = [];
afterEach(() => {
	for (const port of ports.splice(0)) port.close();
});

describe('a full backup', () => {
	it('copies the small profile whole, verified, named and recorded', async () => {
		const harness = new BackupHarness({ profile: 'small', realMedia });
		const { result, plan } = await harness.backUp();
		expect(result).toMatchObject({ outcome: 'complete', failed: [], inICloud: [], deduplicated: [], redone: [] });
		expect(result.copied).toEqual({ files: 8, bytes: plan.total.bytes });
		expect(harness.folderFiles().files).toContain('2025/05/IMG_3582.HEIC');
		expect(harness.folderFiles().files).toContain('2025/05/IMG_3582.MOV');
		await harness.expectComplete();
		const runs = await harness.db.backupRuns.toArray();
		expect(runs).toMatchObject([{ outcome: 'complete', copied: { files: 8 }, planned: { files: 8 } }]);
		expect((await harness.db.backupFiles.toArray()).map((row) => row.state)).toEqual(Array(8).fill('done'));
	});

	it('copies a typical library: placeholders listed, never failed; Live Photos and edits together', async () => {
		const harness = new BackupHarness({ profile: TRIMMED, seed: 5, realMedia });
		const { result, plan } = await harness.backUp();
		expect(result.outcome).toBe('complete');
		expect(result.failed).toEqual([]);
		const placeholders = [...harness.roll.files()].filter((file) => file.unreadable).map((file) => file.path);
		expect(placeholders.length).toBeGreaterThan(0);
		// Known from describing (listed in the plan), or found while copying (recorded as in iCloud).
		expect([...plan.inICloud.flatMap((item) => item.files), ...result.inICloud].sort()).toEqual(placeholders.sort());
		expect(result.inICloud.length).toBeGreaterThan(0);
		for (const category of ['photos', 'livePhotos', 'videos', 'edits'] as const) expect(plan.byCategory[category].files).toBeGreaterThan(0);
		expect(result.copied.files + result.inICloud.length).toBe(plan.total.files);
		await harness.expectComplete();
	});
});

describe('the next backup', () => {
	it('copies only the photos taken since, and reads nothing else', async () => {
		const harness = new BackupHarness({ profile: 'small', realMedia });
		await harness.backUp();
		const added = harness.roll.addPhotos(5);
		const second = await harness.backUp();
		expect(second.plan.total.files).toBe(5);
		expect(second.plan.alreadyBackedUp.files).toBe(8);
		expect(second.reads.sort()).toEqual([...added].sort());
		expect(second.committed).toHaveLength(5);
		await harness.expectComplete();
		const third = await harness.backUp();
		expect(third.plan.total.files).toBe(0);
		expect(third.reads).toEqual([]);
		expect(third.result.outcome).toBe('complete');
	});

	it('copies nothing already there when a new browser profile finds the folder: the manifest is enough', async () => {
		const harness = new BackupHarness({ profile: 'small', realMedia });
		await harness.backUp();
		harness.freshProfile();
		expect(await harness.db.backupFiles.count()).toBe(0);
		const added = harness.roll.addPhotos(2, { live: true });
		const { plan, reads, committed } = await harness.backUp();
		expect(plan.alreadyBackedUp.files).toBe(8);
		expect(reads.sort()).toEqual([...added].sort());
		expect(committed).toHaveLength(added.length);
		await harness.expectComplete();
	});

	it('stores a file renamed on the phone once: recorded at the copy already there', async () => {
		const harness = new BackupHarness({ profile: 'small', realMedia });
		await harness.backUp();
		const before = harness.folderFiles().files;
		harness.files.rename('/DCIM/102APPLE/IMG_2908.PNG', '/DCIM/104APPLE/IMG_5000.PNG');
		const { plan, result, committed, reads } = await harness.backUp();
		expect(plan.assets.flatMap((asset) => asset.files.map((file) => [file.devicePath, file.maybeDuplicate]))).toEqual([['/DCIM/104APPLE/IMG_5000.PNG', true]]);
		expect(reads).toEqual(['/DCIM/104APPLE/IMG_5000.PNG']);
		expect(committed).toEqual([]);
		const original = harness.manifest().entries.find((entry) => entry.devicePath === '/DCIM/102APPLE/IMG_2908.PNG')!;
		expect(result.deduplicated).toEqual([{ devicePath: '/DCIM/104APPLE/IMG_5000.PNG', path: original.path }]);
		expect(harness.manifest().entries.find((entry) => entry.devicePath === '/DCIM/104APPLE/IMG_5000.PNG')).toMatchObject({ path: original.path, sha256: original.sha256 });
		expect(harness.folderFiles()).toEqual({ files: before, leftovers: [] });
		expect((await harness.backUp()).reads).toEqual([]);
	});

	it('trusts bytes, not records: a renamed file whose recorded copy was altered in the folder (same size) is copied', async () => {
		const harness = new BackupHarness({ profile: 'small', realMedia });
		await harness.backUp();
		const original = harness.manifest().entries.find((entry) => entry.devicePath === '/DCIM/102APPLE/IMG_2908.PNG')!;
		const top = harness.folder!.name;
		const altered = harness.memory.read(`${top}/${original.path}`)!.slice();
		altered[altered.length - 1] = altered.at(-1)! ^ 0xff;
		harness.memory.write(`${top}/${original.path}`, altered);
		harness.files.rename('/DCIM/102APPLE/IMG_2908.PNG', '/DCIM/104APPLE/IMG_5000.PNG');
		const { result, committed } = await harness.backUp();
		expect(result.deduplicated).toEqual([]);
		expect(committed).toHaveLength(1);
		const entry = harness.manifest().entries.find((e) => e.devicePath === '/DCIM/104APPLE/IMG_5000.PNG')!;
		expect(entry.path).not.toBe(original.path);
		expect(harness.sha256Of(entry.path)).toBe(original.sha256);
	});

	it('copies a file changed on the phone again, beside the earlier copy, which stays', async () => {
		const harness = new BackupHarness({ profile: 'small', realMedia });
		await harness.backUp();
		harness.roll.changeSizeWhileReading('/DCIM/103APPLE/IMG_3582.AAE', { afterBytes: 0, newSize: 1_500 });
		await harness.roll.read('/DCIM/103APPLE/IMG_3582.AAE', 0, 1); // the phone rewrites it
		const { plan, result } = await harness.backUp();
		expect(plan.assets.flatMap((asset) => asset.files.map((file) => [file.devicePath, file.reason]))).toEqual([['/DCIM/103APPLE/IMG_3582.AAE', 'changed']]);
		expect(result.copied.files).toBe(1);
		const versions = harness.manifest().entries.filter((entry) => entry.devicePath === '/DCIM/103APPLE/IMG_3582.AAE');
		expect(versions.map((entry) => [entry.size, entry.path]).sort()).toEqual([
			[1_279, '2025/05/IMG_3582.AAE'],
			[1_500, '2025/05/IMG_3582 (2).AAE'],
		]);
		expect(harness.sha256Of('2025/05/IMG_3582 (2).AAE')).toBe(await harness.roll.expectedSha256('/DCIM/103APPLE/IMG_3582.AAE'));
	});
});

describe('files that fail on their own', () => {
	it('records a file only in iCloud, and one gone since the scan, and goes on; the next run retries them', async () => {
		const harness = new BackupHarness({ profile: 'small', realMedia });
		// Sidecars are not opened while describing, so these turn bad after the plan, as during a long backup.
		harness.roll.setUnreadable('/DCIM/103APPLE/IMG_O3582.AAE');
		let deleted = false;
		harness.files.tap = (path) => {
			if (deleted || path !== '/DCIM/100APPLE/IMG_0102.HEIC') return;
			deleted = true;
			harness.roll.delete('/DCIM/103APPLE/IMG_3539.MOV');
		};
		const first = await harness.backUp();
		expect(first.result.outcome).toBe('complete');
		expect(first.result.inICloud).toEqual(['/DCIM/103APPLE/IMG_O3582.AAE']);
		expect(first.result.failed).toMatchObject([{ devicePath: '/DCIM/103APPLE/IMG_3539.MOV', code: 'file-not-found' }]);
		expect(first.result.copied.files).toBe(6);
		const states = Object.fromEntries((await harness.db.backupFiles.toArray()).map((row) => [row.devicePath, row.state]));
		expect(states).toMatchObject({ '/DCIM/103APPLE/IMG_O3582.AAE': 'in-icloud', '/DCIM/103APPLE/IMG_3539.MOV': 'failed', '/DCIM/103APPLE/IMG_3582.AAE': 'done' });

		harness.files.tap = undefined;
		harness.roll.setUnreadable('/DCIM/103APPLE/IMG_O3582.AAE', false);
		const second = await harness.backUp();
		expect(second.plan.byReason).toEqual({ new: 0, changed: 0, unfinished: 1 });
		expect(second.reads).toEqual(['/DCIM/103APPLE/IMG_O3582.AAE']);
		await harness.expectComplete();
	});

	it('copies a file that changed while being read again, once; a file that keeps changing is reported', async () => {
		const harness = new BackupHarness({ profile: 'small', realMedia, chunkSize: 64 * 1024 });
		const growing = '/DCIM/103APPLE/IMG_3582.MOV';
		const restless = '/DCIM/101APPLE/IMG_1064.JPG';
		let restlessReads = 0;
		harness.files.tap = (path, position) => {
			if (position !== 0) return;
			if (path === growing && harness.files.reads.filter((read) => read === growing).length === 1) {
				harness.roll.changeSizeWhileReading(growing, { afterBytes: 100_000, newSize: 3_100_000 });
			}
			if (path === restless) harness.roll.changeSizeWhileReading(restless, { afterBytes: 100_000, newSize: 2_000_000 + ++restlessReads });
		};
		const { result } = await harness.backUp();
		expect(result.outcome).toBe('complete');
		expect(result.redone).toEqual([growing]);
		expect(result.failed).toMatchObject([{ devicePath: restless, code: 'file-changed' }]);
		expect(harness.files.reads.filter((read) => read === restless)).toHaveLength(2);
		const entry = harness.manifest().entries.find((e) => e.devicePath === growing)!;
		expect(entry.size).toBe(3_100_000);
		expect(entry.modifiedTime).toBe(harness.roll.file(growing)!.modifiedTimeMs);
		expect(harness.sha256Of(entry.path)).toBe(await harness.roll.expectedSha256(growing));
		expect(harness.folderFiles().leftovers).toEqual([]);
		// The old version's planned row is gone; the new one is done.
		const rows = (await harness.db.backupFiles.toArray()).filter((row) => row.devicePath === growing);
		expect(rows.map((row) => [row.size, row.state])).toEqual([[3_100_000, 'done']]);

		harness.files.tap = undefined;
		await harness.backUp();
		await harness.expectComplete();
	});
});

describe('keeping the cable busy', () => {
	it('asks the phone for the next file while the last one is read back and saved, and still copies each whole', async () => {
		const harness = new BackupHarness({ profile: 'small', realMedia });
		const events: string[] = [];
		harness.files.tap = (path, position) => {
			if (position === 0) events.push(`read ${path}`);
		};
		harness.pendingHook = (pending) => ({
			...pending,
			commit: async () => {
				events.push(`save ${pending.path}`);
				await pending.commit();
			},
		});
		const { result, reads } = await harness.backUp();
		expect(result.outcome).toBe('complete');
		expect(reads).toHaveLength(8);
		const readAt = events.flatMap((event, at) => (event.startsWith('read ') ? [at] : []));
		const savedAt = events.flatMap((event, at) => (event.startsWith('save ') ? [at] : []));
		expect(savedAt).toHaveLength(8);
		// Each file but the first starts to come from the phone before the file before it is saved.
		for (let i = 1; i < readAt.length; i++) expect(readAt[i]).toBeLessThan(savedAt[i - 1]!);
		await harness.expectComplete();
	});
});

describe('verification', () => {
	it('reads each file back before naming it: a mismatch is copied again once, then reported, never kept', async () => {
		const harness = new BackupHarness({ profile: 'small', realMedia });
		const isFlaky = (path: string) => path.endsWith('/IMG_3582.HEIC');
		const isBroken = (path: string) => path.endsWith('/IMG_3539.MOV');
		let flakyReads = 0;
		const readBacks: string[] = [];
		harness.pendingHook = (pending) => ({
			...pending,
			readBack: async () => {
				readBacks.push(pending.path);
				const stream = await pending.readBack();
				const corrupt = isBroken(pending.path) || (isFlaky(pending.path) && ++flakyReads === 1);
				if (!corrupt) return stream;
				let first = true;
				return stream.pipeThrough(
					new TransformStream<Uint8Array, Uint8Array>({
						transform(chunk, controller) {
							if (first) chunk[0] = chunk[0]! ^ 1;
							first = false;
							controller.enqueue(chunk);
						},
					}),
				);
			},
		});
		const { result, committed } = await harness.backUp();
		expect(result.outcome).toBe('complete');
		expect(result.redone).toEqual(['/DCIM/103APPLE/IMG_3582.HEIC']);
		expect(result.failed).toMatchObject([{ devicePath: '/DCIM/103APPLE/IMG_3539.MOV', code: 'verify-failed', advice: expect.stringMatching(/drive/) }]);
		expect(committed.filter(isBroken)).toEqual([]);
		expect(readBacks.filter(isBroken)).toHaveLength(2);
		expect(readBacks.filter(isFlaky)).toHaveLength(2);
		expect(harness.folderFiles().leftovers).toEqual([]);
		expect(harness.folderFiles().files.filter(isBroken)).toEqual([]);

		harness.pendingHook = undefined;
		await harness.backUp();
		await harness.expectComplete();
	});

	it('can be turned off: nothing is read back', async () => {
		const harness = new BackupHarness({ profile: 'small', realMedia });
		let readBacks = 0;
		harness.pendingHook = (pending) => ({
			...pending,
			readBack: () => {
				readBacks++;
				return pending.readBack();
			},
		});
		const { result } = await harness.backUp({ verify: false });
		expect(result).toMatchObject({ outcome: 'complete', copied: { files: 8 } });
		expect(readBacks).toBe(0);
		await harness.expectComplete();
	});
});

describe('while it runs', () => {
	it('hands over the first bytes of each file it was asked for, as they were read, across chunks', async () => {
		const harness = new BackupHarness({ profile: 'small', realMedia, chunkSize: 40 * 1024 });
		const heads = new Map<string, Uint8Array>();
		const announced: string[] = [];
		let clock = 0;
		const { plan } = await harness.backUp({
			// Progress at most once an hour of this clock: only forced reports get out.
			now: () => (clock += 1),
			progressIntervalMs: 3_600_000,
			onProgress: (progress) => {
				const current = progress.current?.devicePath;
				if (current !== undefined && heads.has(current) && !announced.includes(current)) announced.push(current);
			},
			fileHead: {
				bytesFor: (path) => (path.endsWith('.MOV') ? 0 : 100_000),
				take: (path, head) => {
					expect(heads.has(path)).toBe(false);
					heads.set(path, head.slice());
				},
			},
		});
		// The page hears of each head at once, not with the next periodic report.
		expect(announced.sort()).toEqual([...heads.keys()].sort());
		const stills = plan.assets.flatMap((asset) => asset.files).filter((file) => !file.devicePath.endsWith('.MOV'));
		expect([...heads.keys()].sort()).toEqual(stills.map((file) => file.devicePath).sort());
		for (const file of stills) {
			const bytes = await harness.roll.read(file.devicePath, 0, 100_000);
			// A file shorter than asked for (an AAE sidecar) comes whole.
			expect(heads.get(file.devicePath)).toEqual(bytes.subarray(0, Math.min(100_000, file.size)));
		}
		await harness.expectComplete();
	});

	it('reports progress: counts that add up, the current file, a speed and the time left', async () => {
		const harness = new BackupHarness({ profile: 'small', realMedia, chunkSize: 64 * 1024 });
		let clock = 0;
		const events: BackupProgress[] = [];
		const { plan } = await harness.backUp({
			now: () => (clock += 7),
			progressIntervalMs: 0,
			onProgress: (progress) => events.push(progress),
		});
		const copying = events.filter((event) => event.phase === 'copying');
		expect(copying.length).toBeGreaterThan(50);
		for (let i = 1; i < events.length; i++) {
			expect(events[i]!.bytes.done).toBeGreaterThanOrEqual(events[i - 1]!.bytes.done);
			expect(events[i]!.files.done).toBeGreaterThanOrEqual(events[i - 1]!.files.done);
		}
		expect(copying.some((event) => event.current?.devicePath === '/DCIM/103APPLE/IMG_3582.MOV' && event.current.path === '2025/05/IMG_3582.MOV' && event.current.bytesDone > 0)).toBe(true);
		const late = copying.at(-1)!;
		expect(late.bytesPerSecond).toBeGreaterThan(0);
		expect(late.secondsLeft).toBeCloseTo((late.bytes.total - late.bytes.done) / late.bytesPerSecond!);
		expect(events.at(-1)).toMatchObject({
			phase: 'finished',
			assets: { done: plan.total.assets, total: plan.total.assets },
			files: { done: 8, total: 8 },
			bytes: { done: plan.total.bytes, total: plan.total.bytes },
			copied: 8,
			current: undefined,
		});
	});

	it('pauses between chunks, saving what is done, and resumes where it was', async () => {
		const harness = new BackupHarness({ profile: 'small', realMedia, chunkSize: 64 * 1024 });
		const control = new BackupController();
		let paused: () => void;
		const pausedNow = new Promise<void>((resolve) => (paused = resolve));
		harness.files.tap = (path, position) => {
			if (path === '/DCIM/103APPLE/IMG_3582.HEIC' && position === 128 * 1024) control.pause();
		};
		const events: BackupProgress[] = [];
		const running = harness.backUp({
			control,
			// The file paused in is the one being copied: nothing is read ahead of it.
			readAheadBytes: 0,
			progressIntervalMs: 0,
			onProgress: (progress) => {
				events.push(progress);
				if (progress.phase === 'paused') paused();
			},
		});
		await pausedNow;
		for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
		const readsWhilePaused = harness.files.inner.log.bytesRead;
		for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
		expect(harness.files.inner.log.bytesRead).toBe(readsWhilePaused);
		const doneWhenPaused = events.at(-1)!.files.done;
		expect(doneWhenPaused).toBeGreaterThan(0);
		expect(harness.manifest().entries).toHaveLength(doneWhenPaused); // saved on pause
		control.resume();
		const { result } = await running;
		expect(result.outcome).toBe('complete');
		expect(events.some((event) => event.phase === 'copying' && event.files.done === doneWhenPaused && events.indexOf(event) > events.findIndex((e) => e.phase === 'paused'))).toBe(true);
		await harness.expectComplete();
	});
});

describe('when the file connection breaks', () => {
	const reset = () => new DeviceError('connection-reset', 'The iPhone closed the file connection.');
	const VIDEO = '/DCIM/103APPLE/IMG_3582.MOV';

	it('reconnects and copies the interrupted file again from its start; nothing twice, no temporary file', async () => {
		const harness = new BackupHarness({ profile: 'small', realMedia, chunkSize: 64 * 1024 });
		let broken = false;
		harness.files.tap = (path, position) => {
			if (!broken && path === VIDEO && position >= 256 * 1024) {
				broken = true;
				throw reset();
			}
		};
		const failures: string[] = [];
		const reconnect: Reconnect = async (failure) => {
			failures.push(failure.code);
			return harness.files;
		};
		const events: BackupProgress[] = [];
		const { result, reads } = await harness.backUp({ reconnect, progressIntervalMs: 0, onProgress: (p) => events.push(p) });
		expect(result).toMatchObject({ outcome: 'complete', failed: [], copied: { files: 8 } });
		expect(failures).toEqual(['connection-reset']);
		expect(reads.filter((path) => path === VIDEO)).toHaveLength(2);
		expect(events.find((event) => event.phase === 'reconnecting')?.waiting).toMatchObject({ code: 'connection-reset' });
		expect(events.at(-1)?.phase).toBe('finished');
		await harness.expectComplete();
	});

	it('tells what the reconnection waits for (a locked phone) and goes on once it is done', async () => {
		const harness = new BackupHarness({ profile: 'small', realMedia, chunkSize: 64 * 1024 });
		let broken = false;
		harness.files.tap = (path) => {
			if (!broken && path === VIDEO) {
				broken = true;
				throw new DeviceError('timeout', 'The iPhone stopped answering file requests.');
			}
		};
		const events: BackupProgress[] = [];
		const reconnect: Reconnect = async (_failure, { waiting }) => {
			waiting(new DeviceError('locked', 'Unlock your iPhone.'));
			return harness.files;
		};
		const { result } = await harness.backUp({ reconnect, progressIntervalMs: 0, onProgress: (p) => events.push(p) });
		expect(result.outcome).toBe('complete');
		const waits = events.filter((event) => event.phase === 'reconnecting').map((event) => event.waiting?.code);
		expect(waits).toEqual(['timeout', 'locked']);
		expect(events.filter((event) => event.phase !== 'reconnecting').every((event) => event.waiting === undefined)).toBe(true);
		await harness.expectComplete();
	});

	it(`stops after ${MAX_RECONNECTS_WITHOUT_PROGRESS} reconnections without a file finished; what was done is kept and the next run finishes`, async () => {
		const harness = new BackupHarness({ profile: 'small', realMedia, chunkSize: 64 * 1024 });
		harness.files.tap = (path, position) => {
			if (path === VIDEO && position > 0) throw reset();
		};
		let reconnects = 0;
		const { result } = await harness.backUp({ reconnect: async () => (reconnects++, harness.files) });
		expect(result.outcome).toBe('stopped');
		expect(result.error?.code).toBe('connection-reset');
		expect(reconnects).toBe(MAX_RECONNECTS_WITHOUT_PROGRESS);
		expect(harness.folderFiles().leftovers).toEqual([]);
		expect(harness.manifest().entries.length).toBe(result.copied.files);

		const done = new Set(harness.manifest().entries.map((entry) => entry.devicePath));
		harness.files.tap = undefined;
		const next = await harness.backUp();
		expect(next.plan.total.files).toBe(8 - result.copied.files);
		expect(next.reads.filter((path) => done.has(path))).toEqual([]);
		await harness.expectComplete();
	});

	it('without a way to reconnect, or when reconnecting fails, stops with the failure for the person to resume', async () => {
		for (const reconnect of [undefined, async () => Promise.reject(new DeviceError('unplugged', 'The iPhone was disconnected.'))]) {
			const harness = new BackupHarness({ profile: 'small', realMedia, chunkSize: 64 * 1024 });
			let broken = false;
			harness.files.tap = (path) => {
				if (!broken && path === VIDEO) {
					broken = true;
					throw reset();
				}
			};
			const { result } = await harness.backUp({ reconnect });
			expect(result.outcome).toBe('stopped');
			expect(result.error?.code).toBe(reconnect === undefined ? 'connection-reset' : 'unplugged');
			expect(harness.folderFiles().leftovers).toEqual([]);
			harness.files.tap = undefined;
			await harness.backUp();
			await harness.expectComplete();
		}
	});

	it('is cancelled while it waits to reconnect', async () => {
		const harness = new BackupHarness({ profile: 'small', realMedia, chunkSize: 64 * 1024 });
		harness.files.tap = (path) => {
			if (path === VIDEO) throw reset();
		};
		const control = new BackupController();
		const reconnect: Reconnect = (_failure, { signal }) => {
			queueMicrotask(() => control.cancel());
			return new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
		};
		const { result } = await harness.backUp({ reconnect, control });
		expect(result.outcome).toBe('cancelled');
		expect(harness.folderFiles().leftovers).toEqual([]);
	});
});

describe('memory', () => {
	it('stays bounded for a file much larger than every queue, with hashing in a worker', async () => {
		const bigVideo: CameraRollProfile = {
			...PROFILES.small,
			items: 6,
			mix: { live: 0, heic: 0, jpeg: 0, screenshot: 0, video: 1, proraw: 0 },
			longVideos: [48_000_000],
			video: { minBytes: 1_000_000, maxBytes: 2_000_000, skew: 1 },
		};
		const chunkSize = 128 * 1024;
		const harness = new BackupHarness({ profile: bigVideo, seed: 2, realMedia, chunkSize });
		const service = new HashService();
		const channel = new MessageChannel();
		ports.push(channel.port1, channel.port2);
		Comlink.expose(service, channel.port1);
		const limit = 1024 * 1024;
		const hashers = remoteHashers(Comlink.wrap<HashService>(channel.port2), { maxBytesInFlight: limit });
		const readAheadBytes = 4 * chunkSize;
		const { result } = await harness.backUp({ hashers, readAheadBytes });
		expect(result.outcome).toBe('complete');
		expect(result.copied.bytes).toBeGreaterThan(48_000_000);
		// The engine held what the phone sent ahead (its budget, plus the chunk that crossed it), a chunk
		// being written and one of the file before being read back; the worker's queue stayed under its
		// limit (plus the chunk that crossed it).
		expect(result.maxBytesHeld).toBeGreaterThan(readAheadBytes);
		expect(result.maxBytesHeld).toBeLessThanOrEqual(readAheadBytes + 3 * chunkSize);
		expect(hashers.stats.maxBytesInFlight).toBeGreaterThan(chunkSize);
		expect(hashers.stats.maxBytesInFlight).toBeLessThanOrEqual(limit + chunkSize);
		expect(hashers.stats.chunksCopied).toBe(0); // every chunk moved, none copied
		expect(service.openStreams).toBe(0);
		await harness.expectComplete();
	});
});
