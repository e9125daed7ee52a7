/** A service lockdownd started: where to connect, and whether TLS comes first there. */
export interface ServiceEndpoint {
	port: number;
	enableServiceSSL: boolean;
}

/**
 * The rest of the virtual iPhone, as lockdownd's StartService sees it: given a service name, start a
 * listener and say where. `undefined` for a service this phone does not have (InvalidService); `{ error }`
 * to refuse with a lockdownd error string (ServiceProhibited, PasswordProtected, ServiceLimit…).
 */
export type ServiceRegistry = (
	name: string,
	request: { escrowBag: Uint8Array | undefined },
) => ServiceEndpoint | { error: string } | undefined | Promise<ServiceEndpoint | { error: string } | undefined>;
