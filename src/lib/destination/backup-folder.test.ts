import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isDeviceError } from '../errors';
import { groupAssets } from '../library';
import { openBackupFolder } from './backup-folder';
import { createManifest, serializeManifest } from './manifest';
import { isSafeName, MAX_DEVICE_FOLDER_LENGTH, MAX_RELATIVE_PATH_LENGTH } from './names';
import { MemoryFolder } from '../../testing/destination/memory-folder';
import type { BackupFolder, ManifestEntry, PendingFile } from './types';

const ANNA = { udid: '00008110-001A2C3E0E41801E', name: 'Anna’s iPhone', productType: 'iPhone14,2' };
const BOB = { udid: '00008110-00FFFFFFFFFFFFFF', name: 'Anna’s iPhone' };
const bytesOf = (text: string) => new TextEncoder().encode(text);

async function failure(promise: Promise<unknown>): Promise<{ code: string; message: string; advice?: string }> {
	try {
		await promise;
	} catch (error) {
		if (isDeviceError(error)) return { code: error.code, message: error.message, advice: error.advice };
		throw error;
	}
	throw new Error('expected a failure');
}

async function write(pending: PendingFile, bytes: Uint8Array): Promise<void> {
	const writer = pending.writable.getWriter();
	await writer.write(bytes);
	await writer.close();
}

async function save(folder: BackupFolder, path: string, text: string): Promise<void> {
	const pending = await folder.createFile(path);
	await write(pending, bytesOf(text));
	await pending.commit();
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
	return new Response(stream).text();
}

function entry(path: string, devicePath = `/DCIM/100APPLE/${path.split('/').at(-1)}`): ManifestEntry {
	return { devicePath, assetId: devicePath, size: 1, modifiedTime: 1, birthTime: 1, sha256: 'a'.repeat(64), path, backedUpAt: '2025-06-01T00:00:00.000Z' };
}

describe('openBackupFolder', () => {
	it('creates one folder per iPhone, named after it, with a manifest, and finds it again', async () => {
		const memory = new MemoryFolder();
		const first = await openBackupFolder(memory.root(), ANNA);
		expect(first.name).toBe('Anna’s iPhone');
		expect(first.created).toBe(true);
		expect(memory.files()).toEqual(['Anna’s iPhone/SHA256SUMS', 'Anna’s iPhone/manifest.json']);
		const again = await openBackupFolder(memory.root(), ANNA);
		expect(again.name).toBe('Anna’s iPhone');
		expect(again.created).toBe(false);
	});

	it('tells apart two phones with one name by the UDID, run after run', async () => {
		const memory = new MemoryFolder();
		await openBackupFolder(memory.root(), ANNA);
		const bob = await openBackupFolder(memory.root(), BOB);
		expect(bob.name).toBe('Anna’s iPhone (00008110)');
		const third = await openBackupFolder(memory.root(), { udid: '00008110-0000000000000003', name: 'Anna’s iPhone' });
		expect(third.name).toBe('Anna’s iPhone (00008110-0000000000000003)');
		expect((await openBackupFolder(memory.root(), BOB)).name).toBe('Anna’s iPhone (00008110)');
		expect((await openBackupFolder(memory.root(), ANNA)).name).toBe('Anna’s iPhone');
	});

	it('finds the folder by UDID after the phone was renamed', async () => {
		const memory = new MemoryFolder();
		await openBackupFolder(memory.root(), ANNA);
		const renamed = await openBackupFolder(memory.root(), { ...ANNA, name: 'Work phone' });
		expect(renamed.name).toBe('Anna’s iPhone');
	});

	it('never takes over a folder of that name that holds someone’s files: it backs up beside it, changing nothing in it', async () => {
		const memory = new MemoryFolder();
		const theirs = {
			'Anna’s iPhone/IMG_0001.HEIC': 'mine',
			'Anna’s iPhone/SHA256SUMS': 'their checksums',
			'Anna’s iPhone/manifest.json': '{"their":"manifest"}',
			'Anna’s iPhone/.IMG_0002.HEIC.part-1a2b3c4d': 'looks like ours, is not',
			'Anna’s iPhone/Holiday/notes.crswap': 'theirs too',
		};
		for (const [path, text] of Object.entries(theirs)) memory.write(path, text);
		const folder = await openBackupFolder(memory.root(), ANNA);
		expect(folder.name).toBe('Anna’s iPhone (00008110)');
		expect(folder.created).toBe(true);
		await folder.removeLeftovers();
		await folder.writeManifest(createManifest(ANNA, [entry('2025/05/IMG_0001.HEIC')], new Date(0)));
		for (const [path, text] of Object.entries(theirs)) expect(memory.readText(path), path).toBe(text);
		expect(memory.files().filter((path) => path.startsWith('Anna’s iPhone/')).sort()).toEqual(Object.keys(theirs).sort());
		// And it is found again by its manifest, not by the name someone else's folder has.
		expect((await openBackupFolder(memory.root(), ANNA)).name).toBe('Anna’s iPhone (00008110)');
	});

	it('takes an empty folder of that name: there is nothing in it to touch', async () => {
		const memory = new MemoryFolder();
		await memory.root().getDirectoryHandle('Anna’s iPhone', { create: true });
		const folder = await openBackupFolder(memory.root(), ANNA);
		expect(folder.name).toBe('Anna’s iPhone');
		expect((await folder.readManifest())?.device.udid).toBe(ANNA.udid);
	});

	it('sanitizes the phone’s name and does without one', async () => {
		const memory = new MemoryFolder();
		memory.write('iPhone', 'a file, not a folder');
		expect((await openBackupFolder(memory.root(), { udid: 'abc', name: '../..' })).name).toBe('_._');
		expect((await openBackupFolder(memory.root(), { udid: 'def' })).name).toBe('iPhone (def)');
	});
});

describe('the manifest on the drive', () => {
	it('round-trips and writes SHA256SUMS beside it', async () => {
		const memory = new MemoryFolder();
		const folder = await openBackupFolder(memory.root(), ANNA);
		const manifest = createManifest(ANNA, [entry('2025/05/IMG_0001.HEIC')], new Date(0));
		await folder.writeManifest(manifest);
		const reopened = await openBackupFolder(memory.root(), ANNA);
		expect(await reopened.readManifest()).toEqual(manifest);
		expect(reopened.manifestProblem).toBeUndefined();
		expect(memory.readText('Anna’s iPhone/SHA256SUMS')).toBe(`${'a'.repeat(64)}  2025/05/IMG_0001.HEIC\n`);
		expect(memory.files().filter((path) => path.includes('.part-'))).toEqual([]);
	});

	it('keeps the old manifest readable when the browser dies while writing the new one', async () => {
		const memory = new MemoryFolder();
		const folder = await openBackupFolder(memory.root(), ANNA);
		const old = createManifest(ANNA, [entry('2025/05/IMG_0001.HEIC')], new Date(0));
		await folder.writeManifest(old);
		memory.onOperation = (operation) => {
			if (operation.kind === 'write' && operation.path.includes('.manifest.json.part-')) memory.crash();
		};
		await expect(folder.writeManifest(createManifest(ANNA, [entry('2025/05/IMG_0002.HEIC')], new Date(1)))).rejects.toBeDefined();
		memory.onOperation = undefined;

		const restarted = await openBackupFolder(memory.root(), ANNA);
		expect(await restarted.readManifest()).toEqual(old);
		const leftovers = await restarted.removeLeftovers();
		expect(leftovers).toHaveLength(2);
		expect(leftovers.every((path) => /^\.manifest\.json\.part-[0-9a-f]{8}(\.crswap)?$/.test(path))).toBe(true);
		expect(memory.files()).toEqual(['Anna’s iPhone/SHA256SUMS', 'Anna’s iPhone/manifest.json']);
	});

	it('replaces the manifest on a disk whose move() will not overwrite, and recovers if the browser dies in between', async () => {
		const memory = new MemoryFolder();
		const folder = await openBackupFolder(memory.root(), ANNA);
		await folder.writeManifest(createManifest(ANNA, [], new Date(0)));
		const next = createManifest(ANNA, [entry('2025/05/IMG_0001.HEIC')], new Date(1));
		let moves = 0;
		memory.onOperation = (operation) => {
			if (operation.kind !== 'move') return;
			moves++;
			// The first move meets the old manifest and is refused, as a real disk may; the browser dies
			// right after the old one was removed to make room.
			if (moves === 1) throw new DOMException('exists', 'InvalidModificationError');
			if (moves === 2) memory.crash();
		};
		await expect(folder.writeManifest(next)).rejects.toBeDefined();
		memory.onOperation = undefined;
		expect(memory.files()).not.toContain('Anna’s iPhone/manifest.json');

		const restarted = await openBackupFolder(memory.root(), ANNA);
		expect(await restarted.readManifest()).toEqual(next);
		expect(restarted.manifestProblem?.kind).toBe('recovered');
		expect(memory.files()).toContain('Anna’s iPhone/manifest.json');
	});

	it('replaces the manifest when move() refuses to overwrite, without a crash', async () => {
		const memory = new MemoryFolder();
		const folder = await openBackupFolder(memory.root(), ANNA);
		let refused = 0;
		memory.onOperation = (operation) => {
			if (operation.kind === 'move' && refused === 0) {
				refused++;
				throw new DOMException('exists', 'InvalidModificationError');
			}
		};
		const next = createManifest(ANNA, [entry('2025/05/IMG_0001.HEIC')], new Date(1));
		await folder.writeManifest(next);
		expect(refused).toBe(1);
		expect(await folder.readManifest()).toEqual(next);
	});

	it('reports a damaged manifest, and keeps it aside instead of overwriting it', async () => {
		const memory = new MemoryFolder();
		memory.write('Anna’s iPhone/manifest.json', '{"format":"iphone-photo-backup-manifest","version":1,"dev');
		const folder = await openBackupFolder(memory.root(), ANNA);
		expect(await folder.readManifest()).toBeUndefined();
		expect(folder.manifestProblem?.kind).toBe('not-json');
		await folder.writeManifest(createManifest(ANNA, [], new Date(0)));
		expect(memory.readText('Anna’s iPhone/manifest.unreadable-1.json')).toContain('"dev');
		expect(folder.manifestProblem).toBeUndefined();
		expect((await folder.readManifest())?.entries).toEqual([]);
	});

	it('returns what it can of a manifest with damaged entries', async () => {
		const memory = new MemoryFolder();
		const manifest = createManifest(ANNA, [entry('2025/05/IMG_0001.HEIC')], new Date(0));
		const text = serializeManifest(manifest).replace('"entries":[', '"entries":[{"path":"../../x"},');
		memory.write('Anna’s iPhone/manifest.json', text);
		const folder = await openBackupFolder(memory.root(), ANNA);
		expect((await folder.readManifest())?.entries).toEqual(manifest.entries);
		expect(folder.manifestProblem).toMatchObject({ kind: 'bad-entries', dropped: 1 });
	});
});

describe('pending files', () => {
	it('writes under a hidden temporary name, reads back, and commits to the final name', async () => {
		const memory = new MemoryFolder();
		const folder = await openBackupFolder(memory.root(), ANNA);
		const pending = await folder.createFile('2025/05/IMG_0001.HEIC');
		expect(pending.path).toBe('2025/05/IMG_0001.HEIC');
		const writer = pending.writable.getWriter();
		await writer.write(bytesOf('photo '));
		const during = memory.files().filter((path) => path.startsWith('Anna’s iPhone/2025/'));
		expect(during).toHaveLength(2);
		expect(during[0]).toMatch(/^Anna’s iPhone\/2025\/05\/\.IMG_0001\.HEIC\.part-[0-9a-f]{8}$/);
		expect(during[1]).toBe(`${during[0]}.crswap`);
		await writer.write(bytesOf('bytes'));
		await writer.close();
		expect(await readAll(await pending.readBack())).toBe('photo bytes');
		await pending.commit();
		expect(memory.files().filter((path) => path.startsWith('Anna’s iPhone/2025/'))).toEqual(['Anna’s iPhone/2025/05/IMG_0001.HEIC']);
		expect(memory.readText('Anna’s iPhone/2025/05/IMG_0001.HEIC')).toBe('photo bytes');
		expect(await readAll(await folder.readFile('2025/05/IMG_0001.HEIC'))).toBe('photo bytes');
		expect(await folder.stat('2025/05/IMG_0001.HEIC')).toMatchObject({ path: '2025/05/IMG_0001.HEIC', size: 11 });
		// Abort after commit keeps the file.
		await pending.abort();
		expect(memory.readText('Anna’s iPhone/2025/05/IMG_0001.HEIC')).toBe('photo bytes');
	});

	it('aborts cleanly, while writing or after, more than once', async () => {
		const memory = new MemoryFolder();
		const folder = await openBackupFolder(memory.root(), ANNA);
		const writing = await folder.createFile('a/one.HEIC');
		const writer = writing.writable.getWriter();
		await writer.write(bytesOf('partial'));
		await writing.abort();
		await writing.abort();
		const written = await folder.createFile('a/two.HEIC');
		await write(written, bytesOf('whole'));
		await written.abort();
		expect(memory.files().filter((path) => path.includes('/a/'))).toEqual([]);
	});

	it('refuses to commit over a file that appeared meanwhile, and leaves that file alone', async () => {
		const memory = new MemoryFolder();
		const folder = await openBackupFolder(memory.root(), ANNA);
		const pending = await folder.createFile('2025/05/IMG_0001.HEIC');
		await write(pending, bytesOf('ours'));
		memory.write('Anna’s iPhone/2025/05/IMG_0001.HEIC', 'theirs');
		expect((await failure(pending.commit())).code).toBe('folder-file-exists');
		expect(memory.readText('Anna’s iPhone/2025/05/IMG_0001.HEIC')).toBe('theirs');
		await pending.abort();
		expect(memory.files().filter((path) => path.includes('/2025/'))).toEqual(['Anna’s iPhone/2025/05/IMG_0001.HEIC']);
	});

	it('refuses a name that differs only in case from a file that appeared meanwhile, where the disk says so', async () => {
		const memory = new MemoryFolder();
		const folder = await openBackupFolder(memory.root(), ANNA);
		const pending = await folder.createFile('x.HEIC');
		await write(pending, bytesOf('ours'));
		memory.onOperation = (operation) => {
			// A case-insensitive disk refuses the move onto `X.heic`.
			if (operation.kind === 'move') {
				memory.write('Anna’s iPhone/x.HEIC', 'theirs');
				throw new DOMException('exists', 'InvalidModificationError');
			}
		};
		expect((await failure(pending.commit())).code).toBe('folder-file-exists');
	});

	it('refuses at once to start a file whose name is taken, or a path it would not write', async () => {
		const memory = new MemoryFolder();
		const folder = await openBackupFolder(memory.root(), ANNA);
		await save(folder, 'a/b.HEIC', 'x');
		expect((await failure(folder.createFile('a/b.HEIC'))).code).toBe('folder-file-exists');
		expect((await failure(folder.createFile('a'))).code).toBe('folder-file-exists');
		for (const path of ['../escape.HEIC', 'a//b', '/abs', 'a/./b', 'con.txt', 'a\\b', '']) {
			expect((await failure(folder.createFile(path))).code).toBe('folder-failed');
		}
		expect(memory.files().filter((path) => path.includes('escape'))).toEqual([]);
	});

	it('cannot be read back or committed before it is completely written', async () => {
		const memory = new MemoryFolder();
		const folder = await openBackupFolder(memory.root(), ANNA);
		const pending = await folder.createFile('a.HEIC');
		expect((await failure(pending.readBack())).code).toBe('folder-failed');
		expect((await failure(pending.commit())).code).toBe('folder-failed');
		await pending.abort();
	});
});

describe('cleaning up after a crash', () => {
	it('removes temporary and swap files anywhere in the folder, but not files in use or backed up', async () => {
		const memory = new MemoryFolder();
		const folder = await openBackupFolder(memory.root(), ANNA);
		await save(folder, '2025/05/IMG_0001.HEIC', 'done');
		const pending = await folder.createFile('2025/05/IMG_0002.HEIC');
		await pending.writable.getWriter().write(bytesOf('half'));
		memory.crash();

		const restarted = await openBackupFolder(memory.root(), ANNA);
		const inUse = await restarted.createFile('2025/06/IMG_0003.HEIC');
		const inUseWriter = inUse.writable.getWriter();
		await inUseWriter.write(bytesOf('writing now'));
		memory.write('Anna’s iPhone/Undated/old.crswap', 'stale swap');

		const removed = await restarted.removeLeftovers();
		expect(removed).toHaveLength(3);
		expect(removed[0]).toMatch(/^2025\/05\/\.IMG_0002\.HEIC\.part-[0-9a-f]{8}$/);
		expect(removed[1]).toBe(`${removed[0]}.crswap`);
		expect(removed[2]).toBe('Undated/old.crswap');
		await inUseWriter.close();
		await inUse.commit();
		expect(memory.files()).toEqual([
			'Anna’s iPhone/2025/05/IMG_0001.HEIC',
			'Anna’s iPhone/2025/06/IMG_0003.HEIC',
			'Anna’s iPhone/SHA256SUMS',
			'Anna’s iPhone/manifest.json',
		]);
		expect(await restarted.removeLeftovers()).toEqual([]);
	});
});

describe('reading an existing backup', () => {
	it('lists the backup’s files, not its bookkeeping or leftovers, and stats them', async () => {
		const memory = new MemoryFolder();
		const folder = await openBackupFolder(memory.root(), ANNA);
		memory.write('Anna’s iPhone/2025/05/IMG_0001.HEIC', 'abc', 1000);
		memory.write('Anna’s iPhone/2025/05/.IMG_0002.HEIC.part-0123abcd', 'x');
		memory.write('Anna’s iPhone/2025/05/IMG_0003.HEIC.crswap', 'x');
		memory.write('Anna’s iPhone/Undated/a:b', 'made elsewhere');
		const listed = [];
		for await (const file of folder.listFiles()) listed.push(file);
		expect(listed).toEqual([
			{ path: '2025/05/IMG_0001.HEIC', size: 3, lastModified: 1000 },
			{ path: 'Undated/a:b', size: 14, lastModified: expect.any(Number) },
		]);
		expect(await readAll(await folder.readFile('Undated/a:b'))).toBe('made elsewhere');
		expect(await folder.stat('2025/05/missing.HEIC')).toBeUndefined();
		expect(await folder.stat('nowhere/missing.HEIC')).toBeUndefined();
		expect(await folder.stat('2025')).toBeUndefined();
		expect((await failure(folder.readFile('2025/05/missing.HEIC'))).code).toBe('folder-file-missing');
	});
});

describe('placing assets', () => {
	const may = { epochMs: Date.UTC(2025, 4, 26, 12), offsetMinutes: 0, floating: false };

	it('avoids files in the folder and in the manifest, reserves what it hands out, and keeps recorded files', async () => {
		const memory = new MemoryFolder();
		const folder = await openBackupFolder(memory.root(), ANNA);
		memory.write('Anna’s iPhone/2025/05/IMG_0001.HEIC', 'someone else’s');
		const [wrapped, first, again] = groupAssets(
			['/DCIM/100APPLE/IMG_0001.HEIC', '/DCIM/100APPLE/IMG_0001.MOV', '/DCIM/100APPLE/IMG_0002.HEIC', '/DCIM/101APPLE/IMG_0002.HEIC'].map((path) => ({
				path,
				size: 1,
				birthTime: 0,
				modifiedTime: 0,
			})),
		);
		await folder.writeManifest(createManifest(ANNA, [entry('2025/05/IMG_0002.HEIC', '/DCIM/100APPLE/IMG_0002.HEIC')]));
		await folder.readManifest();

		const one = await folder.placeAsset(wrapped!, may);
		expect(one.files.map((file) => file.path)).toEqual(['2025/05/IMG_0001 (2).HEIC', '2025/05/IMG_0001 (2).MOV']);
		expect(one.files[0]!.possibleEarlierCopy).toBe('2025/05/IMG_0001.HEIC');
		const recorded = await folder.placeAsset(first!, may);
		expect(recorded.files).toEqual([{ devicePath: '/DCIM/100APPLE/IMG_0002.HEIC', path: '2025/05/IMG_0002.HEIC', recorded: true }]);
		const other = await folder.placeAsset(again!, may);
		expect(other.files.map((file) => file.path)).toEqual(['2025/05/IMG_0002 (2).HEIC']);
		// Reserved for that asset: placed again (a retry) it gets the same names, another asset does not.
		expect((await folder.placeAsset(again!, may)).files.map((file) => file.path)).toEqual(['2025/05/IMG_0002 (2).HEIC']);
		const stranger = { id: '/DCIM/102APPLE/IMG_0002.HEIC', baseName: 'IMG_0002', files: [{ path: '/DCIM/102APPLE/IMG_0002.HEIC' }] };
		expect((await folder.placeAsset(stranger, may)).files.map((file) => file.path)).toEqual(['2025/05/IMG_0002 (3).HEIC']);
	});

	it('avoids next time a name that turned out to be taken when the file was saved', async () => {
		const memory = new MemoryFolder();
		const folder = await openBackupFolder(memory.root(), ANNA);
		const asset = { id: '/DCIM/100APPLE/IMG_0001.HEIC', baseName: 'IMG_0001', files: [{ path: '/DCIM/100APPLE/IMG_0001.HEIC' }] };
		const [placed] = (await folder.placeAsset(asset, may)).files;
		const pending = await folder.createFile(placed!.path);
		await write(pending, bytesOf('ours'));
		memory.write(`Anna’s iPhone/${placed!.path}`, 'appeared meanwhile');
		expect((await failure(pending.commit())).code).toBe('folder-file-exists');
		await pending.abort();
		expect((await folder.placeAsset(asset, may)).files.map((file) => file.path)).toEqual(['2025/05/IMG_0001 (2).HEIC']);
	});

	it('files by the phone’s folders in the as-on-iphone layout', async () => {
		const memory = new MemoryFolder();
		const folder = await openBackupFolder(memory.root(), ANNA, { layout: 'as-on-iphone' });
		const [asset] = groupAssets([{ path: '/DCIM/100APPLE/IMG_0001.HEIC', size: 1, birthTime: 0, modifiedTime: 0 }]);
		expect((await folder.placeAsset(asset!, undefined)).files.map((file) => file.path)).toEqual(['DCIM/100APPLE/IMG_0001.HEIC']);
	});
});

describe('failures in plain words', () => {
	it('reports a full drive, and goes on once there is room', async () => {
		const memory = new MemoryFolder();
		const folder = await openBackupFolder(memory.root(), ANNA);
		memory.failWritesAfter(4);
		const pending = await folder.createFile('big.MOV');
		const writer = pending.writable.getWriter();
		const full = await failure(writer.write(new Uint8Array(10)));
		expect(full).toEqual({
			code: 'disk-full',
			message: 'The backup folder’s drive is full.',
			advice: expect.stringContaining('Make room on that drive'),
		});
		await pending.abort();
		expect(memory.files().filter((path) => path.includes('big'))).toEqual([]);
		expect((await failure(folder.writeManifest(createManifest(ANNA, [entry('a/b.HEIC')])))).code).toBe('disk-full');
		expect(await folder.readManifest()).toMatchObject({ entries: [] });
		memory.failWritesAfter(undefined);
		await save(folder, 'big.MOV', 'now it fits');
		expect(memory.readText('Anna’s iPhone/big.MOV')).toBe('now it fits');
	});

	it('reports lost permission with advice to choose the folder again', async () => {
		const memory = new MemoryFolder();
		const folder = await openBackupFolder(memory.root(), ANNA);
		const pending = await folder.createFile('a.HEIC');
		const writer = pending.writable.getWriter();
		await writer.write(bytesOf('a'));
		memory.setPermission('prompt');
		const lost = await failure(writer.write(bytesOf('b')));
		expect(lost).toEqual({
			code: 'folder-permission',
			message: 'This page may no longer write to the backup folder.',
			advice: expect.stringContaining('Choose the folder again'),
		});
		expect((await failure(folder.createFile('b.HEIC'))).code).toBe('folder-permission');
		expect((await failure(folder.readManifest())).code).toBe('folder-permission');
		expect((await failure(folder.stat('a.HEIC'))).code).toBe('folder-permission');
		expect((await failure(openBackupFolder(memory.root(), ANNA))).code).toBe('folder-permission');
		await pending.abort();
	});

	it('reports a folder that went away (drive unplugged, folder deleted)', async () => {
		const memory = new MemoryFolder();
		const folder = await openBackupFolder(memory.root(), ANNA);
		const pending = await folder.createFile('a.HEIC');
		const writer = pending.writable.getWriter();
		memory.unplug();
		const gone = await failure(writer.write(bytesOf('a')));
		expect(gone).toMatchObject({ code: 'folder-gone', message: 'The backup folder can no longer be found.' });
		expect(gone.advice).toContain('plug the drive back in');
		expect((await failure(folder.createFile('b.HEIC'))).code).toBe('folder-gone');
		expect((await failure(folder.readFile('a.HEIC'))).code).toBe('folder-gone');
		expect((await failure(folder.removeLeftovers())).code).toBe('folder-gone');
		await pending.abort();
		memory.replug();

		await memory.root().removeEntry('Anna’s iPhone', { recursive: true });
		expect((await failure(folder.createFile('c.HEIC'))).code).toBe('folder-gone');
		expect((await failure(folder.placeAsset({ id: '/x', baseName: 'x', files: [{ path: '/x' }] }, undefined))).code).toBe('folder-gone');
	});
});

describe('a drive that cannot hold a file that large (FAT32)', () => {
	/** A drive like FAT32 that holds 1,000 bytes in one file at most, and a folder that knows it. */
	const LIMIT = 1_000;
	async function limitedFolder(refusal?: string) {
		const memory = new MemoryFolder();
		memory.limitFileSize(LIMIT, refusal);
		const folder = await openBackupFolder(memory.root(), ANNA, { fileSizeLimit: LIMIT });
		return { memory, folder };
	}

	async function writeInChunks(pending: PendingFile, chunks: number[]): Promise<void> {
		const writer = pending.writable.getWriter();
		for (const length of chunks) await writer.write(new Uint8Array(length));
		await writer.close();
	}

	it.each(['InvalidStateError', 'QuotaExceededError'])('fails that file alone with plain words when a write would take it past the limit (%s)', async (refusal) => {
		const { memory, folder } = await limitedFolder(refusal);
		const pending = await folder.createFile('2025/05/IMG_0001.MOV');
		const refused = await failure(writeInChunks(pending, [600, 300, 300]));
		expect(refused).toEqual({
			code: 'file-too-large-for-drive',
			message: '“2025/05/IMG_0001.MOV” was not copied: the backup folder’s drive cannot hold a file that large.',
			advice: expect.stringMatching(/FAT32, which holds files of up to 4 GB\. Everything else was backed up\..*exFAT or NTFS/),
		});
		await pending.abort();
		// The temporary file was the app's own: it is gone, and the drive takes the next file.
		expect(memory.files().filter((path) => path.includes('IMG_0001'))).toEqual([]);
		await save(folder, '2025/05/IMG_0002.HEIC', 'fits');
		expect(memory.readText('Anna’s iPhone/2025/05/IMG_0002.HEIC')).toBe('fits');
		// A file of exactly the limit fits.
		const whole = await folder.createFile('2025/05/IMG_0003.MOV');
		await writeInChunks(whole, [600, 400]);
		await whole.commit();
		expect(memory.read('Anna’s iPhone/2025/05/IMG_0003.MOV')).toHaveLength(LIMIT);
	});

	it('keeps the meaning of a failure before the limit, and of a lost permission or drive at it', async () => {
		const { memory, folder } = await limitedFolder('QuotaExceededError');
		memory.failWritesAfter(500);
		const full = await folder.createFile('a.MOV');
		expect((await failure(writeInChunks(full, [400, 400]))).code).toBe('disk-full');
		await full.abort();
		memory.failWritesAfter(undefined);

		const revoked = await folder.createFile('b.MOV');
		const writer = revoked.writable.getWriter();
		await writer.write(new Uint8Array(900));
		memory.setPermission('prompt');
		expect((await failure(writer.write(new Uint8Array(200)))).code).toBe('folder-permission');
		memory.setPermission('granted');
		await revoked.abort();

		const unplugged = await folder.createFile('c.MOV');
		const cut = unplugged.writable.getWriter();
		await cut.write(new Uint8Array(900));
		memory.unplug();
		expect((await failure(cut.write(new Uint8Array(200)))).code).toBe('folder-gone');
	});

	it('takes a full drive at the limit for what it is when the folder holds a larger file: the drive has no such limit', async () => {
		const memory = new MemoryFolder();
		const folder = await openBackupFolder(memory.root(), ANNA, { fileSizeLimit: LIMIT });
		memory.write('Anna’s iPhone/2024/01/IMG_0001.MOV', new Uint8Array(LIMIT + 1));
		for await (const _ of folder.listFiles());
		memory.failWritesAfter(LIMIT);
		const pending = await folder.createFile('2025/05/IMG_0002.MOV');
		expect((await failure(writeInChunks(pending, [600, 600]))).code).toBe('disk-full');
		await pending.abort();
	});
});

describe('paths within what Windows allows', () => {
	it('names the iPhone’s folder short enough, whatever the phone is called, and keeps every path inside the picked folder within the bound', async () => {
		const name = fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), fc.constantFrom('CON', ' ', '..', 'Anna’s iPhone', '😀'.repeat(100), 'x'.repeat(300)));
		const udid = fc.oneof(fc.constantFrom(ANNA.udid, 'a'.repeat(40)), fc.string({ unit: 'binary', minLength: 1, maxLength: 256 }));
		const longName = `/DCIM/100APPLE/${'IMG_0001 taken on the longest day of the trip '.repeat(6)}.HEIC`;
		await fc.assert(
			fc.asyncProperty(name, udid, fc.constantFrom('by-month' as const, 'as-on-iphone' as const), async (phoneName, phoneUdid, layout) => {
				const memory = new MemoryFolder();
				// Two phones of one name: the second one's folder carries the UDID.
				await openBackupFolder(memory.root(), { udid: 'someone else', name: phoneName });
				const folder = await openBackupFolder(memory.root(), { udid: phoneUdid, name: phoneName }, { layout });
				expect(isSafeName(folder.name)).toBe(true);
				expect(folder.name.length).toBeLessThanOrEqual(MAX_DEVICE_FOLDER_LENGTH);
				const [asset] = groupAssets([{ path: longName, size: 1, birthTime: 0, modifiedTime: 0 }]);
				for (const placed of (await folder.placeAsset(asset!, undefined)).files) {
					expect(`${folder.name}/${placed.path}`.length).toBeLessThanOrEqual(MAX_RELATIVE_PATH_LENGTH);
				}
			}),
			{ numRuns: 60 },
		);
	});
});
