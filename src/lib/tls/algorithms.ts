/**
 * What we speak (tls.md §0, protocol.md §6.2): ECDHE_RSA key exchange, AES-GCM, curves P-256 and
 * P-384, RSA signatures in PKCS#1 v1.5 and PSS form. That is what lockdownd on iOS 12–18 accepts.
 */

export type HashName = 'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512';

export interface CipherSuite {
	id: number;
	/** OpenSSL's name, which is what logs and Node report. */
	name: string;
	/** The PRF hash (and the transcript hash). */
	hash: 'SHA-256' | 'SHA-384';
	keyLength: 16 | 32;
}

export const ECDHE_RSA_WITH_AES_128_GCM_SHA256 = 0xc02f;
export const ECDHE_RSA_WITH_AES_256_GCM_SHA384 = 0xc030;

export const CIPHER_SUITES: readonly CipherSuite[] = [
	{ id: ECDHE_RSA_WITH_AES_128_GCM_SHA256, name: 'ECDHE-RSA-AES128-GCM-SHA256', hash: 'SHA-256', keyLength: 16 },
	{ id: ECDHE_RSA_WITH_AES_256_GCM_SHA384, name: 'ECDHE-RSA-AES256-GCM-SHA384', hash: 'SHA-384', keyLength: 32 },
];

export function cipherSuiteById(id: number): CipherSuite | undefined {
	return CIPHER_SUITES.find((suite) => suite.id === id);
}

export interface NamedGroup {
	id: number;
	name: 'P-256' | 'P-384';
	/** Bits of shared secret ECDH yields. */
	bits: number;
	/** Length of an uncompressed point (0x04 ‖ x ‖ y). */
	pointLength: number;
}

export const NAMED_GROUPS: readonly NamedGroup[] = [
	{ id: 0x0017, name: 'P-256', bits: 256, pointLength: 65 },
	{ id: 0x0018, name: 'P-384', bits: 384, pointLength: 97 },
];

export function namedGroupById(id: number): NamedGroup | undefined {
	return NAMED_GROUPS.find((group) => group.id === id);
}

export interface SignatureScheme {
	id: number;
	name: string;
	kind: 'RSASSA-PKCS1-v1_5' | 'RSA-PSS';
	hash: HashName;
}

/** Offered in this order. PKCS#1 SHA-256 first: that is what lockdownd is known to take from clients. */
export const SIGNATURE_SCHEMES: readonly SignatureScheme[] = [
	{ id: 0x0401, name: 'rsa_pkcs1_sha256', kind: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
	{ id: 0x0501, name: 'rsa_pkcs1_sha384', kind: 'RSASSA-PKCS1-v1_5', hash: 'SHA-384' },
	{ id: 0x0601, name: 'rsa_pkcs1_sha512', kind: 'RSASSA-PKCS1-v1_5', hash: 'SHA-512' },
	{ id: 0x0804, name: 'rsa_pss_rsae_sha256', kind: 'RSA-PSS', hash: 'SHA-256' },
	{ id: 0x0805, name: 'rsa_pss_rsae_sha384', kind: 'RSA-PSS', hash: 'SHA-384' },
	{ id: 0x0806, name: 'rsa_pss_rsae_sha512', kind: 'RSA-PSS', hash: 'SHA-512' },
	// Old pair records and devices sign with SHA-1; refusing it would refuse those phones.
	{ id: 0x0201, name: 'rsa_pkcs1_sha1', kind: 'RSASSA-PKCS1-v1_5', hash: 'SHA-1' },
];

export function signatureSchemeById(id: number): SignatureScheme | undefined {
	return SIGNATURE_SCHEMES.find((scheme) => scheme.id === id);
}

export function signatureSchemeName(id: number): string {
	return signatureSchemeById(id)?.name ?? `0x${id.toString(16).padStart(4, '0')}`;
}

const HASH_LENGTH: Record<HashName, number> = { 'SHA-1': 20, 'SHA-256': 32, 'SHA-384': 48, 'SHA-512': 64 };

/** The parameters `sign`/`verify` take for a scheme (PSS salt = hash length, as TLS requires). */
export function signatureParams(scheme: SignatureScheme): AlgorithmIdentifier | RsaPssParams {
	return scheme.kind === 'RSA-PSS' ? { name: 'RSA-PSS', saltLength: HASH_LENGTH[scheme.hash] } : { name: scheme.kind };
}

/** The parameters to import a public key with, to check a signature in this scheme. */
export function importParams(scheme: SignatureScheme): RsaHashedImportParams {
	return { name: scheme.kind, hash: scheme.hash };
}

/**
 * The one scheme a private `CryptoKey` can sign with: WebCrypto binds a key to one algorithm and one
 * hash, so a caller who wants to offer several imports the key once per scheme.
 */
export function signatureSchemeOfKey(key: CryptoKey): SignatureScheme | undefined {
	const algorithm = key.algorithm as Partial<RsaHashedKeyAlgorithm>;
	const hash = algorithm.hash?.name;
	return SIGNATURE_SCHEMES.find((scheme) => scheme.kind === algorithm.name && scheme.hash === hash);
}
