import { build } from 'esbuild';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RealmConfig } from './realm/install';

const CACHE_DIR = join(tmpdir(), 'iphone-photo-backup-harness');
const GLOBAL_NAME = '__simUsbHarness';
const bundles = new Map<string, Promise<string>>();

/**
 * Bundles a browser entry point with esbuild, once per test process; a copy goes to the OS temp
 * folder for reading when a test fails.
 */
export function bundle(entry: URL, format: 'iife' | 'esm'): Promise<string> {
	const key = `${entry.href}:${format}`;
	let built = bundles.get(key);
	if (!built) {
		built = (async () => {
			const result = await build({
				entryPoints: [fileURLToPath(entry)],
				bundle: true,
				format,
				...(format === 'iife' ? { globalName: GLOBAL_NAME } : {}),
				target: 'chrome120',
				write: false,
				logLevel: 'silent',
			});
			const code = result.outputFiles[0]!.text;
			await mkdir(CACHE_DIR, { recursive: true });
			const name = `${entry.pathname.split('/').slice(-2).join('-').replace(/\.ts$/, '')}.${format}.js`;
			await writeFile(join(CACHE_DIR, name), code);
			return code;
		})();
		bundles.set(key, built);
	}
	return built;
}

/** The script that installs the fake `navigator.usb` (and picker) in a realm, for that test's bridge. */
export async function realmScript(config: RealmConfig): Promise<string> {
	const code = await bundle(new URL('./realm/install.ts', import.meta.url), 'iife');
	return `${code}\n${GLOBAL_NAME}.install(${JSON.stringify(config)});\n`;
}
