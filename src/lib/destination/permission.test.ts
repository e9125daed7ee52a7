import { describe, expect, it } from 'vitest';
import { isDeviceError } from '../errors';
import { estimateFreeSpace } from './free-space';
import { checkPermission, requireWritePermission } from './permission';
import { MemoryFolder } from '../../testing/destination/memory-folder';

describe('checkPermission', () => {
	it('reports the state, and asks only when told to', async () => {
		const memory = new MemoryFolder();
		const root = memory.root();
		expect(await checkPermission(root)).toBe('granted');
		memory.setPermission('prompt', 'granted');
		expect(await checkPermission(root)).toBe('prompt');
		expect(await checkPermission(root, { request: true })).toBe('granted');
		memory.setPermission('prompt', 'denied');
		expect(await checkPermission(root, { request: true })).toBe('denied');
		memory.setPermission('denied', 'granted');
		expect(await checkPermission(root, { request: true })).toBe('denied');
	});

	it('counts a request the browser refuses to show (no user gesture) as still to ask', async () => {
		const handle = {
			queryPermission: async () => 'prompt' as const,
			requestPermission: async () => {
				throw new DOMException('User activation is required to request permissions.', 'SecurityError');
			},
		} as unknown as FileSystemHandle;
		expect(await checkPermission(handle, { request: true })).toBe('prompt');
	});

	it('treats handles without permission methods as granted', async () => {
		expect(await checkPermission({ kind: 'directory', name: 'x' } as unknown as FileSystemHandle)).toBe('granted');
	});

	it('fails with folder-permission when writing is not allowed', async () => {
		const memory = new MemoryFolder();
		memory.setPermission('prompt');
		const error = await requireWritePermission(memory.root()).catch((e: unknown) => e);
		expect(isDeviceError(error, 'folder-permission')).toBe(true);
		memory.setPermission('prompt', 'granted');
		await expect(requireWritePermission(memory.root(), { request: true })).resolves.toBeUndefined();
	});
});

describe('estimateFreeSpace', () => {
	const storageFor = (origin: FileSystemDirectoryHandle, estimate: StorageEstimate) => ({
		getDirectory: async () => origin,
		estimate: async () => estimate,
	});

	it('answers for a folder inside the origin’s storage (OPFS)', async () => {
		const opfs = new MemoryFolder().root();
		const picked = await opfs.getDirectoryHandle('picked', { create: true });
		expect(await estimateFreeSpace(picked, storageFor(opfs, { quota: 1000, usage: 250 }))).toBe(750);
		expect(await estimateFreeSpace(opfs, storageFor(opfs, { quota: 1000, usage: 1200 }))).toBe(0);
	});

	it('cannot tell for a folder on a real drive, or without a StorageManager', async () => {
		const opfs = new MemoryFolder().root();
		const elsewhere = new MemoryFolder().root();
		expect(await estimateFreeSpace(elsewhere, storageFor(opfs, { quota: 1000, usage: 0 }))).toBeUndefined();
		expect(await estimateFreeSpace(elsewhere)).toBeUndefined();
		expect(await estimateFreeSpace(opfs, storageFor(opfs, {}))).toBeUndefined();
	});
});
