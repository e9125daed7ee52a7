export { concatBytes, toHex } from '../lib/bytes';

export function fromHex(hex: string): Uint8Array {
	const clean = hex.replace(/[^0-9a-f]/gi, '');
	const out = new Uint8Array(clean.length >> 1);
	for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(clean.slice(i * 2, i * 2 + 2), 16);
	return out;
}
