import { encodePem, rsaPublicKeyFromSpki } from '../../lib/pairing';

/** What the virtual iPhone says about itself through GetValue (protocol.md §4.3). */
export interface DeviceValues {
	DeviceName: string;
	DeviceClass: string;
	ProductType: string;
	ProductVersion: string;
	BuildVersion: string;
	HardwareModel: string;
	CPUArchitecture: string;
	UniqueDeviceID: string;
	SerialNumber: string;
	WiFiAddress: string;
	TimeZone: string;
	/** The domain com.apple.disk_usage, in bytes. */
	diskUsage: DiskUsageValues;
}

export interface DiskUsageValues {
	TotalDiskCapacity: number;
	TotalDataCapacity: number;
	TotalDataAvailable: number;
	AmountDataAvailable: number;
	AmountDataReserved: number;
	TotalSystemCapacity: number;
	TotalSystemAvailable: number;
}

/** An iPhone 15 Pro on iOS 18.5 with 128 GB, about half of it free. */
export const DEFAULT_DEVICE_VALUES: DeviceValues = {
	DeviceName: 'iPhone',
	DeviceClass: 'iPhone',
	ProductType: 'iPhone16,1',
	ProductVersion: '18.5',
	BuildVersion: '22F76',
	HardwareModel: 'D83AP',
	CPUArchitecture: 'arm64e',
	UniqueDeviceID: '00008130-000A1B2C3D4E5F60',
	SerialNumber: 'F2LXK0Q1N7',
	WiFiAddress: 'a4:c3:f0:12:34:56',
	TimeZone: 'Europe/Zurich',
	diskUsage: {
		TotalDiskCapacity: 128_000_000_000,
		TotalDataCapacity: 112_456_122_368,
		TotalDataAvailable: 58_123_456_512,
		AmountDataAvailable: 58_123_456_512,
		AmountDataReserved: 838_860_800,
		TotalSystemCapacity: 10_737_418_240,
		TotalSystemAvailable: 2_516_582_400,
	},
};

/** The virtual iPhone's values and its own RSA key pair, which pairing certificates must wrap. */
export interface DeviceIdentity {
	values: DeviceValues;
	/**
	 * RSA-2048 (RSASSA-PKCS1-v1_5, SHA-256). Extractable: this is a simulator, and a TLS stand-in may
	 * need to hand the private key to another library.
	 */
	keyPair: CryptoKeyPair;
	/** The public key as SubjectPublicKeyInfo DER, to compare with a certificate's. */
	publicKeySpki: Uint8Array;
	/** DevicePublicKey as the phone gives it: the bytes of a PEM "RSA PUBLIC KEY". */
	devicePublicKey: Uint8Array;
}

/** The phone's RSA key pair as bytes, to keep it across visits (the demo phone remembers who it trusts). */
export interface DeviceKeys {
	/** PKCS#8 DER. */
	privateKey: Uint8Array<ArrayBuffer>;
	/** SubjectPublicKeyInfo DER. */
	publicKey: Uint8Array<ArrayBuffer>;
}

const RSA_KEY = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const;

/** The phone's values with its key pair: a fresh one, or the one in `keys`. */
export async function createDeviceIdentity(values: Partial<DeviceValues> = {}, keys?: DeviceKeys): Promise<DeviceIdentity> {
	const keyPair =
		keys === undefined
			? ((await crypto.subtle.generateKey(
					{ ...RSA_KEY, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) },
					true,
					['sign', 'verify'],
				)) as CryptoKeyPair)
			: {
					privateKey: await crypto.subtle.importKey('pkcs8', keys.privateKey, RSA_KEY, true, ['sign']),
					publicKey: await crypto.subtle.importKey('spki', keys.publicKey, RSA_KEY, true, ['verify']),
				};
	const publicKeySpki = new Uint8Array(await crypto.subtle.exportKey('spki', keyPair.publicKey));
	return {
		values: { ...DEFAULT_DEVICE_VALUES, ...values },
		keyPair,
		publicKeySpki,
		devicePublicKey: new TextEncoder().encode(encodePem('RSA PUBLIC KEY', rsaPublicKeyFromSpki(publicKeySpki).pkcs1)),
	};
}

/** The identity's key pair as bytes, for `createDeviceIdentity(values, keys)` on a later visit. */
export async function exportDeviceKeys(identity: DeviceIdentity): Promise<DeviceKeys> {
	return {
		privateKey: new Uint8Array(await crypto.subtle.exportKey('pkcs8', identity.keyPair.privateKey)),
		publicKey: new Uint8Array(identity.publicKeySpki),
	};
}
