import { loadAppChunk } from '../app-code';
import { toHex } from '../bytes';
import type { Extension } from './x509';

/**
 * `@peculiar/x509` and what it brings (ASN.1, dependency injection, Reflect metadata) weigh as much as
 * the rest of the device worker's own code, and only pairing uses them: once per computer and phone.
 * They are loaded then, as a chunk of their own.
 */
type X509 = typeof import('./x509');
const loadX509 = (): Promise<X509> => loadAppChunk(() => import('./x509'));

/**
 * The three certificates of a pair record, shaped as libimobiledevice's OpenSSL build makes them
 * (common/userpref.c; the same shape as a real 2019 record and as pymobiledevice3 and go-ios): X.509
 * v3, empty subject and issuer, all signed by the root key, valid for ten years, and
 *
 *   root:   basicConstraints critical CA:TRUE
 *   host:   basicConstraints critical CA:FALSE; keyUsage critical digitalSignature, keyEncipherment
 *   device: basicConstraints critical CA:FALSE; subjectKeyIdentifier; keyUsage critical (same)
 *
 * Two departures, both as other working tools do: serial number 1 (GnuTLS, mbedTLS and pymobiledevice3
 * builds; OpenSSL builds use 0, which RFC 5280 forbids and @peculiar/x509 cannot write), and
 * SHA-256 signatures (pymobiledevice3, libimobiledevice since 2025; older tools used SHA-1).
 */

/** RSA 2048, e = 65537, PKCS#1 v1.5 signatures with SHA-256. WebCrypto binds the hash to the key. */
export const PAIRING_KEY_ALGORITHM: RsaHashedKeyGenParams = {
	name: 'RSASSA-PKCS1-v1_5',
	modulusLength: 2048,
	publicExponent: new Uint8Array([1, 0, 1]),
	hash: 'SHA-256',
};

/** Ten years of 365 days, as libimobiledevice counts them. */
export const CERTIFICATE_LIFETIME_MS = 3650 * 24 * 60 * 60 * 1000;
/** notBefore lies a minute in the past (as pymobiledevice3 does), so a phone whose clock is a little behind accepts it. */
export const CERTIFICATE_BACKDATE_MS = 60 * 1000;
export const CERTIFICATE_SERIAL_NUMBER = '01';

export interface Validity {
	readonly notBefore: Date;
	readonly notAfter: Date;
}

/** Validity from `now`, on whole seconds since X.509 times have no fractions. */
export function certificateValidity(now: Date): Validity {
	const seconds = Math.floor(now.getTime() / 1000) * 1000;
	return {
		notBefore: new Date(seconds - CERTIFICATE_BACKDATE_MS),
		notAfter: new Date(seconds + CERTIFICATE_LIFETIME_MS),
	};
}

/** A new signing key pair whose private half can never be exported. */
export async function generatePairingKeyPair(crypto: Crypto): Promise<CryptoKeyPair> {
	return crypto.subtle.generateKey(PAIRING_KEY_ALGORITHM, false, ['sign', 'verify']);
}

/** Key usage of the host and device certificates: digitalSignature, keyEncipherment. */
const leafKeyUsage = (x509: X509) => x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment;

export interface Signer {
	readonly privateKey: CryptoKey;
	readonly crypto: Crypto;
	readonly validity: Validity;
}

/** The self-signed root (CA) certificate, DER. */
export function makeRootCertificate(signer: Signer, rootPublicKey: CryptoKey): Promise<Uint8Array> {
	return makeCertificate(signer, rootPublicKey, (x509) => [new x509.BasicConstraintsExtension(true, undefined, true)]);
}

/** The host certificate, DER: our TLS client identity. */
export function makeHostCertificate(signer: Signer, hostPublicKey: CryptoKey): Promise<Uint8Array> {
	return makeCertificate(signer, hostPublicKey, (x509) => [
		new x509.BasicConstraintsExtension(false, undefined, true),
		new x509.KeyUsagesExtension(leafKeyUsage(x509), true),
	]);
}

/**
 * The device certificate, DER, around the phone's key. Its key identifier is the SHA-1 of the
 * RSAPublicKey bytes (RFC 5280 method 1, OpenSSL's "hash"), computed here so it is exactly that.
 */
export async function makeDeviceCertificate(
	signer: Signer,
	deviceSpki: Uint8Array<ArrayBuffer>,
	devicePkcs1: Uint8Array<ArrayBuffer>,
): Promise<Uint8Array> {
	const keyId = new Uint8Array(await signer.crypto.subtle.digest('SHA-1', devicePkcs1));
	return makeCertificate(signer, deviceSpki, (x509) => [
		new x509.BasicConstraintsExtension(false, undefined, true),
		new x509.SubjectKeyIdentifierExtension(toHex(keyId), false),
		new x509.KeyUsagesExtension(leafKeyUsage(x509), true),
	]);
}

async function makeCertificate(
	signer: Signer,
	publicKey: CryptoKey | Uint8Array<ArrayBuffer>,
	extensions: (x509: X509) => Extension[],
): Promise<Uint8Array> {
	const x509 = await loadX509();
	const certificate = await x509.X509CertificateGenerator.create(
		{
			serialNumber: CERTIFICATE_SERIAL_NUMBER,
			notBefore: signer.validity.notBefore,
			notAfter: signer.validity.notAfter,
			// No subject or issuer: both stay empty Names, as in every pair record.
			publicKey,
			signingKey: signer.privateKey,
			extensions: extensions(x509),
		},
		signer.crypto,
	);
	return new Uint8Array(certificate.rawData);
}
