import { concatBytes, equalBytes } from '../bytes';
import { DeviceError } from '../errors';
import {
	DER_BIT_STRING,
	DER_INTEGER,
	DER_NULL,
	DER_OBJECT_IDENTIFIER,
	DER_SEQUENCE,
	encodeDerElement,
	readDerChildren,
	readDerElement,
} from '../bytes';
import { decodePem } from './pem';

/**
 * The iPhone's own public key, as lockdownd's `GetValue DevicePublicKey` gives it: PEM "RSA PUBLIC
 * KEY", that is PKCS#1 `RSAPublicKey { modulus, publicExponent }`. WebCrypto and X.509 want it as a
 * SubjectPublicKeyInfo, which is the same bytes inside a BIT STRING next to the rsaEncryption
 * algorithm identifier. A "PUBLIC KEY" (SPKI) PEM is accepted too, so a key exported by other tools
 * works as well.
 */
export interface RsaPublicKey {
	/** PKCS#1 RSAPublicKey DER (the subjectPublicKey of the SPKI; what key identifiers hash). */
	readonly pkcs1: Uint8Array<ArrayBuffer>;
	/** SubjectPublicKeyInfo DER. */
	readonly spki: Uint8Array<ArrayBuffer>;
	/** Size of the modulus in bits. */
	readonly modulusBits: number;
}

/** A PEM key is a few hundred bytes; this is far above any real one and keeps junk out. */
export const MAX_PUBLIC_KEY_PEM_LENGTH = 16 * 1024;
/** Old iPods had 1024-bit keys; current phones 2048. */
export const MIN_MODULUS_BITS = 1024;
export const MAX_MODULUS_BITS = 8192;

/** 1.2.840.113549.1.1.1 */
const RSA_ENCRYPTION_OID = Uint8Array.of(0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01);
/** AlgorithmIdentifier { rsaEncryption, NULL }, as every encoder writes it. */
const RSA_ENCRYPTION_ALGORITHM = encodeDerElement(
	DER_SEQUENCE,
	concatBytes([encodeDerElement(DER_OBJECT_IDENTIFIER, RSA_ENCRYPTION_OID), Uint8Array.of(DER_NULL, 0)]),
);

function unreadable(detail: string): DeviceError {
	return new DeviceError('protocol', `The iPhone sent a security key this app cannot read (${detail}).`, {
		advice: 'Unplug the iPhone, plug it back in and try again.',
	});
}

/** Parses the device's public key from PEM (PKCS#1 "RSA PUBLIC KEY" or SPKI "PUBLIC KEY"). */
export function parseRsaPublicKeyPem(pem: string | Uint8Array): RsaPublicKey {
	if (pem.length > MAX_PUBLIC_KEY_PEM_LENGTH) {
		throw new DeviceError('too-large', `The iPhone sent a security key of ${pem.length} bytes, far more than a real one.`);
	}
	const block = decodePem(pem, ['RSA PUBLIC KEY', 'PUBLIC KEY']);
	if (!block) throw unreadable('no PEM public key');
	if (block.label === 'RSA PUBLIC KEY') return rsaPublicKeyFromPkcs1(block.der);
	return rsaPublicKeyFromSpki(block.der);
}

/** Checks a PKCS#1 RSAPublicKey and wraps it as a SubjectPublicKeyInfo. */
export function rsaPublicKeyFromPkcs1(pkcs1: Uint8Array): RsaPublicKey {
	const outer = readDerElement(pkcs1);
	if (!outer || outer.tag !== DER_SEQUENCE || outer.end !== pkcs1.length) throw unreadable('not an RSA public key');
	const fields = readDerChildren(outer.value);
	const [modulus, exponent] = fields ?? [];
	if (!fields || fields.length !== 2 || !modulus || !exponent) throw unreadable('not an RSA public key');
	const modulusBits = positiveIntegerBits(modulus.tag, modulus.value);
	const exponentBits = positiveIntegerBits(exponent.tag, exponent.value);
	if (modulusBits === undefined || exponentBits === undefined) throw unreadable('malformed numbers');
	if (modulusBits < MIN_MODULUS_BITS || modulusBits > MAX_MODULUS_BITS) {
		throw unreadable(`a ${modulusBits}-bit key`);
	}
	// An even exponent, or one of 1, cannot be RSA; above 2^32 WebCrypto implementations refuse it.
	const lastExponentByte = exponent.value[exponent.value.length - 1] ?? 0;
	if (exponentBits < 2 || exponentBits > 32 || (lastExponentByte & 1) === 0) throw unreadable('a bad exponent');
	const copy = pkcs1.slice();
	const bitString = encodeDerElement(DER_BIT_STRING, concatBytes([Uint8Array.of(0), copy]));
	const spki = encodeDerElement(DER_SEQUENCE, concatBytes([RSA_ENCRYPTION_ALGORITHM, bitString]));
	return { pkcs1: copy, spki, modulusBits };
}

/**
 * Checks an rsaEncryption SubjectPublicKeyInfo (what WebCrypto exports as 'spki') and takes the
 * RSAPublicKey out of it: the virtual iPhone publishes its key this way, as lockdownd does.
 */
export function rsaPublicKeyFromSpki(spki: Uint8Array): RsaPublicKey {
	return rsaPublicKeyFromPkcs1(pkcs1FromSpki(spki));
}

/** The RSAPublicKey inside an rsaEncryption SubjectPublicKeyInfo. */
function pkcs1FromSpki(spki: Uint8Array): Uint8Array {
	const outer = readDerElement(spki);
	if (!outer || outer.tag !== DER_SEQUENCE || outer.end !== spki.length) throw unreadable('not a public key');
	const [algorithm, key, ...rest] = readDerChildren(outer.value) ?? [];
	if (!algorithm || !key || rest.length > 0 || algorithm.tag !== DER_SEQUENCE || key.tag !== DER_BIT_STRING) {
		throw unreadable('not a public key');
	}
	const [oid, parameters, ...more] = readDerChildren(algorithm.value) ?? [];
	const nullOrAbsent = parameters === undefined || (parameters.tag === DER_NULL && parameters.value.length === 0);
	const isRsa = oid?.tag === DER_OBJECT_IDENTIFIER && equalBytes(oid.value, RSA_ENCRYPTION_OID);
	if (!isRsa || !nullOrAbsent || more.length > 0) {
		throw unreadable('not an RSA key');
	}
	if (key.value[0] !== 0) throw unreadable('not a public key');
	return key.value.subarray(1);
}

/** Bit length of a DER INTEGER that must be positive and minimally encoded; `undefined` otherwise. */
function positiveIntegerBits(tag: number, value: Uint8Array): number | undefined {
	const first = value[0];
	if (tag !== DER_INTEGER || first === undefined || first & 0x80) return undefined;
	if (first === 0) {
		const second = value[1];
		// A leading zero is only allowed (and then required) before a byte with its top bit set.
		if (second === undefined) return undefined;
		if ((second & 0x80) === 0) return undefined;
		return (value.length - 1) * 8;
	}
	return (value.length - 1) * 8 + (32 - Math.clz32(first));
}
