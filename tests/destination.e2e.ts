/**
 * The backup folder code in the real browser, on a real OPFS folder: Chromium still behaves as the
 * memory folder (src/testing/destination/memory-folder.ts) models it, pending files refuse to
 * replace a file although OPFS's move() would, and the leftovers a crashed browser really leaves
 * (`*.crswap`) are cleaned up.
 */
import { chromium, type Page } from '@playwright/test';
import { build } from 'esbuild';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BASE_URL, CHROMIUM } from '../playwright.config';
import { expect, test, type UsbHarness } from './harness/fixtures';
import type * as Destination from '../src/lib/destination/index';
import type * as Conformance from '../src/testing/destination/conformance';
import type { MemoryFolder } from '../src/testing/destination/memory-folder';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const GLOBAL = '__destination';

/** What the bundle puts on `window[GLOBAL]`. */
type PageApi = typeof Destination & typeof Conformance & { MemoryFolder: typeof MemoryFolder };

let bundled: Promise<string> | undefined;
/** The destination module and its test support, bundled for the page. */
function destinationScript(): Promise<string> {
	bundled ??= build({
		stdin: {
			contents: [
				`export * from './src/lib/destination/index';`,
				`export { MemoryFolder } from './src/testing/destination/memory-folder';`,
				`export { probeFileSystem, CHROMIUM_TRANSCRIPT } from './src/testing/destination/conformance';`,
			].join('\n'),
			resolveDir: REPO,
			loader: 'ts',
		},
		bundle: true,
		format: 'iife',
		globalName: GLOBAL,
		target: 'chrome120',
		write: false,
		logLevel: 'silent',
	}).then((result) => result.outputFiles[0]!.text);
	return bundled;
}

/**
 * A blank page on the app's origin (so its OPFS is the app's), served from memory: the app's own
 * page would start its workers, which have nothing to do with these tests.
 */
const PAGE = '/__destination/index.html';

async function load(page: Page, usb: UsbHarness): Promise<void> {
	usb.serve(PAGE, '<!doctype html><meta charset="utf-8"><title>destination</title>');
	await page.goto(PAGE);
	await page.addScriptTag({ content: await destinationScript() });
}

const PHONE = { udid: '00008110-001A2C3E0E41801E', name: 'Anna’s iPhone' };

test('OPFS answers the file-system probes as the memory folder does', async ({ page, usb }) => {
	await load(page, usb);
	const { opfs, memory, recorded } = await page.evaluate(async (global) => {
		const d = (window as unknown as Record<string, PageApi>)[global]!;
		const picked = await window.showDirectoryPicker({ mode: 'readwrite' });
		return {
			opfs: await d.probeFileSystem(picked),
			memory: await d.probeFileSystem(new d.MemoryFolder().root()),
			recorded: d.CHROMIUM_TRANSCRIPT,
		};
	}, GLOBAL);
	expect(opfs).toEqual(recorded);
	expect(memory).toEqual(opfs);
});

test('a pending file refuses to replace a file on OPFS, whose move() would replace it', async ({ page, usb }) => {
	await load(page, usb);
	const result = await page.evaluate(
		async ({ global, phone }) => {
			const d = (window as unknown as Record<string, PageApi>)[global]!;
			const picked = await window.showDirectoryPicker({ mode: 'readwrite' });
			const folder = await d.openBackupFolder(picked, phone);
			const pending = await folder.createFile('2025/05/IMG_0001.HEIC');
			const writer = pending.writable.getWriter();
			await writer.write(new TextEncoder().encode('ours'));
			await writer.close();
			// Someone else's file appears under the same name meanwhile.
			const month = await (await folder.handle.getDirectoryHandle('2025')).getDirectoryHandle('05');
			const theirs = await (await month.getFileHandle('IMG_0001.HEIC', { create: true })).createWritable();
			await theirs.write('theirs');
			await theirs.close();
			const refused = await pending.commit().then(
				() => 'committed',
				(error: { code?: string }) => error.code,
			);
			const readBack = await new Response(await pending.readBack()).text();
			await pending.abort();
			const content = await (await (await month.getFileHandle('IMG_0001.HEIC')).getFile()).text();
			const listed: string[] = [];
			for await (const name of month.keys()) listed.push(name);
			return { refused, readBack, content, listed };
		},
		{ global: GLOBAL, phone: PHONE },
	);
	expect(result).toEqual({ refused: 'folder-file-exists', readBack: 'ours', content: 'theirs', listed: ['IMG_0001.HEIC'] });
});

test('a backup folder on OPFS: names, manifest and SHA256SUMS, reopened by UDID', async ({ page, usb }) => {
	await load(page, usb);
	const result = await page.evaluate(
		async ({ global, phone }) => {
			const d = (window as unknown as Record<string, PageApi>)[global]!;
			const picked = await window.showDirectoryPicker({ mode: 'readwrite' });
			const folder = await d.openBackupFolder(picked, phone);
			const files = ['/DCIM/100APPLE/IMG_0001.HEIC', '/DCIM/100APPLE/IMG_0001.MOV'];
			const asset = { id: files[0]!, baseName: 'IMG_0001', files: files.map((path) => ({ path })) };
			const date = { epochMs: Date.UTC(2025, 4, 26, 12), offsetMinutes: 0, floating: false };
			const entries = [];
			for (const round of [1, 2]) {
				const placement = await folder.placeAsset({ ...asset, id: `${asset.id}#${round}` }, date);
				for (const placed of placement.files) {
					const bytes = new TextEncoder().encode(`${placed.devicePath} ${round}`);
					const pending = await folder.createFile(placed.path);
					const writer = pending.writable.getWriter();
					await writer.write(bytes);
					await writer.close();
					await pending.commit();
					const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
					const sha256 = Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('');
					entries.push({ devicePath: placed.devicePath, assetId: placement.assetId, size: bytes.length, modifiedTime: 0, birthTime: 0, sha256, path: placed.path, backedUpAt: '2025-06-01T00:00:00.000Z' });
				}
			}
			const manifest = d.createManifest(phone, entries, new Date(0));
			await folder.writeManifest(manifest);
			await folder.writeManifest(manifest);
			const again = await d.openBackupFolder(picked, { ...phone, name: 'Renamed' });
			const listed = [];
			for await (const file of again.listFiles()) listed.push(file.path);
			const sums = await (await (await again.handle.getFileHandle('SHA256SUMS')).getFile()).text();
			return { name: again.name, same: JSON.stringify(await again.readManifest()) === JSON.stringify(manifest), listed, sums: sums.split('\n').map((line) => line.slice(66)) };
		},
		{ global: GLOBAL, phone: PHONE },
	);
	expect(result).toEqual({
		name: 'Anna’s iPhone',
		same: true,
		listed: ['2025/05/IMG_0001 (2).HEIC', '2025/05/IMG_0001 (2).MOV', '2025/05/IMG_0001.HEIC', '2025/05/IMG_0001.MOV'],
		sums: ['2025/05/IMG_0001 (2).HEIC', '2025/05/IMG_0001 (2).MOV', '2025/05/IMG_0001.HEIC', '2025/05/IMG_0001.MOV', ''],
	});
});

test('after the browser crashes mid-file, removeLeftovers removes what OPFS really left, as in the memory folder', async ({ usb }) => {
	const profile = await mkdtemp(join(tmpdir(), 'destination-crash-'));
	const launch = async () => {
		const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, baseURL: BASE_URL });
		await usb.installInto(context);
		const page = context.pages()[0] ?? (await context.newPage());
		await load(page, usb);
		return { context, page };
	};
	try {
		let { context, page } = await launch();
		await page.evaluate(
			async ({ global, phone }) => {
				const d = (window as unknown as Record<string, PageApi>)[global]!;
				const folder = await d.openBackupFolder(await window.showDirectoryPicker({ mode: 'readwrite' }), phone);
				const pending = await folder.createFile('2025/05/IMG_0001.MOV');
				await pending.writable.getWriter().write(new Uint8Array(256 * 1024).fill(7));
				// Kept open on purpose: the browser dies now.
				(window as unknown as { keep: unknown }).keep = pending;
			},
			{ global: GLOBAL, phone: PHONE },
		);
		const closed = new Promise((resolve) => context.once('close', resolve));
		void (await context.newCDPSession(page)).send('Browser.crash').catch(() => undefined);
		await closed;

		({ context, page } = await launch());
		const result = await page.evaluate(
			async ({ global, phone }) => {
				const d = (window as unknown as Record<string, PageApi>)[global]!;
				const list = async (root: FileSystemDirectoryHandle) => {
					const found: string[] = [];
					const walk = async (dir: FileSystemDirectoryHandle, prefix: string) => {
						for await (const [name, handle] of dir.entries()) {
							if (handle.kind === 'directory') await walk(handle as FileSystemDirectoryHandle, `${prefix}${name}/`);
							else found.push(`${prefix}${name}:${(await (handle as FileSystemFileHandle).getFile()).size}`);
						}
					};
					await walk(root, '');
					return found.sort().map((entry) => entry.replace(/part-[0-9a-f]{8}/, 'part-X'));
				};
				// The same story in the memory folder, in this page.
				const memory = new d.MemoryFolder();
				const memoryFolder = await d.openBackupFolder(memory.root(), phone);
				const pending = await memoryFolder.createFile('2025/05/IMG_0001.MOV');
				await pending.writable.getWriter().write(new Uint8Array(256 * 1024).fill(7));
				memory.crash();

				const opfs = await d.openBackupFolder(await window.showDirectoryPicker({ mode: 'readwrite' }), phone);
				const restarted = await d.openBackupFolder(memory.root(), phone);
				const before = { opfs: await list(opfs.handle), memory: await list(restarted.handle) };
				const removed = {
					opfs: (await opfs.removeLeftovers()).map((path) => path.replace(/part-[0-9a-f]{8}/, 'part-X')),
					memory: (await restarted.removeLeftovers()).map((path) => path.replace(/part-[0-9a-f]{8}/, 'part-X')),
				};
				const after = { opfs: await list(opfs.handle), memory: await list(restarted.handle) };
				return { before, removed, after };
			},
			{ global: GLOBAL, phone: PHONE },
		);
		await context.close();

		expect(result.before.opfs).toEqual(['2025/05/.IMG_0001.MOV.part-X.crswap:262144', '2025/05/.IMG_0001.MOV.part-X:0', expect.stringMatching(/^SHA256SUMS:0$/), expect.stringMatching(/^manifest\.json:\d+$/)]);
		expect(result.before.memory).toEqual(result.before.opfs);
		expect(result.removed.opfs).toEqual(['2025/05/.IMG_0001.MOV.part-X', '2025/05/.IMG_0001.MOV.part-X.crswap']);
		expect(result.removed.memory).toEqual(result.removed.opfs);
		expect(result.after.opfs).toEqual([expect.stringMatching(/^SHA256SUMS:0$/), expect.stringMatching(/^manifest\.json:\d+$/)]);
		expect(result.after.memory).toEqual(result.after.opfs);
	} finally {
		await rm(profile, { recursive: true, force: true });
	}
});
