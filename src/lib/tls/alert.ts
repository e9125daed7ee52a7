/** TLS alerts (RFC 5246 §7.2, RFC 5746, RFC 7627): the few bytes a peer sends to say why it stops. */

const CODES = {
	close_notify: 0,
	unexpected_message: 10,
	bad_record_mac: 20,
	record_overflow: 22,
	handshake_failure: 40,
	bad_certificate: 42,
	unsupported_certificate: 43,
	certificate_revoked: 44,
	certificate_expired: 45,
	certificate_unknown: 46,
	illegal_parameter: 47,
	unknown_ca: 48,
	access_denied: 49,
	decode_error: 50,
	decrypt_error: 51,
	protocol_version: 70,
	insufficient_security: 71,
	internal_error: 80,
	user_canceled: 90,
	no_renegotiation: 100,
	unsupported_extension: 110,
} as const;

export type AlertDescription = keyof typeof CODES;
export type AlertLevel = 'warning' | 'fatal';

const NAMES = new Map<number, AlertDescription>(
	Object.entries(CODES).map(([name, code]) => [code, name as AlertDescription]),
);

export interface Alert {
	level: AlertLevel;
	/** A known description, or the raw number for one we do not know. */
	description: AlertDescription | number;
}

export function encodeAlert(level: AlertLevel, description: AlertDescription): Uint8Array {
	return Uint8Array.of(level === 'fatal' ? 2 : 1, CODES[description]);
}

/** `undefined` when the bytes are not an alert (wrong length or level). */
export function decodeAlert(body: Uint8Array): Alert | undefined {
	if (body.length !== 2) return undefined;
	const level = body[0] === 1 ? 'warning' : body[0] === 2 ? 'fatal' : undefined;
	if (level === undefined) return undefined;
	const code = body[1]!;
	return { level, description: NAMES.get(code) ?? code };
}

export function alertName(description: AlertDescription | number): string {
	return typeof description === 'number' ? `alert ${description}` : description.replaceAll('_', ' ');
}
