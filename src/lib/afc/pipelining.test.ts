import { describe, expect, it } from 'vitest';
import { serveAfc, type AfcdOptions } from '../../sim/afcd/afcd';
import { createTestFileSystem, syntheticBytes, type TestFileSpec } from '../../sim/afcd/test-file-system';
import { equalBytes } from '../bytes';
import { createChannelPair } from '../streams/byte-channel';
import { AfcClient, type AfcClientOptions } from './client';
import { AFC_PIPELINE_DEPTH, AfcStatus } from './constants';
import { readAllBytes } from '../../testing/streams/read-all';

const MiB = 1024 * 1024;

const files: Record<string, TestFileSpec> = {
	'/DCIM/100APPLE/IMG_0004.HEIC': { size: 3_000_000, seed: 9, unreadable: true },
	'/DCIM/100APPLE/IMG_0010.MOV': { size: 3 * MiB + 17, seed: 10 },
};
const PHOTOS = 40;
for (let i = 0; i < PHOTOS; i++) files[`/DCIM/100APPLE/IMG_${1000 + i}.JPG`] = { size: 5000 + i, seed: 1000 + i };
const photoPaths = Object.keys(files).filter((path) => path.endsWith('.JPG'));

function connect(afcd: AfcdOptions = {}, client: AfcClientOptions = {}) {
	const [host, device] = createChannelPair();
	const session = serveAfc(device, createTestFileSystem(files), afcd);
	return { client: new AfcClient(host, { readChunkSize: MiB, ...client }), session };
}


/** What a scan and a backup ask at once: a folder's stats, file heads, whole files with reads two deep. */
async function everythingAtOnce(client: AfcClient) {
	const [stats, heads, video, photos] = await Promise.all([
		Promise.all(photoPaths.map((path) => client.stat(path))),
		Promise.all(photoPaths.slice(0, 10).map((path) => client.readRange(path, 100, 1000))),
		readAllBytes(client.read('/DCIM/100APPLE/IMG_0010.MOV')),
		Promise.all(photoPaths.slice(10, 20).map((path) => readAllBytes(client.read(path)))),
	]);
	expect(stats.map((info) => info.size)).toEqual(photoPaths.map((_, i) => 5000 + i));
	heads.forEach((head, i) => expect(equalBytes(head, syntheticBytes(1000 + i, 100, 1000))).toBe(true));
	expect(equalBytes(video, syntheticBytes(10, 0, 3 * MiB + 17))).toBe(true);
	photos.forEach((photo, i) => expect(equalBytes(photo, syntheticBytes(1010 + i, 0, 5010 + i))).toBe(true));
}

describe('AFC pipelining against a strict afcd', () => {
	it('keeps within its one bound: the default afcd, which refuses more than its limit, refuses nothing', async () => {
		const { client, session } = connect();
		await everythingAtOnce(client);
		expect(session.refused).toBe(0);
		expect(session.deepestPipeline).toBeGreaterThan(1);
		expect(session.deepestPipeline).toBeLessThanOrEqual(AFC_PIPELINE_DEPTH);
		expect(session.openFiles).toBe(0);
		expect(client.pipelineDepth).toBe(AFC_PIPELINE_DEPTH);
	});

	it('with pipelineDepth 1 speaks plain request/reply: a phone that refuses any pipelining refuses nothing', async () => {
		const { client, session } = connect({ pipelining: { mode: 'refuse' } }, { pipelineDepth: 1 });
		await everythingAtOnce(client);
		expect(session.deepestPipeline).toBe(1);
		expect(session.refused).toBe(0);
	});

	it('retries what a phone refused pipelined once alone, takes no file for iCloud, and stops pipelining', async () => {
		const { client, session } = connect({ pipelining: { mode: 'refuse' } });
		await everythingAtOnce(client);
		expect(session.refused).toBeGreaterThan(0);
		expect(client.pipelineDepth).toBe(1);
		expect(session.openFiles).toBe(0);
		// From then on nothing is refused.
		const refused = session.refused;
		await everythingAtOnce(client);
		expect(session.refused).toBe(refused);
	});

	it('goes on with a stream from where it stood when its second read, pipelined, is refused', async () => {
		const reads: number[] = [];
		const { client, session } = connect(
			{ pipelining: { mode: 'refuse' }, beforeAnswer: (r) => void (r.kind === 'read' && reads.push(r.offset!)) },
			{ firstReadSize: 256 * 1024 },
		);
		const video = await readAllBytes(client.read('/DCIM/100APPLE/IMG_0010.MOV'));
		expect(equalBytes(video, syntheticBytes(10, 0, 3 * MiB + 17))).toBe(true);
		// The reads behind the first were refused (they moved nothing); the file was read on from 256 KiB alone.
		expect(session.refused).toBeGreaterThan(0);
		expect(reads.slice(0, 2)).toEqual([0, 256 * 1024]);
		expect(reads.filter((offset) => offset === 256 * 1024)).toHaveLength(session.refused + 1);
		expect(client.pipelineDepth).toBe(1);
		expect(session.openFiles).toBe(0);
	});

	it('counts a status that stays when asked alone as the file\'s own, after one plain try', async () => {
		let opens = 0;
		const { client, session } = connect(
			{
				beforeAnswer: (r) => void (r.kind === 'open' && opens++),
				faults: { status: (r) => (r.kind === 'read' && r.offset === 256 * 1024 ? AfcStatus.IoError : undefined) },
			},
			{ firstReadSize: 256 * 1024 },
		);
		await expect(readAllBytes(client.read('/DCIM/100APPLE/IMG_0010.MOV'))).rejects.toMatchObject({ code: 'file-unreadable' });
		expect(opens).toBe(2);
		expect(client.pipelineDepth).toBe(AFC_PIPELINE_DEPTH);
		expect(session.openFiles).toBe(0);
	});

	it('still fails a file kept only in iCloud as unreadable after its plain retry, and keeps pipelining', async () => {
		const { client, session } = connect();
		const [unreadable] = await Promise.allSettled([
			readAllBytes(client.read('/DCIM/100APPLE/IMG_0004.HEIC')),
			...photoPaths.map((path) => client.stat(path)),
		]);
		expect(unreadable).toMatchObject({ status: 'rejected', reason: { code: 'file-unreadable' } });
		expect(client.pipelineDepth).toBe(AFC_PIPELINE_DEPTH);
		expect(session.openFiles).toBe(0);
	});
});
