/** A new random upper-case UUID, the form lockdownd's HostID, SystemBUID and SessionID take. */
export function newUuid(crypto: Crypto = globalThis.crypto): string {
	return crypto.randomUUID().toUpperCase();
}
