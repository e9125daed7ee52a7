import { DER_BIT_STRING, DER_CONTEXT_0, DER_SEQUENCE, equalBytes, readDerChildren, readDerWhole } from '../bytes';

/**
 * Just enough of a certificate to find its public key. We pin keys instead of validating chains
 * (pair-record certificates have empty names and no trust anchor the browser knows), so this is all
 * the certificate parsing the TLS client needs. Malformed input gives `undefined`.
 */

/** The SubjectPublicKeyInfo of a certificate, as a view of its DER. */
export function subjectPublicKeyInfoOf(certificate: Uint8Array): Uint8Array | undefined {
	const cert = readDerWhole(certificate, DER_SEQUENCE);
	const tbs = cert && readDerChildren(cert.value)?.[0];
	if (tbs?.tag !== DER_SEQUENCE) return undefined;
	const fields = readDerChildren(tbs.value);
	if (fields === undefined) return undefined;
	// version [0] is optional; then serial, signature, issuer, validity, subject, subjectPublicKeyInfo
	const first = fields[0]?.tag === DER_CONTEXT_0 ? 1 : 0;
	const spki = fields[first + 5];
	return spki?.tag === DER_SEQUENCE ? spki.whole : undefined;
}

interface PublicKeyParts {
	algorithmOid: Uint8Array;
	key: Uint8Array;
}

function publicKeyParts(spki: Uint8Array): PublicKeyParts | undefined {
	const outer = readDerWhole(spki, DER_SEQUENCE);
	const [algorithm, key] = (outer && readDerChildren(outer.value)) ?? [];
	if (algorithm?.tag !== DER_SEQUENCE || key?.tag !== DER_BIT_STRING) return undefined;
	const oid = readDerChildren(algorithm.value)?.[0];
	if (oid === undefined) return undefined;
	return { algorithmOid: oid.whole, key: key.value };
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
