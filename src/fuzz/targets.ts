import { loadExifReader } from '../lib/library/exif-reader';
import type { SeedCorpus } from './corpus';
import type { FuzzTarget } from './run';
import { afcTargets } from './areas/afc';
import { libraryTargets } from './areas/library';
import { lockdownTargets } from './areas/lockdown';
import { pairingTargets } from './areas/pairing';
import { plistTargets } from './areas/plist';
import { tlsTargets } from './areas/tls';
import { usbmuxTargets } from './areas/usbmux';
import { usbmuxdTargets } from './areas/usbmuxd';

/**
 * Every parser that reads bytes from the phone (and the virtual iPhone's reader of third-party tools),
 * bottom up, each with its seeds and its contract. The quick run (`parsers.test.ts`) and the long run
 * (`scripts/fuzz.ts`) both take this list.
 */
export async function createFuzzTargets(corpus: SeedCorpus): Promise<FuzzTarget[]> {
	// The app loads ExifReader before it reads a photo's EXIF; the targets call the parsers directly.
	await loadExifReader();
	return [
		...usbmuxTargets(corpus),
		...plistTargets(corpus),
		...lockdownTargets(corpus),
		...(await tlsTargets(corpus)),
		...pairingTargets(corpus),
		...afcTargets(corpus),
		...libraryTargets(corpus),
		...usbmuxdTargets(corpus),
	];
}

export type { FuzzTarget } from './run';
