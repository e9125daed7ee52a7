import { describe, expect, it } from 'vitest';
import { CHROMIUM_TRANSCRIPT, probeFileSystem } from './conformance';
import { MemoryFolder, type MemoryOperation } from './memory-folder';

const errorName = (promise: Promise<unknown>) =>
	promise.then(
		() => 'ok',
		(error: { name?: string }) => error.name,
	);

async function writeText(root: FileSystemDirectoryHandle, name: string, text: string) {
	const writable = await (await root.getFileHandle(name, { create: true })).createWritable();
	await writable.write(text);
	await writable.close();
}

describe('MemoryFolder', () => {
	it('answers the conformance probes as Chromium’s OPFS does', async () => {
		expect(await probeFileSystem(new MemoryFolder().root())).toEqual(CHROMIUM_TRANSCRIPT);
	});

	it('seeds and inspects files directly', async () => {
		const memory = new MemoryFolder();
		memory.write('a/b/c.txt', 'hi', 1234);
		const file = await (await (await (await memory.root().getDirectoryHandle('a')).getDirectoryHandle('b')).getFileHandle('c.txt')).getFile();
		expect(await file.text()).toBe('hi');
		expect(file.lastModified).toBe(1234);
		expect(memory.files()).toEqual(['a/b/c.txt']);
		expect(memory.readText('a/b/c.txt')).toBe('hi');
		expect(memory.read('nothing')).toBeUndefined();
	});

	it('fails writes with QuotaExceededError once the space is used, drops the swap file, and frees space again', async () => {
		const memory = new MemoryFolder();
		const root = memory.root();
		memory.failWritesAfter(10);
		const writable = await (await root.getFileHandle('big', { create: true })).createWritable();
		await writable.write(new Uint8Array(6));
		expect(await errorName(writable.write(new Uint8Array(6)))).toBe('QuotaExceededError');
		// An errored stream cannot be closed (Streams spec: TypeError).
		expect(await errorName(writable.close())).toBe('TypeError');
		expect(memory.files()).toEqual(['big']);
		expect(memory.read('big')).toEqual(new Uint8Array(0));
		memory.failWritesAfter(undefined);
		await writeText(root, 'big', 'fits now');
		expect(memory.readText('big')).toBe('fits now');
	});

	it('holds files up to a size, like FAT32: the write past it fails whole, with the name the platform gives', async () => {
		const memory = new MemoryFolder();
		const root = memory.root();
		memory.limitFileSize(10, 'QuotaExceededError');
		const writable = await (await root.getFileHandle('big', { create: true })).createWritable();
		await writable.write(new Uint8Array(6));
		expect(await errorName(writable.write(new Uint8Array(6)))).toBe('QuotaExceededError');
		expect(memory.files()).toEqual(['big']);
		memory.limitFileSize(10);
		const seek = await (await root.getFileHandle('far', { create: true })).createWritable();
		expect(await errorName(seek.write({ type: 'write', position: 8, data: new Uint8Array(3) }))).toBe('InvalidStateError');
		await writeText(root, 'exact', '0123456789');
		expect(memory.readText('exact')).toBe('0123456789');
		memory.limitFileSize(undefined);
		await writeText(root, 'big', 'longer than ten bytes');
		expect(memory.readText('big')).toBe('longer than ten bytes');
	});

	it('refuses everything without permission, and grants it on request when told to', async () => {
		const memory = new MemoryFolder();
		const root = memory.root();
		const handle = await root.getFileHandle('f', { create: true });
		memory.setPermission('prompt', 'granted');
		expect(await root.queryPermission({ mode: 'readwrite' })).toBe('prompt');
		expect(await errorName(root.getFileHandle('f'))).toBe('NotAllowedError');
		expect(await errorName(handle.createWritable())).toBe('NotAllowedError');
		expect(await errorName(root.keys().next())).toBe('NotAllowedError');
		expect(await root.requestPermission({ mode: 'readwrite' })).toBe('granted');
		expect(await errorName(root.getFileHandle('f'))).toBe('ok');
	});

	it('revokes permission in the middle of a write', async () => {
		const memory = new MemoryFolder();
		const writable = await (await memory.root().getFileHandle('f', { create: true })).createWritable();
		await writable.write('a');
		memory.setPermission('denied');
		expect(await errorName(writable.write('b'))).toBe('NotAllowedError');
		memory.setPermission('granted');
		expect(memory.files()).toEqual(['f']);
	});

	it('leaves swap files and old content after a crash, and kills the old page’s handles', async () => {
		const memory = new MemoryFolder();
		const root = memory.root();
		await writeText(root, 'kept.txt', 'old');
		const writable = await (await root.getFileHandle('kept.txt')).createWritable();
		await writable.write('new content');
		memory.crash();
		expect(memory.files()).toEqual(['kept.txt', 'kept.txt.crswap']);
		expect(memory.readText('kept.txt')).toBe('old');
		expect(memory.readText('kept.txt.crswap')).toBe('new content');
		expect(await errorName(writable.close())).toBe('InvalidStateError');
		expect(await errorName(root.getFileHandle('kept.txt'))).toBe('InvalidStateError');
		// The restarted browser: the file is not locked any more; a new writable takes the next swap name.
		const again = memory.root();
		const handle = await again.getFileHandle('kept.txt');
		const next = await handle.createWritable();
		expect(memory.files()).toEqual(['kept.txt', 'kept.txt.1.crswap', 'kept.txt.crswap']);
		await next.close();
		await again.removeEntry('kept.txt.crswap');
		expect(memory.files()).toEqual(['kept.txt']);
	});

	it('is gone while unplugged', async () => {
		const memory = new MemoryFolder();
		const root = memory.root();
		await writeText(root, 'x', '1');
		memory.unplug();
		expect(await errorName(root.getFileHandle('x'))).toBe('NotFoundError');
		expect(await errorName(root.keys().next())).toBe('NotFoundError');
		memory.replug();
		expect(await errorName(root.getFileHandle('x'))).toBe('ok');
	});

	it('reports each change to onOperation, which can fail it', async () => {
		const memory = new MemoryFolder();
		const seen: MemoryOperation[] = [];
		memory.onOperation = (operation) => {
			seen.push(operation);
			if (operation.kind === 'move') throw new DOMException('injected', 'InvalidModificationError');
		};
		const root = memory.root();
		await writeText(root, 'a', 'abc');
		const handle = await root.getFileHandle('a');
		expect(await errorName(handle.move('b'))).toBe('InvalidModificationError');
		await root.removeEntry('a');
		expect(seen).toEqual([
			{ kind: 'create', path: 'a' },
			{ kind: 'write', path: 'a', bytes: 3 },
			{ kind: 'close', path: 'a' },
			{ kind: 'move', path: 'a' },
			{ kind: 'remove', path: 'a' },
		]);
	});
});
