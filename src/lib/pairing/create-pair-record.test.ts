import { X509Certificate as NodeCertificate, createHash, createPublicKey } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { isDeviceError } from '../errors';
import {
	MAX_ESCROW_BAG_LENGTH,
	certificateDer,
	createPairRecord,
	devicePublicKeySpki,
	pairRequestRecord,
	withEscrowBag,
	type PairRecord,
} from './index';
import { phoneKey, type PhoneKey } from './test-support-node';
import {
	BasicConstraintsExtension,
	KeyUsageFlags,
	KeyUsagesExtension,
	SubjectKeyIdentifierExtension,
	X509Certificate,
} from './x509';

const UDID = '00008030-001A35E02E38802E';
const NOW = new Date('2026-03-01T12:34:56.789Z');
const UPPER_UUID = /^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/;
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

let phone: PhoneKey;
let record: PairRecord;
let root: X509Certificate;
let host: X509Certificate;
let device: X509Certificate;

beforeAll(async () => {
	phone = phoneKey();
	record = await createPairRecord({ devicePublicKeyPem: phone.pkcs1Pem, udid: UDID, wifiAddress: 'dc:08:0f:49:f6:4c' }, { now: NOW });
	root = new X509Certificate(text(record.rootCertificate));
	host = new X509Certificate(text(record.hostCertificate));
	device = new X509Certificate(text(record.deviceCertificate));
});

async function expectDeviceError(promise: Promise<unknown>, code: string) {
	const error = await promise.then(
		() => undefined,
		(failure: unknown) => failure,
	);
	expect(isDeviceError(error), String(error)).toBe(true);
	expect((error as { code: string }).code).toBe(code);
}

describe('the Pair request', () => {
	it('carries exactly the certificates as PEM data, HostID, SystemBUID and WiFiMACAddress, and no private key', () => {
		const dict = pairRequestRecord(record);
		expect(Object.keys(dict).sort()).toEqual(['DeviceCertificate', 'HostCertificate', 'HostID', 'RootCertificate', 'SystemBUID', 'WiFiMACAddress']);
		expect(dict.DeviceCertificate).toBeInstanceOf(Uint8Array);
		for (const pem of [dict.DeviceCertificate, dict.HostCertificate, dict.RootCertificate]) {
			expect(text(pem)).toMatch(/^-----BEGIN CERTIFICATE-----\n([A-Za-z0-9+/=]{1,64}\n)+-----END CERTIFICATE-----\n$/);
		}
		expect(text(dict.RootCertificate)).toBe(text(record.rootCertificate));
		expect(dict.HostID).toBe(record.hostId);
		expect(dict.SystemBUID).toBe(record.systemBuid);
		expect(dict.WiFiMACAddress).toBe('dc:08:0f:49:f6:4c');
	});

	it('leaves WiFiMACAddress out when the phone gave none or a malformed one', async () => {
		const without = await createPairRecord({ devicePublicKeyPem: phone.pkcs1Pem, udid: UDID });
		const malformed = await createPairRecord({ devicePublicKeyPem: phone.pkcs1Pem, udid: UDID, wifiAddress: '<bad>' });
		expect('WiFiMACAddress' in pairRequestRecord(without)).toBe(false);
		expect('WiFiMACAddress' in pairRequestRecord(malformed)).toBe(false);
	});

	it('names the pairing with new upper-case UUIDs, or the SystemBUID it is given', async () => {
		expect(record.hostId).toMatch(UPPER_UUID);
		expect(record.systemBuid).toMatch(UPPER_UUID);
		expect(record.hostId).not.toBe(record.systemBuid);
		const again = await createPairRecord({ devicePublicKeyPem: phone.pkcs1Pem, udid: UDID }, { systemBuid: record.systemBuid });
		expect(again.systemBuid).toBe(record.systemBuid);
		expect(again.hostId).not.toBe(record.hostId);
		expect(record.udid).toBe(UDID);
		expect(record.createdAt.getTime()).toBe(NOW.getTime());
	});
});

describe('the certificates, read by @peculiar/x509', () => {
	it('are v3 with serial 1, empty subject and issuer, SHA-256 RSA signatures and ten years of validity', () => {
		for (const certificate of [root, host, device]) {
			expect(certificate.serialNumber).toBe('01');
			expect(certificate.subject).toBe('');
			expect(certificate.issuer).toBe('');
			expect(certificate.signatureAlgorithm).toMatchObject({ name: 'RSASSA-PKCS1-v1_5', hash: { name: 'SHA-256' } });
			expect(certificate.notBefore.toISOString()).toBe('2026-03-01T12:33:56.000Z');
			expect(certificate.notAfter.toISOString()).toBe('2036-02-27T12:34:56.000Z');
		}
	});

	it('have the extensions libimobiledevice gives each, in its order', () => {
		const oids = (certificate: X509Certificate) => certificate.extensions.map((extension) => `${extension.type}${extension.critical ? '!' : ''}`);
		expect(oids(root)).toEqual(['2.5.29.19!']);
		expect(oids(host)).toEqual(['2.5.29.19!', '2.5.29.15!']);
		expect(oids(device)).toEqual(['2.5.29.19!', '2.5.29.14', '2.5.29.15!']);
		expect(root.getExtension(BasicConstraintsExtension)?.ca).toBe(true);
		for (const leaf of [host, device]) {
			expect(leaf.getExtension(BasicConstraintsExtension)?.ca).toBe(false);
			expect(leaf.getExtension(KeyUsagesExtension)?.usages).toBe(KeyUsageFlags.digitalSignature | KeyUsageFlags.keyEncipherment);
		}
		const phonePkcs1 = phone.publicKey.export({ type: 'pkcs1', format: 'der' });
		const expectedKeyId = createHash('sha1').update(phonePkcs1).digest('hex');
		expect(device.getExtension(SubjectKeyIdentifierExtension)?.keyId).toBe(expectedKeyId);
	});

	it('chain to the root: host and device are signed by the root key, not by another', async () => {
		expect(await root.verify({ signatureOnly: true })).toBe(true);
		expect(await host.verify({ publicKey: root, signatureOnly: true })).toBe(true);
		expect(await device.verify({ publicKey: root, signatureOnly: true })).toBe(true);
		expect(await device.verify({ publicKey: host, signatureOnly: true })).toBe(false);
		expect(await host.verify({ signatureOnly: true })).toBe(false);
	});
});

describe('the certificates, read by Node (OpenSSL)', () => {
	it('parse, verify against the root, and carry the phone’s own key in the device certificate', () => {
		const [nodeRoot, nodeHost, nodeDevice] = [record.rootCertificate, record.hostCertificate, record.deviceCertificate].map(
			(pem) => new NodeCertificate(Buffer.from(pem)),
		) as [NodeCertificate, NodeCertificate, NodeCertificate];
		expect([nodeRoot.ca, nodeHost.ca, nodeDevice.ca]).toEqual([true, false, false]);
		for (const certificate of [nodeRoot, nodeHost, nodeDevice]) {
			expect(certificate.verify(nodeRoot.publicKey)).toBe(true);
			expect(certificate.serialNumber).toBe('01');
			expect(certificate.validFrom).toBe('Mar  1 12:33:56 2026 GMT');
			expect(certificate.validTo).toBe('Feb 27 12:34:56 2036 GMT');
		}
		expect(nodeDevice.verify(nodeHost.publicKey)).toBe(false);
		const phoneSpki = createPublicKey({ key: phone.pkcs1Pem, format: 'pem', type: 'pkcs1' }).export({ type: 'spki', format: 'der' });
		expect(nodeDevice.publicKey.export({ type: 'spki', format: 'der' }).equals(phoneSpki)).toBe(true);
		expect(Buffer.from(devicePublicKeySpki(record)).equals(phoneSpki)).toBe(true);
		expect(nodeHost.publicKey.asymmetricKeyDetails).toMatchObject({ modulusLength: 2048, publicExponent: 65537n });
	});

	it('turn into DER for TLS as they are in the certificate', () => {
		expect(certificateDer(record.hostCertificate)).toEqual(new Uint8Array(host.rawData));
		expect(() => certificateDer(new Uint8Array([1, 2, 3]))).toThrow(expect.objectContaining({ code: 'storage' }));
	});
});

describe('the private keys', () => {
	it('cannot be exported', async () => {
		for (const key of [record.rootPrivateKey, record.hostPrivateKey]) {
			expect(key.extractable).toBe(false);
			expect(key.type).toBe('private');
			expect(key.usages).toEqual(['sign']);
			expect(key.algorithm).toMatchObject({ name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, hash: { name: 'SHA-256' } });
			for (const format of ['pkcs8', 'jwk'] as const) await expect(crypto.subtle.exportKey(format, key)).rejects.toThrow();
		}
	});

	it('sign, and each signature checks out with its own certificate only', async () => {
		const message = new TextEncoder().encode('TLS 1.2 CertificateVerify transcript hash stands in here');
		const verifyWith = async (certificate: X509Certificate, signature: ArrayBuffer) => {
			const key = await certificate.publicKey.export({ name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, ['verify']);
			return crypto.subtle.verify('RSASSA-PKCS1-v1_5', key, signature, message);
		};
		const hostSignature = await crypto.subtle.sign('RSASSA-PKCS1-v1_5', record.hostPrivateKey, message);
		const rootSignature = await crypto.subtle.sign('RSASSA-PKCS1-v1_5', record.rootPrivateKey, message);
		expect(await verifyWith(host, hostSignature)).toBe(true);
		expect(await verifyWith(root, rootSignature)).toBe(true);
		expect(await verifyWith(root, hostSignature)).toBe(false);
	});
});

describe('inputs it refuses', () => {
	it('a junk key or UDID from the phone', async () => {
		await expectDeviceError(createPairRecord({ devicePublicKeyPem: 'not a key', udid: UDID }), 'protocol');
		await expectDeviceError(createPairRecord({ devicePublicKeyPem: phone.pkcs1Pem, udid: '../../etc' }), 'protocol');
		await expectDeviceError(createPairRecord({ devicePublicKeyPem: phone.pkcs1Pem, udid: '' }), 'protocol');
	});

	it('a browser without working WebCrypto', async () => {
		const broken = {
			subtle: {
				importKey: (...args: Parameters<SubtleCrypto['importKey']>) => crypto.subtle.importKey(...args),
				generateKey: () => Promise.reject(new Error('no RSA here')),
			},
		} as unknown as Crypto;
		await expectDeviceError(createPairRecord({ devicePublicKeyPem: phone.pkcs1Pem, udid: UDID }, { crypto: broken }), 'crypto');
	});
});

describe('withEscrowBag', () => {
	it('adds the phone’s escrow bag as a copy and keeps the rest', () => {
		const bag = crypto.getRandomValues(new Uint8Array(32));
		const updated = withEscrowBag(record, bag);
		expect(updated.escrowBag).toEqual(bag);
		bag[0] = bag[0]! ^ 0xff;
		expect(updated.escrowBag).not.toEqual(bag);
		expect(updated.hostPrivateKey).toBe(record.hostPrivateKey);
		expect(record.escrowBag).toBeUndefined();
		expect('EscrowBag' in pairRequestRecord(updated)).toBe(false);
		expect(() => withEscrowBag(record, new Uint8Array(MAX_ESCROW_BAG_LENGTH + 1))).toThrow(expect.objectContaining({ code: 'too-large' }));
	});
});
