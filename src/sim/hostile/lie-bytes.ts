/**
 * Deterministic bytes for the files a lying phone adds: the same path always gives the same bytes,
 * any range of them, without holding the file (an endless file has no end to hold).
 */
export function lieBytes(path: string, offset: number, length: number): Uint8Array {
	const out = new Uint8Array(length);
	let seed = 2166136261;
	for (let i = 0; i < path.length; i++) seed = Math.imul(seed ^ path.charCodeAt(i), 16777619);
	// Each byte is a hash of the path and its position alone, so a window of the file is the same wherever a read starts.
	for (let i = 0; i < length; i++) {
		let x = Math.imul(seed ^ Math.imul(offset + i, 0x85ebca6b), 0xc2b2ae35);
		x ^= x >>> 15;
		out[i] = Math.imul(x, 0x27d4eb2f) >>> 24;
	}
	return out;
}
