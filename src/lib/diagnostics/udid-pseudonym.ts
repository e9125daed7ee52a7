import { toHex } from '../bytes';

/**
 * The UDID in a report: HMAC-SHA-256 under a key made for this recorder (one device worker's life),
 * held in memory as a non-extractable WebCrypto key and never stored. Within a report the same phone
 * always has the same pseudonym (the phone back after a replug, the phone named in the error), so a
 * reader can tell one phone from two; across sessions it differs, so reports posted to public bug
 * threads cannot be joined to follow one phone, and nobody without the key (no one, once the worker
 * is gone) can test a guessed UDID against it. A key kept in IndexedDB would link every report of this
 * browser and lie in the profile for anyone who copies it.
 */
export class UdidPseudonyms {
	#key: Promise<CryptoKey> | undefined;

	constructor(key?: CryptoKey) {
		if (key !== undefined) this.#key = Promise.resolve(key);
	}

	/** `udid:` and 24 hex digits of the HMAC; a USB serial and its UDID (with the dash) give the same. */
	async of(udid: string): Promise<string> {
		this.#key ??= crypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
		const mac = await crypto.subtle.sign('HMAC', await this.#key, new TextEncoder().encode(canonicalUdid(udid)));
		return `udid:${toHex(new Uint8Array(mac).subarray(0, 12))}`;
	}
}

/** Upper case, without the dash usbmuxd puts after the 8th digit of new-style UDIDs. */
export function canonicalUdid(udid: string): string {
	return udid.replaceAll('-', '').toUpperCase();
}
