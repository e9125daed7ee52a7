import type init from '@sqlite.org/sqlite-wasm';
import { loadAppChunk } from '../app-code';

/*
 * SQLite, the official WebAssembly build (`@sqlite.org/sqlite-wasm`, pinned at 3.50.4-build1: the last
 * release whose Node entry works on Node 20; later builds need Node 22). It is loaded with `import()`
 * the first time a Photos database is read, so that it is a chunk of its own and never weighs on the
 * device worker's main chunk. In the browser the package's bundler-friendly entry finds `sqlite3.wasm`
 * with `new URL('sqlite3.wasm', import.meta.url)`, which Vite turns into an asset of our own build,
 * served from our own origin; in Node (Vitest) its Node entry reads the file beside it.
 */

export type Sqlite3 = Awaited<ReturnType<typeof init>>;
export type SqliteDatabase = InstanceType<Sqlite3['oo1']['DB']>;

let loading: Promise<Sqlite3> | undefined;

/** The SQLite module, loaded once; a failed load is tried again by the next call. */
export function loadSqlite(): Promise<Sqlite3> {
	if (loading === undefined) {
		const started = (async () => {
			const module = await loadAppChunk(() => import('@sqlite.org/sqlite-wasm'));
			const sqlite3 = await module.default({ print: () => undefined, printErr: () => undefined });
			// A statement stopped at a page not fetched yet is routine here, not worth a console line.
			Object.assign(sqlite3.config as object, { warn: () => undefined, log: () => undefined, debug: () => undefined });
			return sqlite3;
		})();
		started.catch(() => {
			if (loading === started) loading = undefined;
		});
		loading = started;
	}
	return loading;
}
