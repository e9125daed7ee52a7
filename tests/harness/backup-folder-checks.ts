import type { Page } from '@playwright/test';
import { expect } from '@playwright/test';
import type { VirtualIPhone } from '../../src/sim/virtual-iphone';

/** Files the camera-roll scanner looks at: everything else on the phone is not the photo library. */
const PHOTO_FILE = /^\/(DCIM|PhotoData\/CPLAssets|PhotoData\/Mutations)\//;

interface ManifestEntry {
	devicePath: string;
	path: string;
	sha256: string;
}

/** Every file in the picked OPFS folder, with its SHA-256, as the page sees it. */
export async function folderContents(page: Page, folder: string): Promise<Record<string, string>> {
	return page.evaluate(async (name) => {
		const root = await (await navigator.storage.getDirectory()).getDirectoryHandle(name);
		const out: Record<string, string> = {};
		async function walk(dir: FileSystemDirectoryHandle, prefix: string) {
			for await (const [entryName, handle] of dir.entries()) {
				const path = `${prefix}${entryName}`;
				if (handle.kind === 'directory') await walk(handle as FileSystemDirectoryHandle, `${path}/`);
				else {
					const bytes = await (await (handle as FileSystemFileHandle).getFile()).arrayBuffer();
					const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
					out[path] = Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
				}
			}
		}
		await walk(root, '');
		return out;
	}, folder);
}

export async function readText(page: Page, path: string[]): Promise<string> {
	return page.evaluate(async (parts) => {
		let dir = await navigator.storage.getDirectory();
		for (const part of parts.slice(0, -1)) dir = await dir.getDirectoryHandle(part);
		return (await (await dir.getFileHandle(parts.at(-1)!)).getFile()).text();
	}, path);
}

/**
 * The folder holds every readable photo file of the phone (but those of items in Recently Deleted) exactly once, with the phone's SHA-256, no
 * temporary or swap file, and a manifest and SHA256SUMS that agree with the bytes.
 */
export async function expectCompleteBackup(page: Page, folder: string, phone: Pick<VirtualIPhone, 'cameraRoll'>): Promise<void> {
	const roll = phone.cameraRoll!;
	const contents = await folderContents(page, folder);
	const paths = Object.keys(contents);
	expect(paths.filter((path) => /\.part-|\.crswap$/.test(path))).toEqual([]);
	const manifestPath = paths.find((path) => path.endsWith('/manifest.json'));
	expect(manifestPath).toBeDefined();
	const deviceFolder = manifestPath!.split('/')[0]!;
	const manifest = JSON.parse(await readText(page, [folder, deviceFolder, 'manifest.json'])) as { entries: ManifestEntry[] };

	// Problems are gathered and asserted once: an `expect` per file costs milliseconds each in Playwright,
	// minutes over a library of thousands.
	// Items in Recently Deleted are left out of a backup (unless the person includes them).
	const trashed = new Set(roll.assets().flatMap((asset) => (asset.trashed ? asset.files : [])));
	const readable = [...roll.files()].filter((file) => !file.unreadable && PHOTO_FILE.test(file.path) && !trashed.has(file.path));
	const byDevicePath = new Map(manifest.entries.map((entry) => [entry.devicePath, entry]));
	const wrong: string[] = [];
	for (const file of readable) {
		const entry = byDevicePath.get(file.path);
		if (entry === undefined) {
			wrong.push(`${file.path}: not in the manifest`);
			continue;
		}
		const expected = await roll.expectedSha256(file.path);
		if (entry.sha256 !== expected) wrong.push(`${file.path}: the manifest says ${entry.sha256}, the phone has ${expected}`);
		const stored = contents[`${deviceFolder}/${entry.path}`];
		if (stored !== expected) wrong.push(`${entry.path}: the folder holds ${stored ?? 'nothing'}, the phone has ${expected}`);
	}
	expect(wrong).toEqual([]);
	// One file in the folder per manifest path, and nothing in the folder that the manifest does not know.
	const recorded = new Set(manifest.entries.map((entry) => entry.path));
	expect(recorded.size).toBe(manifest.entries.length);
	const stored = paths.filter((path) => !/\/(manifest\.json|SHA256SUMS)$/.test(path)).map((path) => path.slice(deviceFolder.length + 1));
	expect(stored.sort()).toEqual([...recorded].sort());

	const lines = (await readText(page, [folder, deviceFolder, 'SHA256SUMS'])).trim().split('\n');
	expect(lines.length).toBe(recorded.size);
	const badLines = lines.filter((line) => {
		const match = /^([0-9a-f]{64}) {2}(.+)$/.exec(line);
		return match === null || contents[`${deviceFolder}/${match[2]}`] !== match[1];
	});
	expect(badLines).toEqual([]);
}
