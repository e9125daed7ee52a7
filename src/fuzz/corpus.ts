import type { TlsRecording } from './tls-recording';

/**
 * Real bytes the fuzz targets start from, loaded once (`corpus-node.ts` in Node). Each target adds the
 * valid encodings our own encoders make for its parser.
 */
export interface SeedCorpus {
	/** The appium-ios-device captures (AFC, lockdown and usbmuxd replies of a real phone), by file name. */
	deviceBytes: ReadonlyMap<string, Uint8Array>;
	/** The fixture photos and videos (HEIC, JPEG, PNG, MOV, AAE), by path under `fixtures/media/`. */
	media: ReadonlyMap<string, Uint8Array>;
	/** Binary plists written by another implementation (the `plist` package). */
	binaryPlists: readonly Uint8Array[];
	/** A TLS handshake between our client and server. */
	tls: TlsRecording;
}

/** A capture by name; a missing fixture is a broken checkout, not something to fuzz around. */
export function deviceCapture(corpus: SeedCorpus, name: string): Uint8Array {
	const bytes = corpus.deviceBytes.get(name);
	if (bytes === undefined) throw new Error(`fixture ${name} is missing from fixtures/bytes/appium-ios-device`);
	return bytes;
}

export function mediaFile(corpus: SeedCorpus, path: string): Uint8Array {
	const bytes = corpus.media.get(path);
	if (bytes === undefined) throw new Error(`fixture ${path} is missing from fixtures/media`);
	return bytes;
}
