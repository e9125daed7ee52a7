import 'fake-indexeddb/auto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RealMedia } from '../../sim/camera-roll';
import { loadRealMedia } from '../../sim/camera-roll/real-media-node';
import { BackupHarness } from '../../testing/backup/backup-harness-node';
import { BackupController } from './controller';

let realMedia: RealMedia;
beforeAll(async () => {
	realMedia = await loadRealMedia();
});

/**
 * A drive that holds at most this many bytes in one file, as FAT32 holds 4 GiB − 1: of the `small`
 * library's files, a JPEG (2,175,827 bytes) and a Live Photo's movie (2,978,475) are larger.
 */
const LIMIT = 2_100_000;
const TOO_LARGE = ['/DCIM/101APPLE/IMG_1064.JPG', '/DCIM/103APPLE/IMG_3582.MOV'];

function limitedDrive(refusal?: string): BackupHarness {
	const harness = new BackupHarness({ profile: 'small', realMedia, fileSizeLimit: LIMIT });
	harness.memory.limitFileSize(LIMIT, refusal);
	return harness;
}

describe('a drive that cannot hold a file that large (FAT32)', () => {
	it.each(['InvalidStateError', 'QuotaExceededError'])('fails that file alone, in plain words, and backs up the rest (%s)', async (refusal) => {
		const harness = limitedDrive(refusal);
		// How far into each file the phone was read (the read-ahead kept to a chunk ahead).
		const readUpTo = new Map<string, number>();
		harness.files.tap = (path, position) => readUpTo.set(path, Math.max(readUpTo.get(path) ?? 0, position));
		const { result } = await harness.backUp({ readAheadBytes: 0 });
		expect(result.outcome).toBe('complete');
		expect(result.failed.map((failure) => failure.devicePath).sort()).toEqual(TOO_LARGE);
		const movie = result.failed.find((failure) => failure.devicePath === '/DCIM/103APPLE/IMG_3582.MOV')!;
		expect(movie).toMatchObject({
			code: 'file-too-large-for-drive',
			message: '“2025/05/IMG_3582.MOV” (3.0 MB) was not copied: the backup folder’s drive cannot hold a file that large.',
		});
		expect(movie.advice).toMatch(/^The drive is most likely formatted as FAT32, which holds files of up to 4 GB\. Everything else was backed up\./);
		expect(movie.advice).toContain('exFAT or NTFS');
		expect(result.copied.files).toBe(6);
		// The first refusal tells the run what the drive holds: the second large file is not read on.
		expect(readUpTo.get(TOO_LARGE[0]!)).toBeGreaterThan(LIMIT - 256 * 1024);
		expect(readUpTo.get(TOO_LARGE[1]!) ?? 0).toBeLessThan(1024 * 1024);
		const { files, leftovers } = harness.folderFiles();
		expect(leftovers).toEqual([]);
		expect(files.some((path) => path.endsWith('IMG_1064.JPG') || path.endsWith('IMG_3582.MOV'))).toBe(false);
		const rows = await harness.db.backupFiles.toArray();
		expect(rows.filter((row) => row.state === 'failed').map((row) => [row.devicePath, row.error?.code])).toEqual(
			expect.arrayContaining(TOO_LARGE.map((path) => [path, 'file-too-large-for-drive'])),
		);
	});

	it('does not read them again on the next runs, even after a run cut short, and says the same', async () => {
		const harness = limitedDrive();
		await harness.backUp();
		const added = harness.roll.addPhotos(3);
		const sizeOf = (path: string) => [...harness.roll.files()].find((file) => file.path === path)!.size;
		const addedTooLarge = added.filter((path) => sizeOf(path) > LIMIT);
		const tooLarge = [...TOO_LARGE, ...addedTooLarge].sort();

		const second = await harness.backUp();
		expect(second.plan.tooLargeForDrive).toEqual({ files: tooLarge.length, bytes: tooLarge.reduce((sum, path) => sum + sizeOf(path), 0) });
		expect(second.plan.space.neededBytes).toBe(second.plan.total.bytes - second.plan.tooLargeForDrive.bytes);
		// The new photos the drive can hold are read; nothing larger is.
		expect(second.reads.sort()).toEqual(added.filter((path) => !addedTooLarge.includes(path)).sort());
		expect(second.result.failed.map((failure) => [failure.devicePath, failure.code]).sort()).toEqual(tooLarge.map((path) => [path, 'file-too-large-for-drive']));
		expect(second.result.failed[0]!.advice).toContain('Everything else was backed up');

		// A run cancelled before it reaches them leaves what is known as it was.
		const control = new BackupController();
		control.cancel();
		expect((await harness.backUp({ control })).result.outcome).toBe('cancelled');
		const fourth = await harness.backUp();
		expect(fourth.plan.tooLargeForDrive.files).toBe(tooLarge.length);
		expect(fourth.reads).toEqual([]);
	});

	it('tries them again in a new iPhone folder (the drive reformatted as exFAT), and backs them up', async () => {
		const harness = limitedDrive();
		await harness.backUp();
		harness.memory.limitFileSize(undefined);
		harness.memory.delete(harness.folder!.name);

		const { plan, result, reads } = await harness.backUp();
		expect(plan.tooLargeForDrive.files).toBe(0);
		expect(reads).toEqual(expect.arrayContaining(TOO_LARGE));
		expect(result).toMatchObject({ outcome: 'complete', failed: [] });
		await harness.expectComplete();
	});

});
