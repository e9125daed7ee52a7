import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { writeU32 } from '../bytes';
import { MemoryFiles } from '../../testing/photos-db/memory-files';
import { PHOTOS_FIXTURE_VERSIONS, photosFixtureFiles } from '../../testing/photos-db/photos-fixtures-node';
import { readPhotosDatabase } from './reader';
import { PHOTOS_DATABASE_PATH, type PhotosDbLimits } from './types';

/*
 * Damaged databases: truncated, bit-flipped, lying headers (huge page counts, impossible page sizes),
 * a WAL that is not this database's. Whatever the bytes, the reader answers (a result or a fallback
 * with a reason), never throws, never reads more than its byte bound, and ends before its deadline.
 */

const WAL_PATH = `${PHOTOS_DATABASE_PATH}-wal`;
const LIMITS: Partial<PhotosDbLimits> = { maxBytesRead: 3_000_000, maxCacheBytes: 2 * 1024 * 1024, deadlineMs: 5_000 };
const REASONS = ['missing', 'unreadable', 'locked', 'unknown-schema', 'damaged', 'too-large', 'changing', 'too-slow'];

const damage = fc.record({
	version: fc.constantFrom(...PHOTOS_FIXTURE_VERSIONS),
	target: fc.constantFrom('main', 'wal'),
	/** Where to strike, as a fraction of the file: the first pages (header, schema) are the likeliest to matter. */
	flips: fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 1, max: 255 })), { maxLength: 24 }),
	headerFlips: fc.array(fc.tuple(fc.integer({ min: 0, max: 8191 }), fc.integer({ min: 1, max: 255 })), { maxLength: 8 }),
	truncateTo: fc.option(fc.double({ min: 0, max: 1, noNaN: true })),
	lie: fc.constantFrom('none', 'page-count', 'page-size', 'wal-of-another'),
});

describe('readPhotosDatabase on damaged databases', () => {
	it('answers within its bounds, whatever the bytes', async () => {
		await fc.assert(
			fc.asyncProperty(damage, async ({ version, target, flips, headerFlips, truncateTo, lie }) => {
				const files = await photosFixtureFiles(version);
				const path = target === 'main' ? PHOTOS_DATABASE_PATH : WAL_PATH;
				let bytes = files.get(path)!.slice();
				for (const [at, mask] of flips) if (bytes.length > 0) bytes[Math.floor(at * (bytes.length - 1))]! ^= mask;
				for (const [at, mask] of headerFlips) if (at < bytes.length) bytes[at]! ^= mask;
				if (truncateTo !== null) bytes = bytes.slice(0, Math.floor(truncateTo * bytes.length));
				files.set(path, bytes);
				const main = files.get(PHOTOS_DATABASE_PATH)!.slice();
				if (lie === 'page-count' && main.length >= 100) writeU32(main, 28, 0xfffffff0);
				if (lie === 'page-size' && main.length >= 100) main.set([0x00, 0x03], 16);
				if (lie === 'wal-of-another') files.set(WAL_PATH, (await photosFixtureFiles(version === 'macos-26.1' ? 'macos-12.0.1' : 'macos-26.1')).get(WAL_PATH)!);
				files.set(PHOTOS_DATABASE_PATH, main);

				const memory = new MemoryFiles(files);
				const started = Date.now();
				const result = await readPhotosDatabase(memory, { limits: LIMITS });
				expect(Date.now() - started).toBeLessThan(LIMITS.deadlineMs! + 2_000);
				expect(memory.bytesRead).toBeLessThanOrEqual(LIMITS.maxBytesRead!);
				expect(result.stats.bytesRead).toBe(memory.bytesRead);
				if (result.ok) {
					for (const asset of result.assets) expect(typeof asset.uuid).toBe('string');
				} else {
					expect(REASONS).toContain(result.reason);
				}
			}),
			{ numRuns: 60 },
		);
	}, 120_000);
});
