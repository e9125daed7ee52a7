/**
 * The little DER this app reads and writes itself: one element at a time, bounds-checked, strict
 * (definite, minimal lengths; single-byte tags). Certificates and keys are made by `@peculiar/x509`;
 * this finds the phone's public key in a certificate for pinning, and checks and rewraps the phone's
 * PKCS#1 key before WebCrypto takes it. Malformed input gives `undefined`, never a throw.
 */

export const DER_INTEGER = 0x02;
export const DER_BIT_STRING = 0x03;
export const DER_NULL = 0x05;
export const DER_OBJECT_IDENTIFIER = 0x06;
export const DER_SEQUENCE = 0x30;
/** `[0]`, constructed: an X.509 certificate's optional version. */
export const DER_CONTEXT_0 = 0xa0;

export interface DerElement {
	readonly tag: number;
	/** The contents, a view into the input. */
	readonly value: Uint8Array;
	/** The whole element, tag and length included, a view into the input. */
	readonly whole: Uint8Array;
	/** Offset just past this element in the input. */
	readonly end: number;
}

/**
 * The element starting at `offset`, or `undefined` when the bytes there are not a complete DER element
 * (truncated, indefinite length, non-minimal length, a multi-byte tag). Never reads past `bytes`.
 */
export function readDerElement(bytes: Uint8Array, offset = 0): DerElement | undefined {
	const tag = bytes[offset];
	const first = bytes[offset + 1];
	if (tag === undefined || first === undefined || (tag & 0x1f) === 0x1f) return undefined;
	let length: number;
	let start: number;
	if (first < 0x80) {
		length = first;
		start = offset + 2;
	} else {
		const count = first & 0x7f;
		// 0x80 is BER's indefinite length; more than 3 length bytes (16 MB) is far beyond anything we accept.
		if (count === 0 || count > 3) return undefined;
		length = 0;
		for (let i = 0; i < count; i++) {
			const byte = bytes[offset + 2 + i];
			if (byte === undefined) return undefined;
			length = length * 256 + byte;
		}
		if (length < 0x80 || length < 256 ** (count - 1)) return undefined;
		start = offset + 2 + count;
	}
	const end = start + length;
	if (end > bytes.length) return undefined;
	return { tag, value: bytes.subarray(start, end), whole: bytes.subarray(offset, end), end };
}

/** The one element `bytes` holds, exactly (nothing before or after it), with tag `tag`. */
export function readDerWhole(bytes: Uint8Array, tag: number): DerElement | undefined {
	const element = readDerElement(bytes, 0);
	return element?.tag === tag && element.end === bytes.length ? element : undefined;
}

/** The elements that make up `contents` (of a SEQUENCE), or `undefined` if they do not fill it exactly. */
export function readDerChildren(contents: Uint8Array): DerElement[] | undefined {
	const children: DerElement[] = [];
	let offset = 0;
	while (offset < contents.length) {
		const child = readDerElement(contents, offset);
		if (!child) return undefined;
		children.push(child);
		offset = child.end;
	}
	return children;
}

/** One DER element from a tag and its contents. */
export function encodeDerElement(tag: number, contents: Uint8Array): Uint8Array<ArrayBuffer> {
	const length = contents.length;
	const lengthBytes: number[] = [];
	if (length < 0x80) {
		lengthBytes.push(length);
	} else {
		for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) lengthBytes.unshift(rest % 256);
		lengthBytes.unshift(0x80 | lengthBytes.length);
	}
	const out = new Uint8Array(1 + lengthBytes.length + length);
	out[0] = tag;
	out.set(lengthBytes, 1);
	out.set(contents, 1 + lengthBytes.length);
	return out;
}
