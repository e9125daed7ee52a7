import { DeviceError, isDeviceError } from '../errors';
import {
	PAIRING_KEY_ALGORITHM,
	certificateValidity,
	generatePairingKeyPair,
	makeDeviceCertificate,
	makeHostCertificate,
	makeRootCertificate,
} from './certificates';
import type { PairRecord } from './pair-record';
import { encodePem } from './pem';
import { parseRsaPublicKeyPem } from './rsa-public-key';
import { newUuid } from './uuid';

/** What lockdownd tells us before pairing (GetValue without a session). */
export interface PairingDevice {
	/** `DevicePublicKey`: PEM "RSA PUBLIC KEY" (PKCS#1), as text or as the `<data>` bytes. */
	readonly devicePublicKeyPem: string | Uint8Array;
	/** `UniqueDeviceID`. */
	readonly udid: string;
	/** `WiFiAddress`, if the phone gave it. */
	readonly wifiAddress?: string;
}

export interface CreatePairRecordOptions {
	/** `SystemBUID` of this browser profile; pass the one earlier records use. Default: a new one. */
	readonly systemBuid?: string;
	/** `HostID`. Default: a new random upper-case UUID, as libimobiledevice and go-ios make. */
	readonly hostId?: string;
	/** The clock, for the certificates' validity and `createdAt`. */
	readonly now?: Date;
	/** WebCrypto to use. Default: `globalThis.crypto`. */
	readonly crypto?: Crypto;
}

/** UDIDs are 40 hex digits (older phones) or 8+16 hex digits with a dash; allow some slack, no junk. */
const UDID = /^[0-9A-Za-z-]{1,64}$/;
const MAC_ADDRESS = /^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$/;

/**
 * Makes a new pair record for the phone (protocol.md §5): new root and host keys, the root, host and
 * device certificates, a HostID and a SystemBUID. Nothing is sent or stored; the caller sends
 * `pairRequestRecord(record)` in lockdownd's `Pair`, adds the reply's escrow bag with `withEscrowBag`,
 * and saves the record.
 *
 * Throws `DeviceError` 'protocol' or 'too-large' when the phone's key or UDID cannot be used, and
 * 'crypto' when the browser cannot make keys or sign.
 */
export async function createPairRecord(device: PairingDevice, options: CreatePairRecordOptions = {}): Promise<PairRecord> {
	if (typeof device.udid !== 'string' || !UDID.test(device.udid)) {
		throw new DeviceError('protocol', 'The iPhone sent a device identifier this app does not understand.');
	}
	const deviceKey = parseRsaPublicKeyPem(device.devicePublicKeyPem);
	const crypto = options.crypto ?? globalThis.crypto;
	const now = options.now ?? new Date();
	try {
		// WebCrypto gets the final say on the phone's key before we certify it.
		await crypto.subtle.importKey('spki', deviceKey.spki, PAIRING_KEY_ALGORITHM, true, ['verify']);
	} catch (error) {
		throw new DeviceError('protocol', 'The iPhone sent a security key this app cannot use.', { cause: error });
	}
	try {
		const [root, host] = await Promise.all([generatePairingKeyPair(crypto), generatePairingKeyPair(crypto)]);
		const signer = { privateKey: root.privateKey, crypto, validity: certificateValidity(now) };
		const [rootCertificate, hostCertificate, deviceCertificate] = await Promise.all([
			makeRootCertificate(signer, root.publicKey),
			makeHostCertificate(signer, host.publicKey),
			makeDeviceCertificate(signer, deviceKey.spki, deviceKey.pkcs1),
		]);
		const wifi = device.wifiAddress;
		const wifiMacAddress = wifi !== undefined && MAC_ADDRESS.test(wifi) ? wifi : undefined;
		return {
			udid: device.udid,
			hostId: options.hostId ?? newUuid(crypto),
			systemBuid: options.systemBuid ?? newUuid(crypto),
			rootCertificate: pemBytes(rootCertificate),
			hostCertificate: pemBytes(hostCertificate),
			deviceCertificate: pemBytes(deviceCertificate),
			rootPrivateKey: root.privateKey,
			hostPrivateKey: host.privateKey,
			devicePublicKey: deviceKey.spki,
			// WiFiMACAddress is informational (libimobiledevice only stores it): a malformed one is dropped.
			...(wifiMacAddress === undefined ? {} : { wifiMacAddress }),
			createdAt: new Date(now.getTime()),
		};
	} catch (error) {
		if (isDeviceError(error)) throw error;
		throw new DeviceError('crypto', 'This browser could not create the keys needed to pair with the iPhone.', {
			cause: error,
			advice: 'Use a current version of Chrome or Edge, opened from the app’s own address, and try again.',
		});
	}
}

function pemBytes(der: Uint8Array): Uint8Array {
	return new TextEncoder().encode(encodePem('CERTIFICATE', der));
}
