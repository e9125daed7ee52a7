import { asBufferSource, concatBytes } from '../bytes';
import type { CipherSuite } from './algorithms';
import { VERIFY_DATA_LENGTH } from './handshake-messages';

const subtle = () => globalThis.crypto.subtle;
const encoder = new TextEncoder();

/** The TLS 1.2 PRF (RFC 5246 §5): P_hash(secret, label ‖ seed), cut to `length` bytes. */
export async function prf(
	hash: 'SHA-256' | 'SHA-384',
	secret: Uint8Array,
	label: string,
	seed: Uint8Array,
	length: number,
): Promise<Uint8Array<ArrayBuffer>> {
	const key = await subtle().importKey('raw', asBufferSource(secret), { name: 'HMAC', hash }, false, ['sign']);
	const labelAndSeed = concatBytes([encoder.encode(label), seed]);
	const out = new Uint8Array(length);
	let a: Uint8Array<ArrayBuffer> = labelAndSeed;
	for (let filled = 0; filled < length; ) {
		a = new Uint8Array(await subtle().sign('HMAC', key, a));
		const block = new Uint8Array(await subtle().sign('HMAC', key, concatBytes([a, labelAndSeed])));
		const n = Math.min(block.length, length - filled);
		out.set(block.subarray(0, n), filled);
		filled += n;
	}
	return out;
}

export const MASTER_SECRET_LENGTH = 48;

/**
 * The master secret. With extended master secret (RFC 7627) it is bound to the whole handshake
 * (`sessionHash` = hash of the transcript up to ClientKeyExchange); without, to the two randoms only,
 * which we still accept because a device may not do RFC 7627 and we never resume or renegotiate.
 */
export function masterSecret(
	suite: CipherSuite,
	preMasterSecret: Uint8Array,
	binding: { sessionHash: Uint8Array } | { clientRandom: Uint8Array; serverRandom: Uint8Array },
): Promise<Uint8Array<ArrayBuffer>> {
	return 'sessionHash' in binding
		? prf(suite.hash, preMasterSecret, 'extended master secret', binding.sessionHash, MASTER_SECRET_LENGTH)
		: prf(
				suite.hash,
				preMasterSecret,
				'master secret',
				concatBytes([binding.clientRandom, binding.serverRandom]),
				MASTER_SECRET_LENGTH,
			);
}

/**
 * The master secret of a full handshake, bound to its transcript when both sides agreed on extended
 * master secret, else to the randoms. The pre-master secret is wiped once used.
 */
export async function handshakeMasterSecret(
	suite: CipherSuite,
	preMasterSecret: Uint8Array,
	handshake: { extendedMasterSecret: boolean; transcript: readonly Uint8Array[]; clientRandom: Uint8Array; serverRandom: Uint8Array },
): Promise<Uint8Array<ArrayBuffer>> {
	try {
		return await masterSecret(
			suite,
			preMasterSecret,
			handshake.extendedMasterSecret
				? { sessionHash: await transcriptHash(suite, handshake.transcript) }
				: { clientRandom: handshake.clientRandom, serverRandom: handshake.serverRandom },
		);
	} finally {
		preMasterSecret.fill(0);
	}
}

export interface TrafficKeys {
	clientKey: Uint8Array;
	serverKey: Uint8Array;
	clientIv: Uint8Array;
	serverIv: Uint8Array;
}

/** The key block for an AEAD suite: two keys and two 4-byte implicit IVs, no MAC keys. */
export async function trafficKeys(
	suite: CipherSuite,
	master: Uint8Array,
	clientRandom: Uint8Array,
	serverRandom: Uint8Array,
): Promise<TrafficKeys> {
	const k = suite.keyLength;
	const block = await prf(suite.hash, master, 'key expansion', concatBytes([serverRandom, clientRandom]), 2 * k + 8);
	return {
		clientKey: block.subarray(0, k),
		serverKey: block.subarray(k, 2 * k),
		clientIv: block.subarray(2 * k, 2 * k + 4),
		serverIv: block.subarray(2 * k + 4, 2 * k + 8),
	};
}

export async function transcriptHash(suite: CipherSuite, transcript: readonly Uint8Array[]): Promise<Uint8Array<ArrayBuffer>> {
	return new Uint8Array(await subtle().digest(suite.hash, concatBytes(transcript)));
}

/** Finished.verify_data for `sender`, over the transcript so far. */
export async function finishedVerifyData(
	suite: CipherSuite,
	master: Uint8Array,
	sender: 'client' | 'server',
	transcript: readonly Uint8Array[],
): Promise<Uint8Array<ArrayBuffer>> {
	const label = sender === 'client' ? 'client finished' : 'server finished';
	return prf(suite.hash, master, label, await transcriptHash(suite, transcript), VERIFY_DATA_LENGTH);
}
