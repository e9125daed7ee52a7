import 'fake-indexeddb/auto';
import { beforeAll, describe, expect, it } from 'vitest';
import { BackupIndex, planBackup } from '../backup';
import { BackupHarness } from '../../testing/backup/backup-harness-node';
import { describeAssets, groupAssets, localDateTime, scanCameraRoll, type DescribedAsset } from '../library';
import { PROFILES, type RealMedia } from '../../sim/camera-roll';
import { loadRealMedia } from '../../sim/camera-roll/real-media-node';
import { fileKey } from '../store';
import { libraryStatus, overviewOf, type PhoneLibrary } from './library-overview';

let realMedia: RealMedia;
beforeAll(async () => {
	realMedia = await loadRealMedia();
});

async function described(harness: BackupHarness): Promise<DescribedAsset[]> {
	return describeAssets(harness.files, groupAssets((await scanCameraRoll(harness.files)).files));
}

/** The files alone (these tests are of the timeline; the database's part is in phone-library.test.ts). */
const filesAlone = (assets: DescribedAsset[]): PhoneLibrary => ({ assets, absent: [], source: { database: false, reason: 'missing' } });

const total = (months: { backedUp: number; notYet: number; onlyInICloud: number }[], key: 'backedUp' | 'notYet' | 'onlyInICloud') =>
	months.reduce((sum, month) => sum + month[key], 0);
const nothing = { isBackedUp: () => false, foundInICloud: () => false };

describe('the timeline of the camera roll against the backup', () => {
	it('has the months of the overview, each item once', async () => {
		const harness = new BackupHarness({ profile: { ...PROFILES.demo, items: 40, placeholderShare: 0.2 }, seed: 4, realMedia });
		const assets = await described(harness);
		const { months: timeline, counts } = libraryStatus(filesAlone(assets), nothing);
		const overview = overviewOf(filesAlone(assets), { totalBytes: 1, freeBytes: 0 });
		expect(counts).toEqual(overview.counts);
		expect(timeline.map((month) => month.month)).toEqual(overview.months.map((month) => month.month));
		for (const [i, month] of timeline.entries()) {
			expect(month.backedUp + month.notYet + month.onlyInICloud).toBe(overview.months[i]!.assets);
		}
		// Nothing backed up: what can be copied is "not yet", the iCloud-only items are apart, as in the plan.
		expect(total(timeline, 'backedUp')).toBe(0);
		const plan = planBackup(assets, new BackupIndex());
		expect(total(timeline, 'onlyInICloud')).toBe(overview.counts.onlyInICloud);
		expect(overview.counts.onlyInICloud).toBeGreaterThan(0);
		expect(total(timeline, 'notYet') + total(timeline, 'onlyInICloud')).toBe(assets.length);
		// Every item not only in iCloud has files to copy; some of those in iCloud too (a Live Photo's still).
		expect(plan.total.assets).toBeGreaterThanOrEqual(total(timeline, 'notYet'));
		// Files a backup found only in iCloud count with them.
		const found = libraryStatus(filesAlone(assets), { isBackedUp: () => false, foundInICloud: () => true });
		expect(total(found.months, 'onlyInICloud')).toBe(assets.length);
		expect(found.counts.onlyInICloud).toBe(assets.length);
	});

	it('moves what a backup copied to "backed up", and shows only the new photos as "not yet"', async () => {
		const harness = new BackupHarness({ profile: 'small', realMedia });
		const first = await harness.backUp();
		const added = harness.roll.addPhotos(3);
		const assets = await described(harness);
		const backedUp = (file: { path: string; size: number; modifiedTime: number }) =>
			first.state.index.has(fileKey(file.path, file.size, file.modifiedTime));
		const timeline = libraryStatus(filesAlone(assets), { isBackedUp: backedUp, foundInICloud: () => false }).months;
		expect(total(timeline, 'notYet')).toBe(3);
		expect(total(timeline, 'backedUp')).toBe(assets.length - 3);
		// "Not yet" is in the months the new photos were taken in, and nowhere else.
		const newMonths = assets.filter((asset) => added.includes(asset.primary.path)).map((asset) => localDateTime(asset.captureDate).slice(0, 7));
		expect(newMonths).toHaveLength(3);
		expect(timeline.filter((month) => month.notYet > 0).map((month) => month.month)).toEqual([...new Set(newMonths)].sort());
	});
});

describe('what the scan left out', () => {
	it('tells of names and folders no camera roll has, with a few examples, and keeps quiet about hidden and vanished entries', () => {
		const skipped = [
			{ path: '/DCIM/.MISC', reason: 'hidden' as const },
			{ path: '/DCIM/100APPLE/IMG_0001.HEIC', reason: 'vanished' as const },
			...Array.from({ length: 7 }, (_, i) => ({ path: `/DCIM/100APPLE/a/b${i}`, reason: 'bad-name' as const })),
			{ path: '/DCIM/999APPLE', reason: 'too-many' as const },
		];
		const { leftOut } = overviewOf(filesAlone([]), { totalBytes: 1, freeBytes: 0 }, skipped);
		expect(leftOut.count).toBe(8);
		expect(leftOut.examples).toHaveLength(5);
		expect(leftOut.examples[0]).toEqual({ path: '/DCIM/100APPLE/a/b0', why: 'its name cannot be used as a file name' });
		expect(overviewOf(filesAlone([]), { totalBytes: 1, freeBytes: 0 }, skipped.slice(0, 2)).leftOut).toEqual({ count: 0, examples: [] });
	});
});

describe('where the numbers come from', () => {
	it('says in one line why they come from the files alone, and nothing when from the database', () => {
		const reasons = ['missing', 'unreadable', 'locked', 'unknown-schema', 'damaged', 'too-large', 'changing', 'too-slow', 'no-reader'] as const;
		const lines = reasons.map((reason) => overviewOf({ assets: [], absent: [], source: { database: false, reason } }, { totalBytes: 1, freeBytes: 0 }).filesAlone);
		for (const line of lines) expect(line).toMatch(/^[a-z].*[^.]$/);
		expect(new Set(lines).size).toBe(reasons.length);
		expect(overviewOf({ assets: [], absent: [], source: { database: true } }, { totalBytes: 1, freeBytes: 0 }).filesAlone).toBeUndefined();
	});
});
