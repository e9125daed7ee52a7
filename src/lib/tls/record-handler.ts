import type { DeviceError } from '../errors';
import { alertName, decodeAlert, type AlertDescription } from './alert';
import type { ConnectionLifecycle } from './connection-lifecycle';
import type { HandshakeMachine } from './handshake-machine';
import { HANDSHAKE_TYPE, HandshakeAssembler, handshakeTypeName, type HandshakeMessage } from './handshake-messages';
import { CONTENT_TYPE, TLS12, type TlsRecord } from './record-layer';
import type { RecordReceiver } from './record-receiver';
import type { RecordSender } from './record-sender';
import { TlsError, malformed, unexpected } from './tls-error';

/** Empty records and warning alerts in a row before we call it abuse (as Go's crypto/tls does). */
const MAX_EMPTY_RECORDS = 16;
const TRUST_ADVICE =
	'If this computer was removed from the iPhone’s trusted computers, unplug the iPhone, plug it back in, unlock it and tap Trust.';
/** Alerts by which a peer says it does not accept our certificate. */
const REFUSAL_ALERTS = new Set<AlertDescription | number>([
	'bad_certificate',
	'unsupported_certificate',
	'certificate_revoked',
	'certificate_expired',
	'certificate_unknown',
	'unknown_ca',
	'access_denied',
]);

export interface RecordHandlerParts {
	machine: HandshakeMachine;
	lifecycle: ConnectionLifecycle;
	receiver: RecordReceiver;
	sender: RecordSender;
	/** Fails the connection owing the peer no alert: its own fatal alert ended things (RFC 5246 §7.2.2). */
	failByPeer: (error: TlsError) => DeviceError;
}

/**
 * What each record from the peer means, checked against the connection's phase (RFC 5246 §6–7):
 * handshake messages go to the handshake machine and its answers out, the peer's ChangeCipherSpec
 * brings in its cipher, alerts end or warn, application data goes to the reader.
 */
export class RecordHandler {
	readonly #machine: HandshakeMachine;
	readonly #lifecycle: ConnectionLifecycle;
	readonly #receiver: RecordReceiver;
	readonly #sender: RecordSender;
	readonly #failByPeer: (error: TlsError) => DeviceError;
	readonly #assembler = new HandshakeAssembler();
	/** Empty records and warning alerts in a row: a bound on a peer's chatter, the same in every phase. */
	#emptyRecords = 0;

	constructor(parts: RecordHandlerParts) {
		this.#machine = parts.machine;
		this.#lifecycle = parts.lifecycle;
		this.#receiver = parts.receiver;
		this.#sender = parts.sender;
		this.#failByPeer = parts.failByPeer;
	}

	/** Acts on one record; returns application data to deliver, if it carried some. */
	async handle(record: TlsRecord, fragment: Uint8Array): Promise<Uint8Array | undefined> {
		// A failed connection acts on nothing more: its failure is the answer.
		this.#lifecycle.throwIfFailed();
		if (this.#lifecycle.versionSettled && record.version !== TLS12) {
			throw new TlsError('it changed the TLS version in the middle of the connection.', 'protocol_version');
		}
		switch (record.type) {
			case CONTENT_TYPE.applicationData:
				if (this.#lifecycle.handshaking) throw unexpected('application data before the handshake finished');
				if (fragment.length === 0) {
					this.#countEmptyRecord();
					return undefined;
				}
				this.#emptyRecords = 0;
				return fragment;
			case CONTENT_TYPE.alert:
				this.#receiveAlert(fragment);
				return undefined;
			case CONTENT_TYPE.changeCipherSpec:
				if (fragment.length !== 1 || fragment[0] !== 1) throw malformed('ChangeCipherSpec');
				if (this.#assembler.midMessage || !this.#lifecycle.handshaking) throw unexpected('a ChangeCipherSpec');
				this.#receiver.decryptWith(this.#machine.receiveChangeCipherSpec());
				this.#emptyRecords = 0;
				return undefined;
			default:
				await this.#receiveHandshake(fragment);
				return undefined;
		}
	}

	/** The failure for a channel that ended (or was cut) where it did. */
	endOfStream(cause?: unknown): TlsError {
		if (this.#receiver.midRecord) {
			return new TlsError('the connection ended in the middle of a record.', 'decode_error', { cause });
		}
		if (this.#lifecycle.handshaking) {
			return new TlsError(
				'the connection was closed during the handshake.',
				'handshake_failure',
				this.#machine.role === 'client' ? { advice: TRUST_ADVICE, cause } : { cause },
			);
		}
		if (this.#assembler.midMessage) {
			return new TlsError('the connection ended in the middle of a message.', 'decode_error');
		}
		return new TlsError('the connection ended without the secure session being closed properly.', 'close_notify');
	}

	async #receiveHandshake(fragment: Uint8Array): Promise<void> {
		if (fragment.length === 0) throw malformed('empty handshake record');
		this.#emptyRecords = 0;
		this.#assembler.push(fragment);
		for (let message = this.#assembler.next(); message !== undefined; message = this.#assembler.next()) {
			if (!this.#lifecycle.handshaking) throw this.#afterHandshake(message);
			this.#sender.sendFlight(await this.#machine.receiveMessage(message));
			this.#lifecycle.handshakeMessageAccepted(this.#machine.established);
		}
	}

	/** A handshake message once the session is up: a renegotiation (refused) or a violation. */
	#afterHandshake(message: HandshakeMessage): TlsError {
		const asksRenegotiation =
			(this.#machine.role === 'client' && message.type === HANDSHAKE_TYPE.helloRequest) ||
			(this.#machine.role === 'server' && message.type === HANDSHAKE_TYPE.clientHello);
		return asksRenegotiation
			? new TlsError('it asked to renegotiate the secure connection, which we do not allow.', 'no_renegotiation')
			: unexpected(`a ${handshakeTypeName(message.type)} message after the handshake`);
	}

	#receiveAlert(fragment: Uint8Array): void {
		const alert = decodeAlert(fragment);
		if (alert === undefined) throw malformed('alert');
		if (alert.description === 'close_notify') {
			if (this.#lifecycle.handshaking) throw this.endOfStream();
			if (this.#lifecycle.receiveCloseNotify()) this.#sender.sendAlert('warning', 'close_notify');
			return;
		}
		if (alert.level === 'fatal') {
			const refused = REFUSAL_ALERTS.has(alert.description);
			throw this.#failByPeer(
				new TlsError(
					`it ended the connection with the alert “${alertName(alert.description)}”.`,
					'close_notify',
					refused && this.#machine.role === 'client' ? { advice: TRUST_ADVICE } : {},
				),
			);
		}
		// Warnings (user_canceled, no_renegotiation…) change nothing for us.
		this.#countEmptyRecord();
	}

	#countEmptyRecord(): void {
		this.#emptyRecords += 1;
		if (this.#emptyRecords > MAX_EMPTY_RECORDS) {
			throw new TlsError('it sent too many records with nothing in them.', 'unexpected_message');
		}
	}
}
