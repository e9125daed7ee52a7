import type { SeedCorpus } from './corpus';
import type { FuzzTarget } from './run';
import { afcTargets } from './targets/afc';
import { libraryTargets } from './targets/library';
import { lockdownTargets } from './targets/lockdown';
import { pairingTargets } from './targets/pairing';
import { plistTargets } from './targets/plist';
import { tlsTargets } from './targets/tls';
import { usbmuxTargets } from './targets/usbmux';
import { usbmuxdTargets } from './targets/usbmuxd';

/**
 * Every parser that reads bytes from the phone (and the virtual iPhone's reader of third-party tools),
 * bottom up, each with its seeds and its contract. The quick run (`parsers.test.ts`) and the long run
 * (`scripts/fuzz.ts`) both take this list.
 */
export async function createFuzzTargets(corpus: SeedCorpus): Promise<FuzzTarget[]> {
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
