import { equalBytes } from '../../lib/bytes';
import { isPlistDict, type PlistValue } from '../../lib/plist/value';
import { X509Certificate } from '../../lib/pairing/x509';

/** A pair record the device accepted, as it keeps it: the host's certificates in PEM bytes. */
export interface AcceptedPairRecord {
	hostId: string;
	systemBuid: string;
	hostCertificate: Uint8Array;
	rootCertificate: Uint8Array;
	deviceCertificate: Uint8Array;
}

/**
 * Checks the PairRecord of a Pair request as the device must (protocol.md §4.6, §5.4): identifiers
 * present, the host and device certificates signed by the root, and the device certificate wrapping
 * this device's own public key (else TLS could never work with it). The lockdownd error string when not.
 */
export async function checkPairRecord(
	record: PlistValue | undefined,
	devicePublicKeySpki: Uint8Array,
): Promise<AcceptedPairRecord | { error: string }> {
	if (record === undefined) return { error: 'MissingPairRecord' };
	if (!isPlistDict(record)) return { error: 'InvalidPairRecord' };
	const { HostID, SystemBUID, HostCertificate, RootCertificate, DeviceCertificate } = record;
	if (typeof HostID !== 'string' || HostID === '') return { error: 'MissingHostID' };
	if (
		typeof SystemBUID !== 'string' ||
		!(HostCertificate instanceof Uint8Array) ||
		!(RootCertificate instanceof Uint8Array) ||
		!(DeviceCertificate instanceof Uint8Array)
	) {
		return { error: 'InvalidPairRecord' };
	}
	try {
		const root = parseCertificate(RootCertificate);
		const host = parseCertificate(HostCertificate);
		const device = parseCertificate(DeviceCertificate);
		const signedByRoot = async (certificate: X509Certificate) =>
			certificate.verify({ publicKey: root.publicKey, signatureOnly: true });
		if (
			!(await signedByRoot(root)) ||
			!(await signedByRoot(host)) ||
			!(await signedByRoot(device)) ||
			!equalBytes(new Uint8Array(device.publicKey.rawData), devicePublicKeySpki)
		) {
			return { error: 'InvalidPairRecord' };
		}
	} catch {
		return { error: 'InvalidPairRecord' };
	}
	return {
		hostId: HostID,
		systemBuid: SystemBUID,
		hostCertificate: HostCertificate,
		rootCertificate: RootCertificate,
		deviceCertificate: DeviceCertificate,
	};
}

/** Certificates travel as PEM text in <data>; DER is accepted too. */
export function parseCertificate(bytes: Uint8Array): X509Certificate {
	const text = new TextDecoder().decode(bytes.subarray(0, 64));
	if (text.trimStart().startsWith('-----BEGIN')) return new X509Certificate(new TextDecoder().decode(bytes));
	return new X509Certificate(bytes.slice());
}

/**
 * Whether a TLS client's certificate chain (DER, leaf first, as a Certificate message carries it) is
 * the pair record's root or a certificate the root signed: the device's check on the host in session
 * TLS (protocol.md §6.1). For a TLS server's `verifyClientCertificate`.
 */
export async function clientCertificateSignedByRoot(
	chain: readonly Uint8Array[],
	rootCertificate: Uint8Array,
): Promise<boolean> {
	const leaf = chain[0];
	if (leaf === undefined) return false;
	try {
		const root = parseCertificate(rootCertificate);
		return await parseCertificate(leaf).verify({ publicKey: root.publicKey, signatureOnly: true });
	} catch {
		return false;
	}
}
