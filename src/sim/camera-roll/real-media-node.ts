import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { REAL_MEDIA_FILES, type RealMedia } from './real-media';

/** The shared fixtures sit beside the checkout (`../shared/fixtures/media/` from the repository root). */
export const FIXTURE_MEDIA_DIR = new URL('../../../../shared/fixtures/media/', import.meta.url);

/** Reads the real fixture files from disk, checking each against its known size and SHA-256. */
export async function loadRealMedia(directory: URL = FIXTURE_MEDIA_DIR): Promise<RealMedia> {
	const media = new Map<string, Uint8Array>();
	for (const file of REAL_MEDIA_FILES) {
		const bytes = new Uint8Array(await readFile(new URL(file.fixturePath, directory)));
		const sha256 = createHash('sha256').update(bytes).digest('hex');
		if (bytes.length !== file.size || sha256 !== file.sha256) {
			throw new Error(`Fixture ${file.fixturePath} is not the expected file (size ${bytes.length}, sha256 ${sha256}).`);
		}
		media.set(file.phoneName, bytes);
	}
	return media;
}
