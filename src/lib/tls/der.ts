import { equalBytes } from './bytes';

/**
 * Just enough DER to find the public key in an X.509 certificate. We pin keys instead of validating
 * chains (pair-record certificates have empty names and no trust anchor the browser knows), so this
 * is all the certificate parsing the TLS client needs. Malformed input gives `undefined`.
 */

interface Tlv {
	tag: number;
	/** Start of the whole element (tag byte). */
	start: number;
	/** Start of the contents. */
	body: number;
	/** One past the end of the contents. */
	end: number;
}

const SEQUENCE = 0x30;
const BIT_STRING = 0x03;
const CONTEXT_0 = 0xa0;

function readTlv(der: Uint8Array, offset: number, limit: number): Tlv | undefined {
	if (offset + 2 > limit) return undefined;
	const tag = der[offset]!;
	let length = der[offset + 1]!;
	let body = offset + 2;
	if (length & 0x80) {
		const count = length & 0x7f;
		// DER lengths here fit in 3 bytes (16 MB); longer or indefinite forms are not DER certificates.
		if (count === 0 || count > 3 || body + count > limit) return undefined;
		length = 0;
		for (let i = 0; i < count; i++) length = length * 256 + der[body + i]!;
		body += count;
	}
	const end = body + length;
	if (end > limit) return undefined;
	return { tag, start: offset, body, end };
}

function children(der: Uint8Array, parent: Tlv): Tlv[] | undefined {
	const out: Tlv[] = [];
	for (let offset = parent.body; offset < parent.end; ) {
		const child = readTlv(der, offset, parent.end);
		if (child === undefined) return undefined;
		out.push(child);
		offset = child.end;
	}
	return out;
}

/** The SubjectPublicKeyInfo of a certificate, as a view of its DER. */
export function subjectPublicKeyInfoOf(certificate: Uint8Array): Uint8Array | undefined {
	const cert = readTlv(certificate, 0, certificate.length);
	if (cert?.tag !== SEQUENCE || cert.end !== certificate.length) return undefined;
	const tbs = children(certificate, cert)?.[0];
	if (tbs?.tag !== SEQUENCE) return undefined;
	const fields = children(certificate, tbs);
	if (fields === undefined) return undefined;
	// version [0] is optional; then serial, signature, issuer, validity, subject, subjectPublicKeyInfo
	const first = fields[0]?.tag === CONTEXT_0 ? 1 : 0;
	const spki = fields[first + 5];
	if (spki?.tag !== SEQUENCE) return undefined;
	return certificate.subarray(spki.start, spki.end);
}

interface PublicKeyParts {
	algorithmOid: Uint8Array;
	key: Uint8Array;
}

function publicKeyParts(spki: Uint8Array): PublicKeyParts | undefined {
	const outer = readTlv(spki, 0, spki.length);
	if (outer?.tag !== SEQUENCE || outer.end !== spki.length) return undefined;
	const [algorithm, key] = children(spki, outer) ?? [];
	if (algorithm?.tag !== SEQUENCE || key?.tag !== BIT_STRING) return undefined;
	const oid = children(spki, algorithm)?.[0];
	if (oid === undefined) return undefined;
	return { algorithmOid: spki.subarray(oid.start, oid.end), key: spki.subarray(key.body, key.end) };
}

/**
 * Whether two SubjectPublicKeyInfos hold the same key. Compares the algorithm and the key bits,
 * ignoring how the algorithm's parameters were written (NULL or absent), which differs between
 * encoders for the same RSA key.
 */
export function samePublicKey(a: Uint8Array, b: Uint8Array): boolean {
	const x = publicKeyParts(a);
	const y = publicKeyParts(b);
	if (x === undefined || y === undefined) return false;
	return equalBytes(x.algorithmOid, y.algorithmOid) && equalBytes(x.key, y.key);
}

export function isSubjectPublicKeyInfo(spki: Uint8Array): boolean {
	return publicKeyParts(spki) !== undefined;
}
