/**
 * Node-only helpers for the pairing tests: a phone-like key pair, Debian's OpenSSL CLI, and the real
 * pair record among the shared fixtures.
 */
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PhoneKey {
	/** What lockdownd's DevicePublicKey holds: PEM "RSA PUBLIC KEY". */
	readonly pkcs1Pem: string;
	readonly publicKey: KeyObject;
	readonly privateKey: KeyObject;
}

export function phoneKey(modulusLength = 2048, publicExponent = 65537): PhoneKey {
	const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength, publicExponent });
	return { pkcs1Pem: publicKey.export({ type: 'pkcs1', format: 'pem' }) as string, publicKey, privateKey };
}

export interface OpenSslResult {
	readonly status: number | null;
	readonly stdout: string;
	readonly stderr: string;
}

/** Runs `openssl` with `args`, `input` on stdin. */
export function openssl(args: string[], input?: string | Uint8Array): OpenSslResult {
	const result = spawnSync('openssl', args, { input, encoding: 'utf8' });
	if (result.error) throw result.error;
	return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** `openssl x509 -noout -text` of a PEM certificate, with the hex dumps of modulus and signature left out. */
export function opensslText(pem: string | Uint8Array): string {
	const result = openssl(['x509', '-noout', '-text'], pem);
	if (result.status !== 0) throw new Error(`openssl x509 failed: ${result.stderr}`);
	return result.stdout
		.split('\n')
		.filter((line) => !/^\s+([0-9a-f]{2}:)+[0-9a-f]{0,2}$/.test(line))
		.join('\n');
}

/** A scratch folder for files OpenSSL wants on disk; removed by the returned function. */
export function scratchFolder(files: Record<string, string | Uint8Array>): { path: (name: string) => string; remove: () => void } {
	const folder = mkdtempSync(join(tmpdir(), 'pairing-test-'));
	for (const [name, content] of Object.entries(files)) writeFileSync(join(folder, name), content);
	return { path: (name) => join(folder, name), remove: () => rmSync(folder, { recursive: true, force: true }) };
}

export interface FixtureCertificates {
	readonly root: string;
	readonly host: string;
	readonly device: string;
}

/**
 * The three certificates of the real pair record in the shared fixtures (usbmuxd ReadPairRecord reply
 * from appium-ios-device, 2019, made by libimobiledevice's OpenSSL code). Which is which is told by
 * their extensions, since the record is a binary plist we do not decode here.
 */
export function fixtureCertificates(): FixtureCertificates {
	const url = new URL('../../../../shared/fixtures/bytes/appium-ios-device/usbmuxreadpairmessage.bin', import.meta.url);
	const message = readFileSync(url).subarray(16).toString('utf8');
	const data = /<key>PairRecordData<\/key>\s*<data>([^<]*)<\/data>/.exec(message)?.[1];
	if (!data) throw new Error('no PairRecordData in the fixture');
	const record = Buffer.from(data.replace(/\s/g, ''), 'base64').toString('latin1');
	const pems = record.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----\n?/g) ?? [];
	if (pems.length !== 3) throw new Error(`expected 3 certificates in the fixture, found ${pems.length}`);
	const kinds = pems.map((pem) => ({ pem, text: opensslText(pem) }));
	const find = (test: (text: string) => boolean) => {
		const found = kinds.find((kind) => test(kind.text));
		if (!found) throw new Error('fixture certificate not found');
		return found.pem;
	};
	return {
		root: find((text) => text.includes('CA:TRUE')),
		host: find((text) => text.includes('CA:FALSE') && !text.includes('Subject Key Identifier')),
		device: find((text) => text.includes('Subject Key Identifier')),
	};
}
