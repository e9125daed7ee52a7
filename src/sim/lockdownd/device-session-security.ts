import type { SecureChannel } from '../../lib/lockdown/session-security';
import type { ByteChannel } from '../../lib/streams/byte-channel';

/** What the device's TLS server is made of for one session (protocol.md §5.4, §6.1). */
export interface DeviceTlsCredentials {
	/**
	 * The server certificate: the DeviceCertificate from the host's pair record (PEM bytes). A real
	 * iPhone has no certificate of its own; it presents the one the host made for it.
	 */
	certificate: Uint8Array;
	/** The device's own private key, whose public half that certificate wraps. */
	privateKey: CryptoKey;
	/**
	 * The RootCertificate from the same record (PEM bytes). The server asks for a client certificate
	 * and must refuse the handshake unless it is signed by this root (HostCertificate or the root itself).
	 */
	rootCertificate: Uint8Array;
}

/** The device's side of lockdown TLS, injected like the host's `SessionSecurity`. */
export interface DeviceSessionSecurity {
	/** Runs the TLS handshake on `channel` as the server; throws when it fails. */
	startServer(channel: ByteChannel, credentials: DeviceTlsCredentials): Promise<SecureChannel>;
}
