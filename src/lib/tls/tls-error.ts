import { DeviceError, type DeviceErrorOptions } from '../errors';
import type { AlertDescription } from './alert';

const PREFIX = 'The secure connection to the iPhone failed: ';

/**
 * A TLS failure: a `DeviceError` with code 'tls' that also carries the alert we owe the peer, so the
 * connection can tell the other side why before it hangs up. Codecs and state machines throw it; the
 * connection sends `alert` and hands the error on unchanged.
 */
export class TlsError extends DeviceError {
	/** The fatal alert to send for this failure. */
	readonly alert: AlertDescription;
	/** The reason without the sentence around it. */
	readonly detail: string;

	constructor(detail: string, alert: AlertDescription, options: DeviceErrorOptions & { prefix?: string } = {}) {
		super('tls', `${options.prefix ?? PREFIX}${detail}`, options);
		this.alert = alert;
		this.detail = detail;
	}

	/** The same failure worded for the other role (the virtual iPhone speaks of the computer). */
	reworded(prefix: string): TlsError {
		const options: DeviceErrorOptions & { prefix: string } = { prefix, cause: this.cause };
		if (this.advice !== undefined) options.advice = this.advice;
		return new TlsError(this.detail, this.alert, options);
	}
}

/** For a peer's malformed message: the usual `decode_error` with the message named. */
export function malformed(what: string): TlsError {
	return new TlsError(`the ${what} it sent was malformed.`, 'decode_error');
}

/** For a message that is well formed but not allowed where it came. */
export function unexpected(what: string): TlsError {
	return new TlsError(`it sent ${what} at a point where that is not allowed.`, 'unexpected_message');
}
