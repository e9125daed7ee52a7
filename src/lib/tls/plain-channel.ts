import { concatBytes } from '../bytes';
import type { ByteChannel } from '../streams/byte-channel';
import { decodeAlert } from './alert';
import type { AesGcmRecordCipher } from './record-cipher';
import { CONTENT_TYPE, TLS12 } from './record-layer';

/** A close_notify protected with AES-GCM: header, explicit nonce, two alert bytes, tag. */
const PROTECTED_ALERT_LENGTH = 5 + 8 + 2 + 16;

export interface PlainChannelParts {
	/** Bytes read past the last TLS record. */
	leftover: Uint8Array;
	/** The channel read that was under way when TLS let go. */
	pendingRead: Promise<ReadableStreamReadResult<Uint8Array>> | undefined;
	reader: ReadableStreamDefaultReader<Uint8Array>;
	channel: ByteChannel;
	/** When set, a close_notify the peer sends first (genuine: it decrypts with the session's next record number) is dropped. */
	closeNotifyCheck: AesGcmRecordCipher | undefined;
}

/**
 * The channel underneath, once TLS has let go of it: `leftover` in front, then the result of the read
 * that was under way, then the channel's own reads.
 */
export function plainChannel({ leftover, pendingRead, reader, channel, closeNotifyCheck }: PlainChannelParts): ByteChannel {
	let first: Uint8Array | undefined = leftover.length > 0 ? leftover : undefined;
	const next = async (): Promise<Uint8Array | undefined> => {
		if (first !== undefined) {
			const chunk = first;
			first = undefined;
			return chunk;
		}
		const read = pendingRead ?? reader.read();
		pendingRead = undefined;
		const { value, done } = await read;
		return done ? undefined : value;
	};
	let checked = closeNotifyCheck === undefined;
	const readable = new ReadableStream<Uint8Array>(
		{
			async pull(controller) {
				let chunk: Uint8Array | undefined;
				if (!checked) {
					checked = true;
					chunk = await withoutLeadingCloseNotify(next, closeNotifyCheck!);
					if (chunk !== undefined && chunk.length === 0) chunk = await next();
				} else {
					chunk = await next();
				}
				if (chunk === undefined) controller.close();
				else controller.enqueue(chunk);
			},
			cancel: (reason) => reader.cancel(reason),
		},
		{ highWaterMark: 0 },
	);
	return { readable, writable: channel.writable, close: () => channel.close() };
}

/**
 * Reads as far as needed to tell whether the stream starts with the peer's protected close_notify;
 * returns what follows it, or everything read if it does not (`undefined` for an empty, ended stream).
 */
async function withoutLeadingCloseNotify(
	next: () => Promise<Uint8Array | undefined>,
	cipher: AesGcmRecordCipher,
): Promise<Uint8Array | undefined> {
	const header = Uint8Array.of(CONTENT_TYPE.alert, TLS12 >>> 8, TLS12 & 0xff, 0, PROTECTED_ALERT_LENGTH - 5);
	let bytes = new Uint8Array(0);
	let ended = false;
	while (bytes.length < PROTECTED_ALERT_LENGTH && bytes.every((byte, i) => i >= header.length || byte === header[i])) {
		const chunk = await next();
		if (chunk === undefined) {
			ended = true;
			break;
		}
		bytes = concatBytes([bytes, chunk]);
	}
	const looksLikeAlert =
		bytes.length >= PROTECTED_ALERT_LENGTH && header.every((byte, i) => bytes[i] === byte);
	if (looksLikeAlert) {
		try {
			const fragment = bytes.subarray(5, PROTECTED_ALERT_LENGTH);
			const alert = decodeAlert(await cipher.open({ type: CONTENT_TYPE.alert, version: TLS12, fragment }));
			if (alert?.description === 'close_notify') return bytes.subarray(PROTECTED_ALERT_LENGTH);
		} catch {
			// Not the peer's record: plaintext that happens to look like one.
		}
	}
	return ended && bytes.length === 0 ? undefined : bytes;
}
