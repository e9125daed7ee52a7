import type { PlistDict } from '../plist/value';

/**
 * What lockdown needs from a pair record (protocol.md §5.1): the IDs and three certificates the `Pair`
 * request carries, and the host's private key for session TLS. The shape is a subset of
 * src/lib/pairing's `PairRecord`, so a stored record can be passed as it is.
 */
export interface PairRecord {
	/** `HostID`. */
	readonly hostId: string;
	/** `SystemBUID`. */
	readonly systemBuid: string;
	/** `RootCertificate`, `HostCertificate`, `DeviceCertificate`: PEM text as bytes, as plists carry them. */
	readonly rootCertificate: Uint8Array;
	readonly hostCertificate: Uint8Array;
	readonly deviceCertificate: Uint8Array;
	/** The key of `hostCertificate`: the TLS client signs with it. */
	readonly hostPrivateKey: CryptoKey;
	/** The phone's public key (SubjectPublicKeyInfo DER), for a TLS client that pins the server's key. */
	readonly devicePublicKey?: Uint8Array;
	/** `WiFiMACAddress`: the phone's WiFiAddress, read before pairing. */
	readonly wifiMacAddress?: string;
	/** `EscrowBag` from the Pair reply; StartService can send it back. */
	readonly escrowBag?: Uint8Array;
}

/** The record as the Pair and ValidatePair requests carry it: certificates as data, no private keys. */
export function pairRecordForDevice(record: PairRecord): PlistDict {
	const dict: PlistDict = {
		DeviceCertificate: record.deviceCertificate,
		HostCertificate: record.hostCertificate,
		HostID: record.hostId,
		RootCertificate: record.rootCertificate,
		SystemBUID: record.systemBuid,
	};
	if (record.wifiMacAddress !== undefined) dict.WiFiMACAddress = record.wifiMacAddress;
	return dict;
}
