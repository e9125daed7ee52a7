import { readFile } from 'node:fs/promises';
import { PHOTOS_DATABASE_PATH } from '../../lib/photos-db';

/**
 * The real Photos.sqlite databases of the shared fixtures (written by Apple's Photos on macOS 12 to
 * 26, the data model of iOS 15 to 26), with their WAL files. They sit beside the checkout
 * (`../shared/fixtures/` from the repository root).
 */
const FIXTURES = new URL('../../../../shared/fixtures/photos-sqlite/', import.meta.url);

export const PHOTOS_FIXTURE_VERSIONS = ['macos-12.0.1', 'macos-13.0.0', 'macos-14.6.0', 'macos-15.4.1', 'macos-26.1'] as const;
export type PhotosFixtureVersion = (typeof PHOTOS_FIXTURE_VERSIONS)[number];

const loaded = new Map<PhotosFixtureVersion, Promise<{ main: Uint8Array; wal: Uint8Array }>>();

/** The fixture's main file and WAL, read once per process. */
export function loadPhotosFixture(version: PhotosFixtureVersion): Promise<{ main: Uint8Array; wal: Uint8Array }> {
	let loading = loaded.get(version);
	if (loading === undefined) {
		const folder = new URL(`${version}/`, FIXTURES);
		loading = Promise.all([readFile(new URL('Photos.sqlite', folder)), readFile(new URL('Photos.sqlite-wal', folder))]).then(([main, wal]) => ({
			main: new Uint8Array(main),
			wal: new Uint8Array(wal),
		}));
		loaded.set(version, loading);
	}
	return loading;
}

/** The files as they would lie on a phone: `/PhotoData/Photos.sqlite` and its `-wal` (when wanted). */
export async function photosFixtureFiles(version: PhotosFixtureVersion, options: { wal?: boolean } = {}): Promise<Map<string, Uint8Array>> {
	const { main, wal } = await loadPhotosFixture(version);
	const files = new Map<string, Uint8Array>([[PHOTOS_DATABASE_PATH, main]]);
	if (options.wal ?? true) files.set(`${PHOTOS_DATABASE_PATH}-wal`, wal);
	return files;
}
