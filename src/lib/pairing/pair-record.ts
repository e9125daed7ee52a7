import { DeviceError } from '../errors';
import { decodePem } from './pem';

/**
 * What pairing with one iPhone leaves us: the three certificates and IDs lockdownd's `Pair` request
 * carries, and what only we keep — the private keys as non-extractable WebCrypto keys (usable to sign,
 * impossible to read out, even by script on the page), the escrow bag the phone returns, and the
 * phone's public key to pin its TLS certificate to.
 *
 * Certificates are PEM text as bytes, exactly what goes into the `Pair` request as plist `<data>`.
 * The record is structured-cloneable, so IndexedDB stores it as it is, keys included.
 */
export interface PairRecord {
	/** The phone's UniqueDeviceID; the key of the record in the store. */
	readonly udid: string;
	/** `HostID`: an upper-case UUID naming this pairing on the phone. */
	readonly hostId: string;
	/** `SystemBUID`: an upper-case UUID naming this browser profile; the same for all its records. */
	readonly systemBuid: string;
	/** `RootCertificate`: self-signed CA certificate, PEM bytes. */
	readonly rootCertificate: Uint8Array;
	/** `HostCertificate`: our TLS client certificate, signed by the root, PEM bytes. */
	readonly hostCertificate: Uint8Array;
	/** `DeviceCertificate`: the phone's public key signed by our root, PEM bytes. */
	readonly deviceCertificate: Uint8Array;
	/** RSASSA-PKCS1-v1_5 with SHA-256, sign only, not extractable. */
	readonly rootPrivateKey: CryptoKey;
	/** RSASSA-PKCS1-v1_5 with SHA-256, sign only, not extractable. The TLS client signs with it. */
	readonly hostPrivateKey: CryptoKey;
	/** The phone's public key, SubjectPublicKeyInfo DER. */
	readonly devicePublicKey: Uint8Array;
	/** `WiFiMACAddress`: the phone's Wi-Fi address as lockdownd gave it (`aa:bb:cc:dd:ee:ff`), if known. */
	readonly wifiMacAddress?: string;
	/** `EscrowBag` from the phone's `Pair` reply, once it has given it. */
	readonly escrowBag?: Uint8Array;
	readonly createdAt: Date;
}

/** The `PairRecord` dictionary of lockdownd's `Pair` (and `Unpair`) request. Never any private key. */
export interface PairRequestRecord {
	DeviceCertificate: Uint8Array;
	HostCertificate: Uint8Array;
	RootCertificate: Uint8Array;
	HostID: string;
	SystemBUID: string;
	WiFiMACAddress?: string;
}

/** An escrow bag is 32 bytes in every record seen; this is a guard, not an expectation. */
export const MAX_ESCROW_BAG_LENGTH = 64 * 1024;

/** The dictionary to put under `PairRecord` in a `Pair` request; the byte arrays are copies. */
export function pairRequestRecord(record: PairRecord): PairRequestRecord {
	const dict: PairRequestRecord = {
		DeviceCertificate: record.deviceCertificate.slice(),
		HostCertificate: record.hostCertificate.slice(),
		RootCertificate: record.rootCertificate.slice(),
		HostID: record.hostId,
		SystemBUID: record.systemBuid,
	};
	if (record.wifiMacAddress !== undefined) dict.WiFiMACAddress = record.wifiMacAddress;
	return dict;
}

/** The phone's public key (SubjectPublicKeyInfo DER), to pin the TLS server's certificate to. */
export function devicePublicKeySpki(record: PairRecord): Uint8Array<ArrayBuffer> {
	return record.devicePublicKey.slice();
}

/** The record with the escrow bag from the phone's `Pair` reply added. */
export function withEscrowBag(record: PairRecord, escrowBag: Uint8Array): PairRecord {
	if (escrowBag.length > MAX_ESCROW_BAG_LENGTH) {
		const size = escrowBag.length;
		throw new DeviceError('too-large', `The iPhone sent an escrow bag of ${size} bytes, far more than a real one.`);
	}
	return { ...record, escrowBag: escrowBag.slice() };
}

/** The DER of a PEM certificate of a record (what a TLS Certificate message carries). */
export function certificateDer(pem: Uint8Array | string): Uint8Array<ArrayBuffer> {
	const block = decodePem(pem, ['CERTIFICATE']);
	if (!block) {
		throw new DeviceError('storage', 'The saved pairing with this iPhone is damaged.', {
			advice: 'Forget this iPhone in the app, then connect it again and tap Trust on the iPhone.',
		});
	}
	return block.der;
}
