import type { DeviceError } from '../errors';
import type { AlertDescription, AlertLevel } from './alert';
import { TlsError } from './tls-error';

/**
 * Where a TLS connection (`tls-connection.ts`) is in its life, as one value. What a phase allows is
 * read off it; it changes only through `ConnectionLifecycle` below, which holds every rule.
 *
 *     handshaking ──► open ──► closing
 *                       │         │
 *                       └─────────┴──► handing-back ──► detached
 *
 *     close():    any phase but detached or failed ──► closed   (a failed one stays failed; its channel is closed too)
 *     a failure:  handshaking, open, closing, handing-back ──► failed
 *
 * Go's crypto/tls (`closeNotifySent`) and rustls (`has_received_close_notify`, `sent_fatal_alert`)
 * keep these facts as separate flags; as one value, combinations that mean nothing (a session handed
 * back and closed, a close_notify received and not answered outside a hand-back) cannot be written.
 */
export type ConnectionPhase =
	/**
	 * Hellos, keys and Finished messages are being exchanged; nobody holds the connection yet.
	 * `versionSettled`: the peer's hello is in (the first message the handshake accepts), so every
	 * record from here on must say TLS 1.2; before it any 3.x passes, as RFC 5246 Appendix E.1 leaves
	 * the version of the records around the hellos open. Only this phase needs it: in every later
	 * one the version is settled.
	 */
	| { readonly name: 'handshaking'; readonly versionSettled: boolean }
	/** The session carries data both ways. */
	| { readonly name: 'open' }
	/**
	 * Our close_notify is out, so we send nothing more; the peer's records are read until its own
	 * close_notify (`peerClosed`), after which nothing it sends is the session's.
	 */
	| { readonly name: 'closing'; readonly peerClosed: boolean }
	/**
	 * `detach` is giving the channel back: the records already here are handled, nothing more is read
	 * or written as TLS. Either close_notify may have gone by or not (what we say is the caller's
	 * choice, `DetachOptions`), so both are remembered.
	 */
	| { readonly name: 'handing-back'; readonly closeNotifySent: boolean; readonly peerClosed: boolean }
	/** The channel underneath belongs to the plain channel `detach` returned. */
	| { readonly name: 'detached' }
	/** `close()` ended both streams and closed the channel underneath. */
	| { readonly name: 'closed' }
	/** The connection's one failure: whoever asks anything of it from now on gets `error`. */
	| { readonly name: 'failed'; readonly error: DeviceError };

/** An alert still owed to the peer. */
export interface OwedAlert {
	level: AlertLevel;
	description: AlertDescription;
}

/** What `close()` still has to do. */
export type Closing =
	/** The channel is not ours to close any more (closed already, or handed back). */
	| 'nothing'
	/** Close the channel. */
	| 'hang-up'
	/** Say close_notify first, if that cannot hold us up, then close the channel. */
	| 'close-notify';

/** What a failure changed. */
export type FailureOutcome =
	/** The connection failed now: tell the peer `alert` (if any), end the streams, hang up. */
	| { readonly failedNow: true; readonly alert: OwedAlert | undefined }
	/** Nothing changed; `error` is the one to report. */
	| { readonly failedNow: false; readonly error: DeviceError };

/**
 * The connection's phase and every rule by which it changes. Like the handshake machines it does no
 * I/O: the connection reports what happened and does what the answer says (send a close_notify or an
 * alert, hang up).
 */
export class ConnectionLifecycle {
	#phase: ConnectionPhase = { name: 'handshaking', versionSettled: false };

	get phase(): ConnectionPhase {
		return this.#phase;
	}

	get handshaking(): boolean {
		return this.#phase.name === 'handshaking';
	}

	/** Whether every record from the peer must say TLS 1.2. Asked while records are handled, so never once failed. */
	get versionSettled(): boolean {
		return this.#phase.name !== 'handshaking' || this.#phase.versionSettled;
	}

	/** Whether the peer's records still carry the session to our reader: open, or closing until its close_notify. */
	get receiving(): boolean {
		const phase = this.#phase;
		return phase.name === 'open' || (phase.name === 'closing' && !phase.peerClosed);
	}

	/** Whether the peer's close_notify has come: whatever follows it is not the session's. */
	get peerClosed(): boolean {
		const phase = this.#phase;
		return (phase.name === 'closing' || phase.name === 'handing-back') && phase.peerClosed;
	}

	/** Whether the channel may end or fail now without that being a fault: we are letting go of it. */
	get endExpected(): boolean {
		return this.#phase.name === 'closed' || this.#phase.name === 'handing-back';
	}

	throwIfFailed(): void {
		if (this.#phase.name === 'failed') throw this.#phase.error;
	}

	/** Throws unless application data may be written: only while open (our close_notify ends writing). */
	checkWritable(): void {
		this.throwIfFailed();
		if (this.#phase.name !== 'open') throw new TlsError('the secure session was already closed.', 'internal_error');
	}

	/** Throws unless `detach` may begin: the session is up (open or closing) and nobody has let go of it. */
	checkMayHandBack(): void {
		this.throwIfFailed();
		if (this.#phase.name !== 'open' && this.#phase.name !== 'closing') {
			throw new TlsError('the secure session was already closed or handed back.', 'internal_error');
		}
	}

	// ---- transitions: the only writes of #phase ----------------------------------------------------

	/**
	 * The handshake machine accepted a message of the peer's. The first is its hello, which settles
	 * the version; the one that establishes the session opens it. A failure that came meanwhile stands.
	 */
	handshakeMessageAccepted(established: boolean): void {
		if (this.#phase.name !== 'handshaking') return;
		this.#phase = established ? { name: 'open' } : { name: 'handshaking', versionSettled: true };
	}

	/**
	 * We end our side: open → closing. After our close_notify we send no more data (RFC 5246 §7.2.1).
	 * Returns whether to send it now: once, and only from an open session (closing has sent it; a
	 * hand-back says what its caller chose before it begins).
	 */
	sendCloseNotify(): boolean {
		if (this.#phase.name !== 'open') return false;
		this.#phase = { name: 'closing', peerClosed: false };
		return true;
	}

	/**
	 * The peer ended its side. RFC 5246 §7.2.1: we answer with our own at once, so the session ends
	 * both ways (open → closing, with both said) — unless the channel is being handed back, where what
	 * we say is the caller's choice. Returns whether to send ours now. During the handshake this is no
	 * close at all: the connection fails instead, before asking.
	 */
	receiveCloseNotify(): boolean {
		const phase = this.#phase;
		switch (phase.name) {
			case 'open':
				this.#phase = { name: 'closing', peerClosed: true };
				return true;
			case 'closing':
			case 'handing-back':
				this.#phase = { ...phase, peerClosed: true };
				return false;
			default:
				return false;
		}
	}

	/**
	 * open | closing → handing-back: from here nothing more is read or written as TLS. Out of open
	 * neither close_notify has gone by (the peer's would have been answered: closing).
	 */
	handBack(): void {
		this.checkMayHandBack();
		const phase = this.#phase;
		this.#phase =
			phase.name === 'closing'
				? { name: 'handing-back', closeNotifySent: true, peerClosed: phase.peerClosed }
				: { name: 'handing-back', closeNotifySent: false, peerClosed: false };
	}

	/**
	 * handing-back → detached. Throws the failure, or refuses, when the hand-back was overtaken (a
	 * failure, `close()`). Returns whether the peer's close_notify came while it was ours to read.
	 */
	detach(): { peerClosed: boolean } {
		const phase = this.#phase;
		this.throwIfFailed();
		if (phase.name !== 'handing-back') {
			throw new TlsError('the secure session was already closed or handed back.', 'internal_error');
		}
		this.#phase = { name: 'detached' };
		return { peerClosed: phase.peerClosed };
	}

	/**
	 * `close()`: every phase but detached → closed. A failure stays (its error still answers everyone),
	 * but its channel is closed all the same: at once, not after the alert, which may never leave.
	 */
	close(): Closing {
		const phase = this.#phase;
		switch (phase.name) {
			case 'closed':
			case 'detached':
				return 'nothing';
			case 'failed':
				return 'hang-up';
			default:
				this.#phase = { name: 'closed' };
				return closeNotifyOwed(phase) ? 'close-notify' : 'hang-up';
		}
	}

	/**
	 * A failure: every phase still speaking TLS → failed, owing the peer what `alertOwed` says (nothing
	 * when `peerAlerted`: its own fatal alert ended things). A connection failed already keeps its first
	 * failure (one story per connection); once closed or handed back, a failure changes nothing and
	 * only goes back to whoever met it.
	 */
	fail(failure: DeviceError, peerAlerted: boolean): FailureOutcome {
		const phase = this.#phase;
		switch (phase.name) {
			case 'failed':
				return { failedNow: false, error: phase.error };
			case 'closed':
			case 'detached':
				return { failedNow: false, error: failure };
			default:
				this.#phase = { name: 'failed', error: failure };
				return { failedNow: true, alert: peerAlerted ? undefined : alertOwed(phase, failure) };
		}
	}
}

/**
 * What failing out of `phase` still tells the peer. A TLS fault: the fatal alert naming it (RFC 5246
 * §7.2.2). A truncation (a failure whose alert is close_notify: the peer ended without its own): our
 * close_notify, once the session is up and if we have not said it yet. Nothing when something other
 * than TLS failed (the channel: there is no fault of the peer's to name).
 */
function alertOwed(phase: ConnectionPhase, failure: DeviceError): OwedAlert | undefined {
	if (!(failure instanceof TlsError)) return undefined;
	if (failure.alert !== 'close_notify') return { level: 'fatal', description: failure.alert };
	return closeNotifyOwed(phase) ? { level: 'warning', description: 'close_notify' } : undefined;
}

/** Whether we still owe the peer our close_notify: the session is up and we have not said it. */
function closeNotifyOwed(phase: ConnectionPhase): boolean {
	return phase.name === 'open' || (phase.name === 'handing-back' && !phase.closeNotifySent);
}
