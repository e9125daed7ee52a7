import type { PairRecord } from '../../../lib/lockdown/pair-record';
import * as x509 from '../../../lib/pairing/x509';

/*
 * Pair records for tests, made the way hosts make them (protocol.md §5.2): a self-signed root, a host
 * certificate and a device certificate for the device's public key, both signed by the root, empty
 * names, ten years. The product's own generator lives in src/lib/pairing; this one exists so lockdown
 * can be tested without it, and can also make records a device must refuse.
 */

const RSA = {
	name: 'RSASSA-PKCS1-v1_5',
	modulusLength: 2048,
	publicExponent: new Uint8Array([1, 0, 1]),
	hash: 'SHA-256',
} as const;

export interface TestPairRecord {
	record: PairRecord;
	rootKeys: CryptoKeyPair;
	hostKeys: CryptoKeyPair;
}

export interface MakePairRecordOptions {
	hostId?: string;
	systemBuid?: string;
	/** Sign the device certificate with another root than the one in the record. */
	foreignDeviceCertificateSigner?: boolean;
}

/** A pair record for the device whose public key is `devicePublicKey`. Keys are extractable (tests). */
export async function makePairRecord(
	devicePublicKey: CryptoKey,
	options: MakePairRecordOptions = {},
): Promise<TestPairRecord> {
	const [rootKeys, hostKeys] = await Promise.all([newKeys(), newKeys()]);
	const notBefore = new Date(Date.now() - 60_000);
	const notAfter = new Date(notBefore.getTime() + 3650 * 86_400_000);
	const root = await x509.X509CertificateGenerator.createSelfSigned({
		serialNumber: '00',
		name: '',
		notBefore,
		notAfter,
		keys: rootKeys,
		signingAlgorithm: RSA,
		extensions: [new x509.BasicConstraintsExtension(true, undefined, true)],
	});
	const leaf = async (publicKey: CryptoKey, signingKey: CryptoKey) =>
		x509.X509CertificateGenerator.create({
			serialNumber: '00',
			subject: '',
			issuer: '',
			notBefore,
			notAfter,
			publicKey,
			signingKey,
			signingAlgorithm: RSA,
			extensions: [
				new x509.BasicConstraintsExtension(false, undefined, true),
				new x509.KeyUsagesExtension(
					x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
					true,
				),
			],
		});
	const deviceSigner = options.foreignDeviceCertificateSigner ? (await newKeys()).privateKey : rootKeys.privateKey;
	const host = await leaf(hostKeys.publicKey, rootKeys.privateKey);
	const device = await leaf(devicePublicKey, deviceSigner);
	return {
		record: {
			hostId: options.hostId ?? crypto.randomUUID().toUpperCase(),
			systemBuid: options.systemBuid ?? crypto.randomUUID().toUpperCase(),
			hostCertificate: pem(host),
			rootCertificate: pem(root),
			deviceCertificate: pem(device),
			hostPrivateKey: hostKeys.privateKey,
		},
		rootKeys,
		hostKeys,
	};
}

function pem(certificate: x509.X509Certificate): Uint8Array {
	return new TextEncoder().encode(certificate.toString('pem'));
}

async function newKeys(): Promise<CryptoKeyPair> {
	return (await crypto.subtle.generateKey(RSA, true, ['sign', 'verify'])) as CryptoKeyPair;
}
