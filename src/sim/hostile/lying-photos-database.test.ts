import { describe, expect, it } from 'vitest';
import { AfcClient } from '../../lib/afc/client';
import { PHOTOS_DATABASE_PATH, readPhotosDatabase, type PhotosDbLimits, type PhotosDbResult } from '../../lib/photos-db';
import { createChannelPair } from '../../lib/streams/byte-channel';
import { serveAfc } from '../afcd';
import { VirtualCameraRoll } from '../camera-roll';
import { LyingFileSystem } from './lying-file-system';
import type { PhotosDatabaseLie } from './lying-photos-database';

/*
 * A Photos database that lies must cost the reader no more than its bounds: a fallback or a result,
 * in its deadline, with its memory. The deadline here is short, so that a lie that would run forever
 * shows as soon as it can.
 */
const DEADLINE_MS = 4_000;

async function readLying(
	lie: PhotosDatabaseLie,
	limits: Partial<PhotosDbLimits> = {},
): Promise<{ result: PhotosDbResult; ms: number; storage: LyingFileSystem; heapGrowth: number }> {
	const storage = new LyingFileSystem(new VirtualCameraRoll({ profile: 'demo' }), { photosDatabase: lie });
	// The database is on the phone before anyone reads it: building it is not the reader's time.
	await storage.prepare(PHOTOS_DATABASE_PATH);
	const [host, device] = createChannelPair();
	serveAfc(device, storage);
	const heapBefore = process.memoryUsage().heapUsed;
	const started = Date.now();
	const result = await readPhotosDatabase(new AfcClient(host), { limits: { deadlineMs: DEADLINE_MS, ...limits } });
	return { result, ms: Date.now() - started, storage, heapGrowth: process.memoryUsage().heapUsed - heapBefore };
}

describe('a lying Photos database', () => {
	it('rows for files that are not there: read as rows, none of whose files the listing has', async () => {
		const { result, storage } = await readLying('ghost-rows');
		if (!result.ok) throw new Error(result.detail);
		expect(result.assets.length).toBe(3_000);
		for (const asset of result.assets) expect(storage.stat(`/${asset.directory}/${asset.filename}`), asset.filename).toBeUndefined();
	}, 60_000);

	it('a B-tree that names its own root: damaged, at once', async () => {
		const { result, ms } = await readLying('looping-pages');
		expect(result).toMatchObject({ ok: false, reason: 'damaged' });
		expect(ms).toBeLessThan(DEADLINE_MS);
	}, 60_000);

	it('a WAL of another library: damaged, within the deadline', async () => {
		const { result, ms } = await readLying('foreign-wal');
		expect(result).toMatchObject({ ok: false, reason: 'damaged' });
		expect(ms).toBeLessThan(DEADLINE_MS);
	}, 60_000);

	it('a table whose pages repeat without end: stopped at the deadline, its rows never all in memory', async () => {
		const { result, ms, heapGrowth } = await readLying('repeating-pages');
		expect(result).toMatchObject({ ok: false, reason: 'too-slow' });
		expect(ms).toBeLessThan(DEADLINE_MS + 2_000);
		expect(heapGrowth).toBeLessThan(256 * 1024 * 1024);
	}, 60_000);

	it('… and with all the time in the world, stopped by the rows it may hold before memory grows', async () => {
		const { result, ms } = await readLying('repeating-pages', { deadlineMs: 600_000, maxRows: 50_000 });
		expect(result).toMatchObject({ ok: false, reason: 'too-large' });
		expect(ms).toBeLessThan(30_000);
	}, 60_000);
});
