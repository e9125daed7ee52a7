import { certificateDer } from '../../lib/pairing/pair-record';
import { startTlsServer } from '../../lib/tls';
import type { DeviceSessionSecurity } from './device-session-security';
import { clientCertificateSignedByRoot } from './pair-record-check';

/**
 * The virtual iPhone's session TLS on our own TLS 1.2 server, for where no OpenSSL exists (the demo
 * and benchmark in a browser worker): the device certificate from the pair record with the phone's
 * own key, and a client certificate required and checked against the record's root. The device takes
 * TLS off at StopSession without sending anything, as lockdownd does.
 */
export const tlsDeviceSecurity: DeviceSessionSecurity = {
	async startServer(channel, credentials) {
		const session = await startTlsServer(channel, {
			certificate: certificateDer(credentials.certificate),
			privateKey: credentials.privateKey,
			verifyClientCertificate: (chain) => clientCertificateSignedByRoot(chain, credentials.rootCertificate),
		});
		const detach = session.detach.bind(session);
		return Object.assign(session, { detach: () => detach({ closeNotify: 'none' }) });
	},
};
