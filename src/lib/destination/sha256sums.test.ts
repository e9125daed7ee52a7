import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openBackupFolder } from './backup-folder';
import { createManifest } from './manifest';
import { checksumLine, formatSha256Sums } from './sha256sums';
import { MemoryFolder } from '../../testing/destination/memory-folder';
import type { ManifestEntry } from './types';

const temporaryDirectories: string[] = [];
afterEach(async () => {
	for (const directory of temporaryDirectories.splice(0)) await rm(directory, { recursive: true, force: true });
});

async function scratch(): Promise<string> {
	const directory = await mkdtemp(join(tmpdir(), 'sha256sums-'));
	temporaryDirectories.push(directory);
	return directory;
}

async function sha256(bytes: Uint8Array): Promise<string> {
	const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
	return Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** Runs the real GNU `sha256sum -c` in `directory`. */
function check(directory: string, file = 'SHA256SUMS') {
	const result = spawnSync('sha256sum', ['--strict', '-c', file], { cwd: directory, encoding: 'utf8' });
	return { status: result.status, out: result.stdout + result.stderr };
}

describe('checksumLine', () => {
	it('writes the hash, two spaces and the path', () => {
		expect(checksumLine({ sha256: 'a'.repeat(64), path: '2025/05/IMG 0001 (2).HEIC' })).toBe(`${'a'.repeat(64)}  2025/05/IMG 0001 (2).HEIC\n`);
	});

	it('escapes backslashes and line breaks as coreutils does, with a leading backslash', () => {
		expect(checksumLine({ sha256: 'b'.repeat(64), path: 'a\\b\nc\rd' })).toBe(`\\${'b'.repeat(64)}  a\\\\b\\nc\\rd\n`);
	});

	it('sorts lines by path', () => {
		const text = formatSha256Sums([
			{ sha256: '1'.repeat(64), path: 'b' },
			{ sha256: '2'.repeat(64), path: 'a' },
		]);
		expect(text.split('\n').map((line) => line.slice(66))).toEqual(['a', 'b', '']);
	});
});

describe('SHA256SUMS and the real sha256sum -c', () => {
	it('accepts names that need escaping, written straight to disk', async () => {
		const directory = await scratch();
		const names = ['plain.txt', 'with space.txt', 'back\\slash.txt', 'new\nline.txt', 'carriage\rreturn.txt', 'Ünïcödé 写真 😀.jpg', ' leading space', '*star'];
		const lines = [];
		for (const [i, name] of names.entries()) {
			const bytes = new TextEncoder().encode(`content ${i}`);
			await writeFile(join(directory, name), bytes);
			lines.push({ sha256: await sha256(bytes), path: name });
		}
		await writeFile(join(directory, 'SHA256SUMS'), formatSha256Sums(lines));
		const result = check(directory);
		expect(result.out).not.toContain('FAILED');
		expect(result.status).toBe(0);
		expect(result.out.match(/: OK$/gm)).toHaveLength(names.length);
	});

	it('accepts the file a backup folder writes, and catches a changed file', async () => {
		const memory = new MemoryFolder();
		const folder = await openBackupFolder(memory.root(), { udid: '00008110-001A2C3E0E41801E', name: 'Anna’s iPhone' });
		const names = ['2025/05/IMG_0001.HEIC', '2025/05/IMG_0001 (2).HEIC', '2025/05/IMG_3582 (edited).heic', 'Undated/写真 😀 Ünïcödé.JPG', '2024/12/name with  two  spaces.MOV'];
		const entries: ManifestEntry[] = [];
		for (const [i, path] of names.entries()) {
			const bytes = new TextEncoder().encode(`bytes of ${path} ${'x'.repeat(i * 1000)}`);
			const pending = await folder.createFile(path);
			const writer = pending.writable.getWriter();
			await writer.write(bytes);
			await writer.close();
			await pending.commit();
			entries.push({
				devicePath: `/DCIM/100APPLE/${i}`,
				assetId: `/DCIM/100APPLE/${i}`,
				size: bytes.length,
				modifiedTime: 0,
				birthTime: 0,
				sha256: await sha256(bytes),
				path,
				backedUpAt: '2025-06-01T00:00:00.000Z',
			});
		}
		await folder.writeManifest(createManifest(folder.device, entries));

		// Materialize the iPhone's folder as memory holds it.
		const directory = await scratch();
		const prefix = `${folder.name}/`;
		for (const path of memory.files()) {
			expect(path.startsWith(prefix)).toBe(true);
			const target = join(directory, path.slice(prefix.length));
			await mkdir(dirname(target), { recursive: true });
			await writeFile(target, memory.read(path)!);
		}
		const good = check(directory);
		expect(good.status).toBe(0);
		expect(good.out.match(/: OK$/gm)).toHaveLength(names.length);

		await writeFile(join(directory, '2025/05/IMG_0001 (2).HEIC'), 'changed');
		const bad = check(directory);
		expect(bad.status).not.toBe(0);
		expect(bad.out).toContain('2025/05/IMG_0001 (2).HEIC: FAILED');
	});
});
