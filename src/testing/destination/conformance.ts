/**
 * TEST SUPPORT — not part of the app. Probes the File System Access behaviour the backup relies on,
 * in a scratch folder of `root`, and returns what it saw. Vitest runs it on `MemoryFolder`; the e2e
 * test runs it on Chromium's OPFS and requires the same transcript, which is how the memory folder is
 * kept faithful.
 */
export type Transcript = Record<string, unknown>;

const errorName = async (work: () => Promise<unknown>): Promise<string> => {
	try {
		await work();
		return 'ok';
	} catch (error) {
		return String((error as { name?: unknown } | null)?.name);
	}
};

async function names(directory: FileSystemDirectoryHandle): Promise<string[]> {
	const found: string[] = [];
	for await (const [name, handle] of directory.entries()) found.push(handle.kind === 'directory' ? `${name}/` : name);
	return found.sort();
}

async function text(handle: FileSystemFileHandle): Promise<string> {
	return (await handle.getFile()).text();
}

async function bytes(handle: FileSystemFileHandle): Promise<number[]> {
	return Array.from(new Uint8Array(await (await handle.getFile()).arrayBuffer()));
}

async function writeText(handle: FileSystemFileHandle, content: string): Promise<void> {
	const writable = await handle.createWritable();
	await writable.write(content);
	await writable.close();
}

export async function probeFileSystem(root: FileSystemDirectoryHandle, scratchName = 'conformance'): Promise<Transcript> {
	const t: Transcript = {};
	await root.removeEntry(scratchName, { recursive: true }).catch(() => undefined);
	const dir = await root.getDirectoryHandle(scratchName, { create: true });

	// Swap files and the file's content while a writable is open.
	const a = await dir.getFileHandle('a.txt', { create: true });
	const first = await a.createWritable();
	await first.write('hello');
	t.listedWhileWriting = await names(dir);
	t.sizeWhileWriting = (await a.getFile()).size;
	const second = await a.createWritable();
	t.listedWithTwoWritables = await names(dir);
	t.moveWhileOpen = await errorName(() => a.move('b.txt'));
	t.removeWhileOpen = await errorName(() => dir.removeEntry('a.txt'));
	t.removeSwapWhileOpen = await errorName(() => dir.removeEntry('a.txt.crswap'));
	await second.abort();
	t.listedAfterAbort = await names(dir);
	await first.close();
	t.listedAfterClose = await names(dir);
	t.contentAfterClose = await text(a);

	// move(): replaces a file silently, refuses a folder, follows the handle.
	const c = await dir.getFileHandle('c.txt', { create: true });
	await writeText(c, 'ccc');
	t.moveOntoFile = await errorName(() => c.move('a.txt'));
	t.listedAfterMoveOntoFile = await names(dir);
	t.contentAfterMoveOntoFile = await text(a);
	t.movedHandleName = c.name;
	await dir.getDirectoryHandle('sub', { create: true });
	const d = await dir.getFileHandle('d.txt', { create: true });
	t.moveOntoFolder = await errorName(() => d.move('sub'));
	const sub = await dir.getDirectoryHandle('sub');
	t.moveIntoFolder = await errorName(() => d.move(sub, 'd2.txt'));
	t.listedSubAfterMove = await names(sub);
	t.resolvedMoved = await dir.resolve(d);

	// Lookups.
	t.fileHandleOnFolder = await errorName(() => dir.getFileHandle('sub'));
	t.folderHandleOnFile = await errorName(() => dir.getDirectoryHandle('a.txt'));
	t.missingFile = await errorName(() => dir.getFileHandle('missing'));
	t.removeMissing = await errorName(() => dir.removeEntry('missing'));
	t.removeFullFolder = await errorName(() => dir.removeEntry('sub'));
	t.badNames = await Promise.all(['', '.', '..', 'a/b', 'a\\b'].map((name) => errorName(() => dir.getFileHandle(name, { create: true }))));

	// Handles of removed entries.
	const gone = await dir.getDirectoryHandle('gone', { create: true });
	const goneFile = await gone.getFileHandle('x', { create: true });
	await dir.removeEntry('gone', { recursive: true });
	t.removedFolderLookup = await errorName(() => gone.getFileHandle('x'));
	t.removedFolderCreate = await errorName(() => gone.getFileHandle('y', { create: true }));
	t.removedFolderList = await errorName(() => names(gone));
	t.removedFileRead = await errorName(() => goneFile.getFile());
	t.removedFileWrite = await errorName(() => goneFile.createWritable());

	// Positions: seek past the end pads with zeros; truncate keeps the cursor inside; write params.
	const k = await dir.getFileHandle('k.bin', { create: true });
	const kw = await k.createWritable();
	await kw.write('ab');
	await kw.seek(5);
	await kw.write('c');
	await kw.close();
	t.seekPastEnd = await bytes(k);
	const kept = await k.createWritable({ keepExistingData: true });
	await kept.truncate(3);
	await kept.write('Z');
	await kept.close();
	t.truncateThenWrite = await bytes(k);
	const params = await k.createWritable({ keepExistingData: true });
	await params.write({ type: 'write', position: 1, data: new Uint8Array([81]) });
	await params.close();
	t.writeParams = await bytes(k);
	const fresh = await k.createWritable();
	await fresh.close();
	t.withoutKeepExistingData = await bytes(k);

	// A snapshot from getFile() goes stale when the file changes.
	await writeText(k, 'old');
	const snapshot = await k.getFile();
	await writeText(k, 'new!');
	t.staleSnapshotSize = snapshot.size;
	t.staleSnapshotRead = await errorName(() => snapshot.text());

	// write() while a writer holds the stream.
	const m = await dir.getFileHandle('m.txt', { create: true });
	const mw = await m.createWritable();
	const writer = mw.getWriter();
	t.writeWhileLocked = await errorName(() => mw.write('x'));
	await writer.write(new Uint8Array([1, 2, 3]));
	await writer.close();
	t.writtenThroughWriter = await bytes(m);

	t.permission = await (dir as unknown as { queryPermission(d: object): Promise<string> }).queryPermission({ mode: 'readwrite' });
	await root.removeEntry(scratchName, { recursive: true });
	return t;
}

/** What Chromium's OPFS answered (Debian Chromium 156); tests/destination.e2e.ts checks it still does. */
export const CHROMIUM_TRANSCRIPT: Transcript = {
	listedWhileWriting: ['a.txt', 'a.txt.crswap'],
	sizeWhileWriting: 0,
	listedWithTwoWritables: ['a.txt', 'a.txt.1.crswap', 'a.txt.crswap'],
	moveWhileOpen: 'NoModificationAllowedError',
	removeWhileOpen: 'NoModificationAllowedError',
	removeSwapWhileOpen: 'NoModificationAllowedError',
	listedAfterAbort: ['a.txt', 'a.txt.crswap'],
	listedAfterClose: ['a.txt'],
	contentAfterClose: 'hello',
	moveOntoFile: 'ok',
	listedAfterMoveOntoFile: ['a.txt'],
	contentAfterMoveOntoFile: 'ccc',
	movedHandleName: 'a.txt',
	moveOntoFolder: 'InvalidModificationError',
	moveIntoFolder: 'ok',
	listedSubAfterMove: ['d2.txt'],
	resolvedMoved: ['sub', 'd2.txt'],
	fileHandleOnFolder: 'TypeMismatchError',
	folderHandleOnFile: 'TypeMismatchError',
	missingFile: 'NotFoundError',
	removeMissing: 'NotFoundError',
	removeFullFolder: 'InvalidModificationError',
	badNames: ['TypeError', 'TypeError', 'TypeError', 'TypeError', 'TypeError'],
	removedFolderLookup: 'NotFoundError',
	removedFolderCreate: 'NotFoundError',
	removedFolderList: 'NotFoundError',
	removedFileRead: 'NotFoundError',
	removedFileWrite: 'NotFoundError',
	seekPastEnd: [97, 98, 0, 0, 0, 99],
	truncateThenWrite: [90, 98, 0],
	writeParams: [90, 81, 0],
	withoutKeepExistingData: [],
	staleSnapshotSize: 3,
	staleSnapshotRead: 'NotReadableError',
	writeWhileLocked: 'TypeError',
	writtenThroughWriter: [1, 2, 3],
	permission: 'granted',
};
