import { DeviceError } from '../errors';
import { certificateDer } from '../pairing/pair-record';
import { startTlsClient, subjectPublicKeyInfoOf } from '../tls';
import type { SessionSecurity } from './session-security';

/**
 * Lockdown sessions over our own TLS 1.2: the host certificate and its non-extractable key from the
 * pair record, and the server's key pinned to the phone's own (from the record, or the device
 * certificate the host made for it). Leaving a session sends close_notify and waits for nothing, as
 * libimobiledevice does.
 */
export const tlsSessionSecurity: SessionSecurity = {
	async startClient(channel, record) {
		const serverPublicKey = record.devicePublicKey ?? subjectPublicKeyInfoOf(certificateDer(record.deviceCertificate));
		if (!serverPublicKey) {
			throw new DeviceError('storage', 'The saved pairing with this iPhone is damaged.', {
				advice: 'Forget this iPhone, then connect it again and tap Trust on the iPhone.',
			});
		}
		const session = await startTlsClient(channel, {
			certificate: certificateDer(record.hostCertificate),
			privateKey: record.hostPrivateKey,
			serverPublicKey,
		});
		const detach = session.detach.bind(session);
		return Object.assign(session, { detach: () => detach({ closeNotify: 'send' }) });
	},
};
