/**
 * What the browser can tell about free space for the backup. `StorageManager.estimate()` describes
 * only the origin's own storage (OPFS), so it answers for a folder inside OPFS (the demo, tests); for
 * a folder on a real drive no browser API tells its free space: undefined.
 */
export async function estimateFreeSpace(
	root: FileSystemDirectoryHandle,
	storage?: Pick<StorageManager, 'estimate' | 'getDirectory'>,
): Promise<number | undefined> {
	if (storage === undefined) return undefined;
	try {
		const origin = await storage.getDirectory();
		const inside = (await origin.isSameEntry(root)) || (await origin.resolve(root)) !== null;
		if (!inside) return undefined;
		const { quota, usage } = await storage.estimate();
		if (quota === undefined || usage === undefined) return undefined;
		return Math.max(0, quota - usage);
	} catch {
		return undefined;
	}
}
