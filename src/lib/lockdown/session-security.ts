import type { ByteChannel } from '../streams/byte-channel';
import type { PairRecord } from './pair-record';

/*
 * TLS is injected, not imported: lockdown only decides when a connection goes into TLS and when it
 * comes out. Wiring our own TLS (src/lib/tls) or node:tls in tests is one adapter object.
 */

/** A TLS connection over a ByteChannel that can be taken off again, leaving the plaintext channel. */
export interface SecureChannel extends ByteChannel {
	/**
	 * Ends TLS without ending the connection and gives back the channel underneath for plaintext; bytes
	 * received after the last TLS record come first from it. Nothing is waited for, since hosts and
	 * phones differ here (protocol.md §6.3): the host's side sends close_notify (as libimobiledevice does)
	 * or nothing (as go-ios does) and never waits for the phone's; the device's side sends nothing and
	 * leaves a close_notify that arrives later to the plaintext reader, which discards it.
	 */
	detach(): Promise<ByteChannel>;
}

/** The host's side: TLS client on the lockdown connection after StartSession (protocol.md §6.1). */
export interface SessionSecurity {
	/**
	 * Runs the TLS handshake on `channel` as the client, presenting the pair record's HostCertificate
	 * with HostPrivateKey. Throws a DeviceError when the handshake fails.
	 */
	startClient(channel: ByteChannel, pairRecord: PairRecord): Promise<SecureChannel>;
}
