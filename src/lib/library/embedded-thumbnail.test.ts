import { readFile } from 'node:fs/promises';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_MEDIA_DIR } from '../../sim/camera-roll/real-media-node';
import { assembleMedia, heicParts, jpegParts, SAMPLE_STILL } from '../../sim/camera-roll/synthetic-media';
import { readEmbeddedThumbnail } from './embedded-thumbnail';
import { IMAGE_HEAD_BYTES } from './probe-file';

const files: Record<string, Uint8Array> = {};
const load = async (path: string) => (files[path] = new Uint8Array(await readFile(new URL(path, FIXTURE_MEDIA_DIR))));

beforeAll(async () => {
	await Promise.all(['osxphotos/IMG_1064.jpeg', 'osxphotos/IMG_3582.HEIC', 'osxphotos/IMG_0102.HEIC', 'exiftool/Apple.jpg'].map(load));
});

describe('the embedded EXIF thumbnail', () => {
	it("is the JPEG in a real photo's IFD1, found in its first bytes", () => {
		const photo = files['osxphotos/IMG_1064.jpeg']!;
		const found = readEmbeddedThumbnail(photo.subarray(0, IMAGE_HEAD_BYTES))!;
		// Taken upright: the sensor's picture is to be turned a quarter clockwise.
		expect(found.orientation).toBe(6);
		const thumbnail = found.jpeg;
		expect(thumbnail.length).toBe(7267);
		// The very bytes of the file where IFD1 points (EXIF's offsets count from the TIFF header).
		const at = indexOf(photo, thumbnail);
		expect(at).toBeGreaterThan(0);
		expect(at + thumbnail.length).toBeLessThan(64 * 1024);
		expect(readEmbeddedThumbnail(photo)?.jpeg).toEqual(thumbnail);
	});

	it('is absent from iPhone HEICs (their preview is an HEVC item, not EXIF) and from generated stills', () => {
		expect(readEmbeddedThumbnail(files['osxphotos/IMG_3582.HEIC']!.subarray(0, IMAGE_HEAD_BYTES))).toBeUndefined();
		expect(readEmbeddedThumbnail(files['osxphotos/IMG_0102.HEIC']!.subarray(0, IMAGE_HEAD_BYTES))).toBeUndefined();
		for (const parts of [heicParts(SAMPLE_STILL, 3000), jpegParts(SAMPLE_STILL)]) {
			expect(readEmbeddedThumbnail(assembleMedia(parts, 3000))).toBeUndefined();
		}
	});

	it('is refused when it is not a whole JPEG: a placeholder, or one cut off by the end of the head', () => {
		// exiftool's sample holds the text "<Dummy thumbnail image data>" in IFD1.
		expect(readEmbeddedThumbnail(files['exiftool/Apple.jpg']!)).toBeUndefined();
		const photo = files['osxphotos/IMG_1064.jpeg']!;
		const thumbnail = readEmbeddedThumbnail(photo)!.jpeg;
		const end = indexOf(photo, thumbnail) + thumbnail.length;
		expect(readEmbeddedThumbnail(photo.subarray(0, end - 1))).toBeUndefined();
		expect(readEmbeddedThumbnail(photo.subarray(0, end))?.jpeg).toEqual(thumbnail);
	});

	it('never throws on any bytes', () => {
		const photo = files['osxphotos/IMG_1064.jpeg']!.subarray(0, 16 * 1024);
		fc.assert(
			fc.property(fc.nat(photo.length), fc.uint8Array({ maxLength: 64 }), fc.nat(photo.length), (cut, noise, at) => {
				const damaged = photo.slice(0, cut);
				damaged.set(noise.subarray(0, Math.max(0, damaged.length - at)), Math.min(at, damaged.length));
				const found = readEmbeddedThumbnail(damaged);
				if (found !== undefined) {
					expect([found.jpeg[0], found.jpeg[1]]).toEqual([0xff, 0xd8]);
					expect(found.orientation).toBeGreaterThanOrEqual(1);
					expect(found.orientation).toBeLessThanOrEqual(8);
				}
			}),
			{ numRuns: 300 },
		);
		expect(readEmbeddedThumbnail(new Uint8Array(0))).toBeUndefined();
	});
});

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
	outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
		for (let j = 0; j < 16; j++) if (haystack[i + j] !== needle[j]) continue outer;
		return i;
	}
	return -1;
}
