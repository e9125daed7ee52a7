import { type CipherSuite, cipherSuiteById } from './algorithms';
import { equalBytes, toHex } from '../bytes';
import { decodeFinished, type HandshakeMessage } from './handshake-messages';
import { finishedVerifyData } from './key-schedule';
import type { AesGcmRecordCipher } from './record-cipher';
import { TlsError } from './tls-error';

/**
 * The seam between a handshake (client or server: pure state, WebCrypto, no I/O) and the connection
 * that carries its records. The connection feeds messages in and sends what comes out, in order.
 */
export type HandshakeOutput =
	| { kind: 'handshake'; message: Uint8Array }
	/** Send ChangeCipherSpec, then protect every later record with `cipher`. */
	| { kind: 'change-cipher-spec'; cipher: AesGcmRecordCipher };

export interface HandshakeMachine {
	readonly role: 'client' | 'server';
	/** True once both Finished messages have been checked and sent. */
	readonly established: boolean;
	/** What was agreed; set once `established`. */
	readonly session: TlsSessionInfo | undefined;
	/** The client's ClientHello; nothing for a server. */
	start(): Promise<HandshakeOutput[]>;
	/** One whole message from the peer. Throws a `TlsError` when it is wrong or out of place. */
	receiveMessage(message: HandshakeMessage): Promise<HandshakeOutput[]>;
	/** The peer's ChangeCipherSpec: returns the cipher for reading from now on, or throws if out of place. */
	receiveChangeCipherSpec(): AesGcmRecordCipher;
}

export interface TlsSessionInfo {
	version: 'TLSv1.2';
	/** OpenSSL's name for the suite, e.g. 'ECDHE-RSA-AES256-GCM-SHA384'. */
	cipherSuite: string;
	namedGroup: 'P-256' | 'P-384';
	/** Whether RFC 7627's extended master secret was used. */
	extendedMasterSecret: boolean;
	/** The peer's certificates (DER), its own first; empty if it sent none. */
	peerCertificates: Uint8Array[];
	/** How the peer signed: its ServerKeyExchange (client side) or CertificateVerify (server side). */
	peerSignatureScheme: string;
	/** How we signed, if we did. */
	ownSignatureScheme: string | undefined;
	/** Client side: the schemes the server's CertificateRequest listed, in its order (for diagnosis). */
	requestedSignatureSchemes: string[] | undefined;
}

/** The SSLKEYLOGFILE line for a session, for checking our key schedule against other tools. */
export function keyLogLine(clientRandom: Uint8Array, master: Uint8Array): string {
	return `CLIENT_RANDOM ${toHex(clientRandom)} ${toHex(master)}`;
}

/** The cipher suites a side was configured with, checked to be ones we implement. */
export function checkedCipherSuites(ids: readonly number[]): number[] {
	if (ids.length === 0 || !ids.every((id) => cipherSuiteById(id) !== undefined)) {
		throw new TlsError('the cipher suites asked for are not ones we support.', 'internal_error');
	}
	return [...ids];
}

/** Checks the peer's Finished (`body`) against the transcript before it; throws when it does not match. */
export async function checkPeerFinished(
	suite: CipherSuite,
	master: Uint8Array,
	peer: 'client' | 'server',
	transcript: readonly Uint8Array[],
	body: Uint8Array,
): Promise<void> {
	const { verifyData } = decodeFinished(body);
	const expected = await finishedVerifyData(suite, master, peer, transcript);
	if (!equalBytes(verifyData, expected)) {
		throw new TlsError('its Finished message does not match the handshake (the connection was tampered with).', 'decrypt_error');
	}
}
