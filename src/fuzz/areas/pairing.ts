import { encodePem } from '../../lib/pairing/pem';
import { MAX_MODULUS_BITS, MIN_MODULUS_BITS, parseRsaPublicKeyPem, rsaPublicKeyFromSpki } from '../../lib/pairing/rsa-public-key';
import { expect } from '../contract';
import type { SeedCorpus } from '../corpus';
import { fuzzInputs, type FuzzInput } from '../mutate';
import type { FuzzTarget } from '../run';

const PEM_TOKENS = [
	'-----BEGIN RSA PUBLIC KEY-----',
	'-----END RSA PUBLIC KEY-----',
	'-----BEGIN PUBLIC KEY-----',
	'-----END PUBLIC KEY-----',
	'-----BEGIN CERTIFICATE-----',
	'=',
	'==',
	'\n',
	'\r\n',
	'MIIBCgKCAQEA',
	'AAAA',
	'////',
];

const LABELS = ['RSA PUBLIC KEY', 'PUBLIC KEY'] as const;

/** The PEM text the parser gets: the input itself when it is PEM, else the input as DER in a PEM armour. */
function pemOf(input: FuzzInput): Uint8Array | string {
	const text = new TextDecoder().decode(input.bytes.subarray(0, 5));
	if (text === '-----') return input.bytes;
	return encodePem(LABELS[input.variant % 2]!, input.bytes);
}

/**
 * The device's public key as lockdownd's GetValue gives it: PEM, then PKCS#1 or SubjectPublicKeyInfo DER.
 * DER edits are wrapped in a valid armour (variant: which label), so they reach the DER reader.
 */
export function pairingTargets(corpus: SeedCorpus): FuzzTarget[] {
	const keys = corpus.tls.publicKeys.map((spki) => ({ spki, pkcs1: rsaPublicKeyFromSpki(spki).pkcs1 }));
	const seeds = keys.flatMap(({ spki, pkcs1 }) => [
		new TextEncoder().encode(encodePem('RSA PUBLIC KEY', pkcs1)),
		new TextEncoder().encode(encodePem('PUBLIC KEY', spki)),
		pkcs1,
		spki,
	]);
	return [
		{
			name: 'pairing.device-public-key',
			description: 'parseRsaPublicKeyPem: PEM armour, base64, PKCS#1 and SPKI DER, modulus and exponent checks',
			inputs: fuzzInputs({ seeds, tokens: PEM_TOKENS, variants: 2 }),
			mayThrow: 'device-error',
			quickCases: 1000,
			run(input) {
				const key = parseRsaPublicKeyPem(pemOf(input));
				expect(key.modulusBits >= MIN_MODULUS_BITS && key.modulusBits <= MAX_MODULUS_BITS, `a ${key.modulusBits}-bit key came out`);
				const again = rsaPublicKeyFromSpki(key.spki);
				expect(again.modulusBits === key.modulusBits && again.pkcs1.length === key.pkcs1.length, 'the SPKI made does not read back the same');
			},
		},
	];
}
