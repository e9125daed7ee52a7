/** Big-endian field access on plain byte arrays: cheaper than a DataView per packet on the hot path. */

export function readU16(bytes: Uint8Array, offset: number): number {
	return (bytes[offset]! << 8) | bytes[offset + 1]!;
}

export function readU32(bytes: Uint8Array, offset: number): number {
	return (
		((bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!) >>> 0
	);
}

export function writeU16(bytes: Uint8Array, offset: number, value: number): void {
	bytes[offset] = value >>> 8;
	bytes[offset + 1] = value;
}

export function writeU32(bytes: Uint8Array, offset: number, value: number): void {
	bytes[offset] = value >>> 24;
	bytes[offset + 1] = value >>> 16;
	bytes[offset + 2] = value >>> 8;
	bytes[offset + 3] = value;
}
