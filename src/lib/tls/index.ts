/**
 * Our own TLS 1.2 on WebCrypto (see docs: tls.md, protocol.md §6): the client that talks to lockdownd
 * and the server the virtual iPhone uses. ECDHE_RSA with AES-128/256-GCM, P-256/P-384, extended
 * master secret, RSA client certificates with non-extractable keys, no resumption, no renegotiation.
 */
import type { ByteChannel } from '../streams/byte-channel';
import { ClientHandshake, type TlsClientOptions } from './client-handshake';
import { ServerHandshake, type TlsServerOptions } from './server-handshake';
import { runTls, type TlsChannel } from './tls-connection';

export type { TlsClientOptions } from './client-handshake';
export type { TlsServerOptions } from './server-handshake';
export type { TlsChannel, DetachOptions } from './tls-connection';
export type { TlsSessionInfo } from './handshake-machine';
export { TlsError } from './tls-error';
export type { AlertDescription } from './alert';
export {
	CIPHER_SUITES,
	ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	SIGNATURE_SCHEMES,
} from './algorithms';
export { subjectPublicKeyInfoOf, samePublicKey } from './der';

/**
 * Runs a TLS 1.2 handshake as the client over `channel` (which it takes over: do not read or write it
 * yourself until `detach`) and resolves with the session as a plaintext channel. Rejects with a
 * `DeviceError` ('tls' for TLS failures; the channel's own error when the channel fails) and then
 * closes `channel` once the alert is sent.
 */
export async function startTlsClient(channel: ByteChannel, options: TlsClientOptions): Promise<TlsChannel> {
	return runTls(channel, new ClientHandshake(options));
}

/** The same as the server: it requires a client certificate that `options.verifyClientCertificate` accepts. */
export async function startTlsServer(channel: ByteChannel, options: TlsServerOptions): Promise<TlsChannel> {
	return runTls(channel, new ServerHandshake(options));
}
