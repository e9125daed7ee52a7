import { DeviceError } from '../errors';
import { decodePlist, encodePlist } from '../plist/codec';
import { isPlistDict, type PlistDict } from '../plist/value';

/*
 * Lockdown's framing: a 4-byte big-endian length, then that many bytes of plist (protocol.md §4.1).
 * The same framing carries other plist services, so nothing here is lockdown-specific.
 */

export const LENGTH_PREFIX_BYTES = 4;
/** Far above any lockdown message (the largest, a Pair request, is a few kilobytes). */
export const MAX_PLIST_MESSAGE_BYTES = 1 << 20;

/** The length prefix and the body of one message, kept apart so a sender can write them separately. */
export function encodePlistFrame(message: PlistDict): { prefix: Uint8Array; body: Uint8Array } {
	const body = encodePlist(message);
	const prefix = new Uint8Array(LENGTH_PREFIX_BYTES);
	new DataView(prefix.buffer).setUint32(0, body.length);
	return { prefix, body };
}

/** The announced body length, checked against `max` before anyone allocates it. */
export function readPlistFrameLength(prefix: Uint8Array, max = MAX_PLIST_MESSAGE_BYTES): number {
	const length = new DataView(prefix.buffer, prefix.byteOffset, LENGTH_PREFIX_BYTES).getUint32(0);
	if (length > max) {
		throw new DeviceError(
			'too-large',
			`The iPhone announced a message of ${length} bytes, more than the ${max} this page accepts.`,
		);
	}
	if (length === 0) throw new DeviceError('protocol', 'The iPhone sent an empty message.');
	return length;
}

/** A message body: a plist whose top level is a dictionary. */
export function decodePlistFrameBody(body: Uint8Array): PlistDict {
	const message = decodePlist(body);
	if (!isPlistDict(message)) {
		throw new DeviceError('protocol', 'A message from the iPhone could not be read.', {
			cause: new Error('the plist is not a dictionary'),
		});
	}
	return message;
}
