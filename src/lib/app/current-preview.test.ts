import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_MEDIA_DIR } from '../../sim/camera-roll/real-media-node';
import { CurrentFilePreview } from './current-preview';

let jpeg: Uint8Array;
beforeAll(async () => {
	jpeg = new Uint8Array(await readFile(new URL('osxphotos/IMG_1064.jpeg', FIXTURE_MEDIA_DIR)));
});

describe('the preview of the file being copied', () => {
	it('asks the engine for the first bytes of stills only', () => {
		const { fileHead } = new CurrentFilePreview();
		expect(fileHead.bytesFor('/DCIM/100APPLE/IMG_1064.JPG')).toBe(128 * 1024);
		expect(fileHead.bytesFor('/DCIM/100APPLE/IMG_0102.HEIC')).toBe(128 * 1024);
		expect(fileHead.bytesFor('/PhotoData/Mutations/DCIM/100APPLE/IMG_0001/Adjustments/FullSizeRender.jpeg')).toBe(128 * 1024);
		expect(fileHead.bytesFor('/DCIM/100APPLE/IMG_3539.MOV')).toBe(0);
		expect(fileHead.bytesFor('/DCIM/100APPLE/IMG_3582.AAE')).toBe(0);
	});

	it("shows the current file's embedded thumbnail once its first bytes are in, and reads it once", () => {
		const preview = new CurrentFilePreview();
		const path = '/DCIM/100APPLE/IMG_1064.JPG';
		expect(preview.of(undefined)).toBeUndefined();
		expect(preview.of(path)).toEqual({ devicePath: path, thumbnail: undefined });
		preview.fileHead.take(path, jpeg.subarray(0, 128 * 1024));
		const shown = preview.of(path)!;
		expect(shown.thumbnail?.jpeg.length).toBe(7267);
		expect(shown.thumbnail?.orientation).toBe(6);
		expect(preview.of(path)).toBe(shown);
	});

	it('never shows one file with the thumbnail of another', () => {
		const preview = new CurrentFilePreview();
		preview.fileHead.take('/DCIM/100APPLE/IMG_1064.JPG', jpeg.subarray(0, 128 * 1024));
		expect(preview.of('/DCIM/100APPLE/IMG_3539.MOV')).toEqual({ devicePath: '/DCIM/100APPLE/IMG_3539.MOV', thumbnail: undefined });
		expect(preview.of('/DCIM/100APPLE/IMG_1065.JPG')?.thumbnail).toBeUndefined();
	});
});
