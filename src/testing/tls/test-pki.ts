import * as x509 from '../../lib/pairing/x509';
import type { TlsClientOptions } from '../../lib/tls/client-handshake';
import type { TlsServerOptions } from '../../lib/tls/server-handshake';

/**
 * Pair-record-shaped certificates for tests (protocol.md §5.2): an RSA-2048 root (self-signed, empty
 * name, CA), a host certificate and a device certificate signed by it (empty names, CA:FALSE), made
 * with WebCrypto and @peculiar/x509 the way pairing makes them.
 */

const RSA_PKCS1_SHA256: RsaHashedKeyGenParams = {
	name: 'RSASSA-PKCS1-v1_5',
	modulusLength: 2048,
	publicExponent: new Uint8Array([1, 0, 1]),
	hash: 'SHA-256',
};

export interface Identity {
	certificate: Uint8Array;
	/** Private key for TLS (RSASSA-PKCS1-v1_5 / SHA-256). */
	privateKey: CryptoKey;
	/** SubjectPublicKeyInfo DER. */
	publicKeyInfo: Uint8Array;
}

export interface TestPki {
	root: Identity & { publicKey: CryptoKey };
	/** The client's identity: non-extractable key, as the product keeps it. */
	host: Identity;
	/** The same host certificate signed with SHA-1, as pre-2025 pair records are. */
	hostSha1Certificate: Uint8Array;
	/** The device's identity: an extractable key, so OpenSSL can play the device too. */
	device: Identity;
	/** A second host identity with an extractable key, for Node's TLS client. */
	extractableHost: Identity;
	/** A self-signed identity the root never signed. */
	stranger: Identity;
}

export async function createTestPki(): Promise<TestPki> {
	const subtle = globalThis.crypto.subtle;
	const generate = (extractable: boolean) =>
		subtle.generateKey(RSA_PKCS1_SHA256, extractable, ['sign', 'verify']) as Promise<CryptoKeyPair>;
	const [rootKeys, hostKeys, deviceKeys, extractableHostKeys, strangerKeys] = await Promise.all([
		generate(true),
		generate(false),
		generate(true),
		generate(true),
		generate(true),
	]);
	const rootSha1Key = await subtle.importKey(
		'pkcs8',
		await subtle.exportKey('pkcs8', rootKeys.privateKey),
		{ name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-1' },
		false,
		['sign'],
	);

	const root = await certificate(rootKeys.publicKey, rootKeys, 'SHA-256', true);
	const leaf = (
		keys: CryptoKeyPair,
		signer: { publicKey: CryptoKey; privateKey: CryptoKey } = rootKeys,
		hash: 'SHA-256' | 'SHA-1' = 'SHA-256',
	) => certificate(keys.publicKey, signer, hash, false);
	const identity = async (keys: CryptoKeyPair, cert: Uint8Array): Promise<Identity> => ({
		certificate: cert,
		privateKey: keys.privateKey,
		publicKeyInfo: new Uint8Array(await subtle.exportKey('spki', keys.publicKey)),
	});

	return {
		root: { ...(await identity(rootKeys, root)), publicKey: rootKeys.publicKey },
		host: await identity(hostKeys, await leaf(hostKeys)),
		hostSha1Certificate: await leaf(hostKeys, { publicKey: rootKeys.publicKey, privateKey: rootSha1Key }, 'SHA-1'),
		device: await identity(deviceKeys, await leaf(deviceKeys)),
		extractableHost: await identity(extractableHostKeys, await leaf(extractableHostKeys)),
		stranger: await identity(strangerKeys, await leaf(strangerKeys, strangerKeys)),
	};
}

async function certificate(
	publicKey: CryptoKey,
	signer: { publicKey: CryptoKey; privateKey: CryptoKey },
	hash: 'SHA-256' | 'SHA-1',
	isRoot: boolean,
): Promise<Uint8Array> {
	const now = Date.now();
	const extensions: x509.Extension[] = [new x509.BasicConstraintsExtension(isRoot, undefined, true)];
	if (!isRoot) {
		extensions.push(
			new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
		);
	}
	extensions.push(await x509.SubjectKeyIdentifierExtension.create(publicKey));
	// With empty names, OpenSSL takes a leaf for self-signed (DEPTH_ZERO_SELF_SIGNED_CERT) unless the
	// authority key identifier says who signed it (tls.md, addendum). iPhones do not need it.
	if (!isRoot) extensions.push(await x509.AuthorityKeyIdentifierExtension.create(signer.publicKey));
	const cert = await x509.X509CertificateGenerator.create({
		serialNumber: isRoot ? '00' : '01',
		subject: '',
		issuer: '',
		notBefore: new Date(now - 60_000),
		notAfter: new Date(now + 3650 * 86_400_000),
		signingAlgorithm: { name: 'RSASSA-PKCS1-v1_5', hash },
		publicKey,
		signingKey: signer.privateKey,
		extensions,
	});
	return new Uint8Array(cert.rawData);
}

/** "Signed by this root": the check the virtual iPhone makes on the client's certificate. */
export async function signedByRoot(certificate: Uint8Array, root: Uint8Array): Promise<boolean> {
	try {
		// Passing the root certificate (not a CryptoKey) makes @peculiar/x509 import its key with the
		// hash the checked certificate names, so SHA-1-signed certificates verify too.
		return await new x509.X509Certificate(certificate.slice()).verify({
			publicKey: new x509.X509Certificate(root.slice()),
			signatureOnly: true,
		});
	} catch {
		return false;
	}
}

export function toPem(der: Uint8Array, label: 'CERTIFICATE' | 'PRIVATE KEY'): string {
	let binary = '';
	for (const byte of der) binary += String.fromCharCode(byte);
	const base64 = btoa(binary).replace(/.{64}/g, '$&\n');
	return `-----BEGIN ${label}-----\n${base64}\n-----END ${label}-----\n`;
}

export async function privateKeyPem(key: CryptoKey): Promise<string> {
	return toPem(new Uint8Array(await globalThis.crypto.subtle.exportKey('pkcs8', key)), 'PRIVATE KEY');
}

/** Client options as lockdown uses them: the host certificate and key, the device's key pinned. */
export function clientOptionsFor(pki: TestPki, overrides: Partial<TlsClientOptions> = {}): TlsClientOptions {
	return {
		certificate: pki.host.certificate,
		privateKey: pki.host.privateKey,
		serverPublicKey: pki.device.publicKeyInfo,
		...overrides,
	};
}

/** Server options as the virtual iPhone uses them: the device certificate, clients signed by the root. */
export function serverOptionsFor(pki: TestPki, overrides: Partial<TlsServerOptions> = {}): TlsServerOptions {
	return {
		certificate: pki.device.certificate,
		privateKey: pki.device.privateKey,
		verifyClientCertificate: (chain) => signedByRoot(chain[0]!, pki.root.certificate),
		...overrides,
	};
}
