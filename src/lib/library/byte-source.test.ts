import { describe, expect, it } from 'vitest';
import { DeviceError } from '../errors';
import { DeviceFileSource, FileReadFailed } from './byte-source';
import type { DeviceFiles } from './device-files';

/** Files whose bytes are their offsets (mod 256), read only through `readRange`. */
function rangeOnlyFiles(size: number, calls: [number, number][]): DeviceFiles {
	return {
		list: async () => [],
		stat: async () => ({ kind: 'file', size, birthTime: 0, modifiedTime: 0 }),
		read: () => {
			throw new Error('read() is not used when readRange is there');
		},
		readRange: async (path, offset, length) => {
			calls.push([offset, length]);
			if (path.endsWith('.HEIC')) throw new DeviceError('file-unreadable', 'in iCloud');
			const end = Math.min(size, offset + length);
			return Uint8Array.from({ length: Math.max(0, end - offset) }, (_, i) => (offset + i) & 0xff);
		},
	};
}

describe('DeviceFileSource over readRange', () => {
	it('fetches a window per read through readRange and answers nearby reads from it', async () => {
		const calls: [number, number][] = [];
		const source = new DeviceFileSource(rangeOnlyFiles(40_000, calls), '/DCIM/100APPLE/IMG_0001.MOV', 40_000);
		expect(await source.read(0, 12)).toEqual(Uint8Array.from({ length: 12 }, (_, i) => i));
		expect((await source.read(100, 4))[0]).toBe(100);
		expect((await source.read(39_990, 100)).length).toBe(10);
		expect(calls).toEqual([
			[0, 16 * 1024],
			[39_990, 10],
		]);
	});

	it('wraps a refusal in FileReadFailed with the cause', async () => {
		const source = new DeviceFileSource(rangeOnlyFiles(1000, []), '/DCIM/100APPLE/IMG_0002.HEIC', 1000);
		const error = await source.read(0, 10).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(FileReadFailed);
		expect((error as FileReadFailed).cause).toMatchObject({ code: 'file-unreadable' });
	});
});
