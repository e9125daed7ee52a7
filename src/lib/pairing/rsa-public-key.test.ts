import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isDeviceError } from '../errors';
import { concatBytes } from '../bytes';
import { DER_INTEGER, DER_SEQUENCE, encodeDerElement, readDerElement } from '../bytes';
import { decodePem, encodePem } from './pem';
import { MAX_PUBLIC_KEY_PEM_LENGTH, parseRsaPublicKeyPem, rsaPublicKeyFromPkcs1, rsaPublicKeyFromSpki } from './rsa-public-key';
import { phoneKey } from './test-support-node';

const keys = [phoneKey(1024), phoneKey(2048), phoneKey(3072), phoneKey(2048, 3)];

function expectCode(run: () => unknown, code: 'protocol' | 'too-large') {
	try {
		run();
	} catch (error) {
		expect(isDeviceError(error, code), String(error)).toBe(true);
		return;
	}
	expect.unreachable('no error');
}

describe('parseRsaPublicKeyPem', () => {
	it.each(keys.map((key) => [key.publicKey.asymmetricKeyDetails?.modulusLength, key] as const))(
		'turns a %i-bit "RSA PUBLIC KEY" into the SPKI Node makes of it',
		(bits, key) => {
			const parsed = parseRsaPublicKeyPem(key.pkcs1Pem);
			const nodeSpki = createPublicKey({ key: key.pkcs1Pem, format: 'pem', type: 'pkcs1' }).export({ type: 'spki', format: 'der' });
			const nodePkcs1 = key.publicKey.export({ type: 'pkcs1', format: 'der' });
			expect(Buffer.from(parsed.spki).equals(nodeSpki)).toBe(true);
			expect(Buffer.from(parsed.pkcs1).equals(nodePkcs1)).toBe(true);
			expect(parsed.modulusBits).toBe(bits);
		},
	);

	it('takes the PEM as bytes (lockdownd sends it as <data>) and as SPKI "PUBLIC KEY"', () => {
		const key = keys[1]!;
		const expected = parseRsaPublicKeyPem(key.pkcs1Pem).spki;
		expect(parseRsaPublicKeyPem(new TextEncoder().encode(key.pkcs1Pem)).spki).toEqual(expected);
		const spkiPem = key.publicKey.export({ type: 'spki', format: 'pem' }) as string;
		expect(spkiPem).toContain('BEGIN PUBLIC KEY');
		expect(parseRsaPublicKeyPem(spkiPem).spki).toEqual(expected);
	});

	it('gives a WebCrypto key (exported as SPKI) back as the "RSA PUBLIC KEY" lockdownd publishes', async () => {
		const pair = await crypto.subtle.generateKey(
			{ name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
			false,
			['sign', 'verify'],
		);
		const spki = new Uint8Array(await crypto.subtle.exportKey('spki', pair.publicKey));
		const key = rsaPublicKeyFromSpki(spki);
		expect(key.spki).toEqual(spki);
		const pem = encodePem('RSA PUBLIC KEY', key.pkcs1);
		const nodeKey = createPublicKey({ key: pem, format: 'pem', type: 'pkcs1' });
		expect(nodeKey.export({ type: 'spki', format: 'der' }).equals(spki)).toBe(true);
		expect(parseRsaPublicKeyPem(pem).spki).toEqual(spki);
	});

	it('refuses what is not a usable RSA public key', () => {
		const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }) as string;
		const small = generateKeyPairSync('rsa', { modulusLength: 512 }).publicKey.export({ type: 'pkcs1', format: 'pem' }) as string;
		const integer = (bytes: number[]) => encodeDerElement(DER_INTEGER, Uint8Array.from(bytes));
		const modulus = integer([0x00, 0xc5, ...new Array<number>(255).fill(0x5a)]);
		const evenExponent = encodeDerElement(DER_SEQUENCE, concatBytes([modulus, integer([0x01, 0x00, 0x00])]));
		const negativeModulus = encodeDerElement(DER_SEQUENCE, concatBytes([integer([0xc5, ...new Array<number>(255).fill(0x5a)]), integer([3])]));
		const threeFields = encodeDerElement(DER_SEQUENCE, concatBytes([modulus, integer([3]), integer([3])]));
		const good = encodeDerElement(DER_SEQUENCE, concatBytes([modulus, integer([1, 0, 1])]));
		expect(rsaPublicKeyFromPkcs1(good).modulusBits).toBe(2048);

		expectCode(() => parseRsaPublicKeyPem('hello'), 'protocol');
		expectCode(() => parseRsaPublicKeyPem(''), 'protocol');
		expectCode(() => parseRsaPublicKeyPem(ec), 'protocol');
		expectCode(() => parseRsaPublicKeyPem(small), 'protocol');
		expectCode(() => parseRsaPublicKeyPem('-----BEGIN RSA PUBLIC KEY-----\n!!!!\n-----END RSA PUBLIC KEY-----\n'), 'protocol');
		expectCode(() => parseRsaPublicKeyPem(keys[1]!.pkcs1Pem.replace('-----END RSA PUBLIC KEY-----', '')), 'protocol');
		for (const der of [evenExponent, negativeModulus, threeFields, concatBytes([good, Uint8Array.of(0)])]) {
			expectCode(() => parseRsaPublicKeyPem(encodePem('RSA PUBLIC KEY', der)), 'protocol');
		}
		expectCode(() => parseRsaPublicKeyPem('x'.repeat(MAX_PUBLIC_KEY_PEM_LENGTH + 1)), 'too-large');
	});

	it('answers any damaged key with a DeviceError, and whatever it accepts is what it was given', () => {
		const der = new Uint8Array(keys[1]!.publicKey.export({ type: 'pkcs1', format: 'der' }));
		const damaged = fc.oneof(
			fc.uint8Array({ maxLength: 600 }),
			fc.nat(der.length).map((cut) => der.slice(0, cut)),
			fc.tuple(fc.nat(der.length - 1), fc.integer({ min: 1, max: 255 })).map(([at, flip]) => {
				const copy = der.slice();
				copy[at]! ^= flip;
				return copy;
			}),
		);
		fc.assert(
			fc.property(damaged, fc.constantFrom('RSA PUBLIC KEY', 'PUBLIC KEY'), (bytes, label) => {
				try {
					const parsed = parseRsaPublicKeyPem(encodePem(label, bytes));
					if (label === 'RSA PUBLIC KEY') expect(parsed.pkcs1).toEqual(bytes);
					expect(createPublicKey({ key: Buffer.from(parsed.spki), format: 'der', type: 'spki' }).asymmetricKeyType).toBe('rsa');
				} catch (error) {
					expect(isDeviceError(error), String(error)).toBe(true);
				}
			}),
		);
	});
});

describe('DER and PEM helpers', () => {
	it('read back any element they write, and refuse a truncated one', () => {
		fc.assert(
			fc.property(fc.integer({ min: 0, max: 0x1e }), fc.uint8Array({ maxLength: 70_000 }), (tag, contents) => {
				const element = encodeDerElement(tag, contents);
				const read = readDerElement(element);
				expect(read?.tag).toBe(tag);
				expect(read?.end).toBe(element.length);
				expect(read?.value).toEqual(contents);
				expect(readDerElement(element.subarray(0, element.length - 1))).toBeUndefined();
			}),
			{ numRuns: 60 },
		);
	});

	it('round-trip any bytes through PEM, in 64-character lines as OpenSSL writes them', () => {
		fc.assert(
			fc.property(fc.uint8Array({ minLength: 1, maxLength: 2000 }), (bytes) => {
				const pem = encodePem('CERTIFICATE', bytes);
				for (const line of pem.split('\n').slice(1, -2)) expect(line.length).toBeLessThanOrEqual(64);
				expect(decodePem(`junk before\n${pem}junk after`, ['CERTIFICATE'])?.der).toEqual(bytes);
				expect(decodePem(pem, ['PUBLIC KEY'])).toBeUndefined();
			}),
		);
	});
});
