import type { Sqlite3 } from '../../lib/photos-db/sqlite';

/*
 * The virtual iPhone's own SQLite: an instance of the official WebAssembly build apart from the one
 * the page's Photos database reader loads (`lib/photos-db/sqlite.ts`), as a phone's SQLite is apart
 * from the computer's. What the reader sets for itself (its heap limit, which SQLite keeps for the
 * whole instance) never reaches the phone's building of a `huge` library in memory. Loaded with
 * `import()` when the first database is built, so it stays out of the demo's chunk until then.
 */

let loading: Promise<Sqlite3> | undefined;

export function loadPhoneSqlite(): Promise<Sqlite3> {
	if (loading === undefined) {
		const started = import('@sqlite.org/sqlite-wasm').then((module) => module.default({ print: () => undefined, printErr: () => undefined }));
		started.catch(() => {
			if (loading === started) loading = undefined;
		});
		loading = started;
	}
	return loading;
}
