import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scanCameraRoll, SCAN_LIMITS } from '../../lib/library';
import { VfsDeviceFiles } from '../../testing/library/vfs-device-files';
import { VirtualCameraRoll } from '../camera-roll';
import { lieBytes } from './lie-bytes';
import { LIE_PATHS, LyingFileSystem, SIZE_LIES } from './lying-file-system';

describe('the lying file system', () => {
	it('claims one size and holds another', async () => {
		const fs = new LyingFileSystem(new VirtualCameraRoll(), { sizeLies: true });
		expect(fs.stat(LIE_PATHS.short)?.size).toBe(SIZE_LIES.short.claimed);
		expect(fs.dataSize(LIE_PATHS.short)).toBe(SIZE_LIES.short.actual);
		expect((await fs.read(LIE_PATHS.short, SIZE_LIES.short.actual - 10, 100)).byteLength).toBe(10);
		expect((await fs.read(LIE_PATHS.endless, 1e12, 100)).byteLength).toBe(100);
		expect(fs.dataSize('/DCIM/100APPLE/IMG_0102.HEIC')).toBeUndefined();
	});

	it('leads every way out of the loop back to the loop', () => {
		const fs = new LyingFileSystem(new VirtualCameraRoll(), { loops: { fanout: 3 } });
		const names = fs.list(LIE_PATHS.editsLoop);
		expect(names).toEqual(['again0', 'again1', 'again2']);
		expect(fs.list(`${LIE_PATHS.editsLoop}/again2/again0/again1`)).toEqual(names);
		expect(fs.list('/PhotoData/Mutations/DCIM')).toContain('LOOP');
	});

	it('gives any window of a file the same bytes', () => {
		fc.assert(
			fc.property(fc.string(), fc.nat(1 << 20), fc.nat(300), fc.nat(300), (path, offset, skip, length) => {
				const whole = lieBytes(path, offset, skip + length);
				expect(lieBytes(path, offset + skip, length)).toEqual(whole.subarray(skip));
			}),
		);
	});
});

describe('the scan with its own limits against a lying phone', () => {
	it('looks at the first 10,000 entries of a folder listing more, and says so', async () => {
		const fs = new LyingFileSystem(new VirtualCameraRoll(), { hugeFolder: SCAN_LIMITS.maxFolderEntries + 2_000 });
		const scan = await scanCameraRoll(new VfsDeviceFiles(fs));
		expect(scan.skipped).toEqual([{ path: LIE_PATHS.hugeFolder, reason: 'too-many' }]);
		expect(scan.files.filter((file) => file.path.startsWith(`${LIE_PATHS.hugeFolder}/`))).toHaveLength(SCAN_LIMITS.maxFolderEntries);
	});
});
