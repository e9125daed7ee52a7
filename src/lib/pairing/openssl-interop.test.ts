/**
 * Our certificates as Debian's OpenSSL sees them, side by side with a real pair record made by
 * libimobiledevice (shared fixture, 2019).
 */
import { X509Certificate as NodeCertificate, createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createPairRecord, type PairRecord } from './index';
import { DER_BIT_STRING, DER_SEQUENCE, readDerChildren, readDerElement } from '../bytes';
import { fixtureCertificates, opensslText, openssl, phoneKey, scratchFolder, type FixtureCertificates, type PhoneKey } from './test-support-node';

type Kind = 'root' | 'host' | 'device';
const KINDS: Kind[] = ['root', 'host', 'device'];

let phone: PhoneKey;
let record: PairRecord;
let ours: Record<Kind, string>;
let theirs: FixtureCertificates;

beforeAll(async () => {
	phone = phoneKey();
	record = await createPairRecord({ devicePublicKeyPem: phone.pkcs1Pem, udid: '0123456789abcdef0123456789abcdef01234567' });
	const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
	ours = { root: text(record.rootCertificate), host: text(record.hostCertificate), device: text(record.deviceCertificate) };
	theirs = fixtureCertificates();
});

/** The "X509v3 extensions" block of `openssl x509 -text`, key identifier values blanked. */
function extensionsBlock(pem: string): string {
	const lines = opensslText(pem).split('\n');
	const start = lines.findIndex((line) => line.includes('X509v3 extensions:'));
	const end = lines.findIndex((line, index) => index > start && /^\s{4}Signature Algorithm:/.test(line));
	return lines
		.slice(start, end)
		.join('\n')
		.replace(/(Subject Key Identifier: \n\s+)[0-9A-F:]+/, '$1<id>');
}

/** The TBSCertificate and signature bytes of a certificate, for `openssl dgst -verify`. */
function tbsAndSignature(pem: string): { tbs: Uint8Array; signature: Uint8Array } {
	const der = new Uint8Array(new NodeCertificate(pem).raw);
	const outer = readDerElement(der);
	const [tbs, , signature] = outer?.tag === DER_SEQUENCE ? (readDerChildren(outer.value) ?? []) : [];
	if (!tbs || !signature || signature.tag !== DER_BIT_STRING) throw new Error('not a certificate');
	// The TBSCertificate is the first element of the certificate's SEQUENCE: it starts at 0.
	return { tbs: outer!.value.subarray(0, tbs.end), signature: signature.value.subarray(1) };
}

describe('openssl x509 -text', () => {
	it.each(KINDS)('shows the %s certificate with the fields we claim', (kind) => {
		const shown = opensslText(ours[kind]);
		expect(shown).toContain('Version: 3 (0x2)');
		expect(shown).toContain('Serial Number: 1 (0x1)');
		expect(shown).toMatch(/Signature Algorithm: sha256WithRSAEncryption\n\s+Issuer: \n/);
		expect(shown).toMatch(/\n\s+Subject: \n/);
		expect(shown).toMatch(/Public-Key: \(2048 bit\)/);
		expect(shown).toContain('Exponent: 65537 (0x10001)');
		const notBefore = Date.parse(/Not Before: (.+) GMT/.exec(shown)?.[1] + ' GMT');
		const notAfter = Date.parse(/Not After : (.+) GMT/.exec(shown)?.[1] + ' GMT');
		expect(notAfter - notBefore).toBe((3650 * 24 * 60 + 1) * 60 * 1000);
		expect(shown).toContain(kind === 'root' ? 'X509v3 Basic Constraints: critical\n                CA:TRUE' : 'CA:FALSE');
		if (kind !== 'root') expect(shown).toContain('X509v3 Key Usage: critical\n                Digital Signature, Key Encipherment');
	});

	it('gives the device certificate the key identifier OpenSSL would compute ("hash" = SHA-1 of the RSAPublicKey)', () => {
		const expected = createHash('sha1').update(phone.publicKey.export({ type: 'pkcs1', format: 'der' })).digest('hex').toUpperCase().match(/../g)!.join(':');
		expect(opensslText(ours.device)).toContain(`X509v3 Subject Key Identifier: \n                ${expected}`);
	});

	it('the fixture record follows the same key identifier rule', () => {
		const certificate = new NodeCertificate(theirs.device);
		const pkcs1 = certificate.publicKey.export({ type: 'pkcs1', format: 'der' });
		const expected = createHash('sha1').update(pkcs1).digest('hex').toUpperCase().match(/../g)!.join(':');
		expect(opensslText(theirs.device)).toContain(expected);
	});
});

describe('compared with libimobiledevice’s real record', () => {
	it.each(KINDS)('the %s certificate has the same extensions, criticality and values', (kind) => {
		expect(extensionsBlock(ours[kind])).toBe(extensionsBlock(theirs[kind]));
	});

	it.each(KINDS)('the %s certificate has the same version, names, key type and size; only serial and hash differ', (kind) => {
		const shape = (pem: string) =>
			opensslText(pem)
				.replace(/Serial Number: .*/, 'Serial Number: <n>')
				.replace(/sha(1|256)WithRSAEncryption/g, '<sig>')
				.replace(/(Not Before|Not After) ?: .*/g, '$1: <date>')
				.replace(/(Subject Key Identifier: \n\s+)[0-9A-F:]+/, '$1<id>')
				.replace(/Signature Value:[\s\S]*/, '');
		expect(shape(ours[kind])).toBe(shape(theirs[kind]));
		expect(opensslText(theirs[kind])).toContain('sha1WithRSAEncryption');
	});
});

describe('OpenSSL checks the signatures', () => {
	it.each(['host', 'device'] as const)('the %s certificate is signed by the root key and by no other', (kind) => {
		const { tbs, signature } = tbsAndSignature(ours[kind]);
		const rootPublic = new NodeCertificate(ours.root).publicKey.export({ type: 'spki', format: 'pem' });
		const hostPublic = new NodeCertificate(ours.host).publicKey.export({ type: 'spki', format: 'pem' });
		const files = scratchFolder({ 'tbs.der': tbs, 'signature.bin': signature, 'root.pub': rootPublic, 'host.pub': hostPublic });
		try {
			const verify = (key: string) => openssl(['dgst', '-sha256', '-verify', files.path(key), '-signature', files.path('signature.bin'), files.path('tbs.der')]);
			const good = verify('root.pub');
			expect(good.stdout).toContain('Verified OK');
			expect(good.status).toBe(0);
			const bad = verify('host.pub');
			expect(bad.stdout).toContain('Verification failure');
			expect(bad.status).not.toBe(0);
		} finally {
			files.remove();
		}
	});

	it('OpenSSL’s chain builder treats them exactly as libimobiledevice’s: empty names make each leaf look self-issued', () => {
		// This is the trap tls.md's addendum describes: an OpenSSL-based fake phone must check the chain itself.
		const result = (set: Record<Kind, string>) => {
			const files = scratchFolder({ 'root.pem': set.root, 'host.pem': set.host, 'device.pem': set.device });
			try {
				const run = openssl(['verify', '-CAfile', files.path('root.pem'), files.path('host.pem'), files.path('device.pem')]);
				return { status: run.status, errors: [...(run.stdout + run.stderr).matchAll(/error (\d+) at (\d+) depth/g)].map((m) => m[0]) };
			} finally {
				files.remove();
			}
		};
		const oursResult = result(ours);
		expect(oursResult).toEqual(result(theirs));
		expect(oursResult.errors).toEqual(['error 18 at 0 depth', 'error 18 at 0 depth']);
		// The root alone is a proper self-signed CA for OpenSSL.
		const files = scratchFolder({ 'root.pem': ours.root });
		try {
			expect(openssl(['verify', '-CAfile', files.path('root.pem'), files.path('root.pem')]).stdout).toContain(': OK');
		} finally {
			files.remove();
		}
	});
});
