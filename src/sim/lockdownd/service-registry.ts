import type { DeviceTlsCredentials } from './device-session-security';

/** A service lockdownd started: where to connect, and whether TLS comes first there. */
export interface ServiceEndpoint {
	port: number;
	enableServiceSSL: boolean;
}

/** What StartService came with, and who asked. */
export interface ServiceRequest {
	escrowBag: Uint8Array | undefined;
	/**
	 * The TLS server's side for the host whose session asked (its pair record's device certificate, the
	 * phone's key, its root): what a service that answers `EnableServiceSSL` runs its handshake with.
	 */
	tls: DeviceTlsCredentials | undefined;
}

/**
 * The rest of the virtual iPhone, as lockdownd's StartService sees it: given a service name, start a
 * listener and say where. `undefined` for a service this phone does not have (InvalidService); `{ error }`
 * to refuse with a lockdownd error string (ServiceProhibited, PasswordProtected, ServiceLimit…).
 */
export type ServiceRegistry = (
	name: string,
	request: ServiceRequest,
) => ServiceEndpoint | { error: string } | undefined | Promise<ServiceEndpoint | { error: string } | undefined>;
