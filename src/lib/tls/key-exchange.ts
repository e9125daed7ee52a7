import { asBufferSource } from '../bytes';
import type { NamedGroup, SignatureScheme } from './algorithms';
import { importParams, signatureParams, signatureSchemeOfKey } from './algorithms';
import { TlsError } from './tls-error';

/** ECDHE shares and RSA signatures on WebCrypto: the asymmetric half of the handshake. */

const subtle = () => globalThis.crypto.subtle;

export interface KeyShare {
	group: NamedGroup;
	/** Our uncompressed point, as it goes on the wire. */
	publicPoint: Uint8Array;
	privateKey: CryptoKey;
}

export async function generateKeyShare(group: NamedGroup): Promise<KeyShare> {
	const pair = (await subtle().generateKey({ name: 'ECDH', namedCurve: group.name }, false, ['deriveBits'])) as CryptoKeyPair;
	const publicPoint = new Uint8Array(await subtle().exportKey('raw', pair.publicKey));
	return { group, publicPoint, privateKey: pair.privateKey };
}

/** The ECDH shared secret (the pre-master secret). A point off the curve is the peer's fault. */
export async function sharedSecret(share: KeyShare, peerPoint: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
	if (peerPoint.length !== share.group.pointLength || peerPoint[0] !== 0x04) {
		throw new TlsError('it sent a key-exchange point of the wrong form.', 'illegal_parameter');
	}
	let peerKey: CryptoKey;
	try {
		peerKey = await subtle().importKey('raw', asBufferSource(peerPoint), { name: 'ECDH', namedCurve: share.group.name }, false, []);
	} catch (cause) {
		throw new TlsError('it sent a key-exchange point that is not on the curve.', 'illegal_parameter', { cause });
	}
	try {
		return new Uint8Array(await subtle().deriveBits({ name: 'ECDH', public: peerKey }, share.privateKey, share.group.bits));
	} catch (cause) {
		throw new TlsError('the key exchange could not be completed.', 'illegal_parameter', { cause });
	}
}

/** A private key with the one scheme it signs in. */
export interface SigningKey {
	key: CryptoKey;
	scheme: SignatureScheme;
}

/**
 * Checks the caller's keys: each must be a private RSA key allowed to sign, in a scheme TLS knows.
 * A bad key is a programming error, reported as 'tls' like everything else here.
 */
export function signingKeys(keys: CryptoKey | readonly CryptoKey[], whose: string): SigningKey[] {
	const list = Array.isArray(keys) ? (keys as readonly CryptoKey[]) : [keys as CryptoKey];
	if (list.length === 0) throw new TlsError(`no private key was given for ${whose}.`, 'internal_error');
	return list.map((key) => {
		const scheme = key.type === 'private' && key.usages.includes('sign') ? signatureSchemeOfKey(key) : undefined;
		if (scheme === undefined) {
			throw new TlsError(
				`the private key for ${whose} is not an RSA signing key (RSASSA-PKCS1-v1_5 or RSA-PSS with SHA-1/256/384/512).`,
				'internal_error',
			);
		}
		return { key, scheme };
	});
}

/** Our first key whose scheme the peer accepts (`acceptable` in the peer's order of preference). */
export function chooseSigningKey(keys: readonly SigningKey[], acceptable: readonly number[]): SigningKey | undefined {
	for (const id of acceptable) {
		const found = keys.find((candidate) => candidate.scheme.id === id);
		if (found !== undefined) return found;
	}
	return undefined;
}

export async function sign(signer: SigningKey, data: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
	try {
		return new Uint8Array(await subtle().sign(signatureParams(signer.scheme), signer.key, asBufferSource(data)));
	} catch (cause) {
		throw new TlsError('the browser could not sign with this computer’s key.', 'internal_error', { cause });
	}
}

/**
 * Checks a peer's signature with the key from its certificate. `false` for a wrong signature; a
 * `TlsError` when the certificate's key cannot be used for the scheme at all.
 */
export async function verifySignature(
	subjectPublicKeyInfo: Uint8Array,
	scheme: SignatureScheme,
	signature: Uint8Array,
	data: Uint8Array,
): Promise<boolean> {
	let key: CryptoKey;
	try {
		key = await subtle().importKey('spki', asBufferSource(subjectPublicKeyInfo), importParams(scheme), false, ['verify']);
	} catch (cause) {
		throw new TlsError('its certificate does not hold an RSA key we can check signatures with.', 'unsupported_certificate', {
			cause,
		});
	}
	try {
		return await subtle().verify(signatureParams(scheme), key, asBufferSource(signature), asBufferSource(data));
	} catch {
		return false;
	}
}
