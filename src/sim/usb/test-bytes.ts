/**
 * For tests: where two byte arrays first differ (-1 when equal). Vitest's toEqual walks typed arrays
 * element by element with diffing and takes most of a second on 64 KiB.
 */
export function firstDifference(a: Uint8Array, b: Uint8Array): number {
	const n = Math.min(a.byteLength, b.byteLength);
	for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
	return a.byteLength === b.byteLength ? -1 : n;
}
