/** Lower-case hexadecimal, two digits a byte (digests, ids, serial numbers). */
export function toHex(bytes: Uint8Array | ArrayBuffer): string {
	let out = '';
	for (const byte of bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : bytes) out += byte.toString(16).padStart(2, '0');
	return out;
}

/** The bytes of hexadecimal text; anything that is not a hex digit (spaces, colons) is skipped. */
export function fromHex(hex: string): Uint8Array<ArrayBuffer> {
	const clean = hex.replace(/[^0-9a-f]/gi, '');
	const out = new Uint8Array(clean.length >> 1);
	for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(clean.slice(i * 2, i * 2 + 2), 16);
	return out;
}
