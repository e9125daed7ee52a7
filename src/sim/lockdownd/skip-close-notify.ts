import type { ByteChannel } from '../../lib/streams/byte-channel';

const ALERT_RECORD = 0x15;
const TLS_MAJOR_VERSION = 0x03;
const RECORD_HEADER = 5;

/*
 * After StopSession, hosts leave TLS in different ways: libimobiledevice sends close_notify and goes
 * on in plaintext without waiting for an answer, go-ios simply stops using TLS. A phone has to accept
 * both, so the device drops TLS at once and then discards one TLS alert record if that is what comes
 * first. It cannot be mistaken for a message: a lockdown length prefix starting 0x15 would announce
 * over 350 MB.
 */

/** `channel` with a leading TLS alert record (the host's close_notify), if there is one, removed. */
export function skipLeadingCloseNotify(channel: ByteChannel): ByteChannel {
	const reader = channel.readable.getReader();
	let head: Uint8Array | undefined = new Uint8Array(0);
	let ended = false;

	/** Appends the next chunk to `head`; false at the end of the stream. */
	const more = async (): Promise<boolean> => {
		const { value, done } = await reader.read();
		if (done) return false;
		const joined = new Uint8Array(head!.length + value.length);
		joined.set(head!);
		joined.set(value, head!.length);
		head = joined;
		return true;
	};

	const readable = new ReadableStream<Uint8Array>(
		{
			pull: async (controller) => {
				if (head !== undefined) {
					// Decide once, on the first bytes after TLS.
					while (head.length < RECORD_HEADER && !ended) ended = !(await more());
					if (head[0] === ALERT_RECORD && head[1] === TLS_MAJOR_VERSION && head.length >= RECORD_HEADER) {
						const end = RECORD_HEADER + ((head[3]! << 8) | head[4]!);
						while (head.length < end && !ended) ended = !(await more());
						head = head.subarray(Math.min(end, head.length));
					}
					const first = head;
					head = undefined;
					if (first.length > 0) {
						controller.enqueue(first);
						return;
					}
				}
				if (ended) {
					controller.close();
					return;
				}
				const { value, done } = await reader.read();
				if (done) controller.close();
				else controller.enqueue(value);
			},
			cancel: () => channel.close(),
		},
		{ highWaterMark: 0 },
	);
	return { readable, writable: channel.writable, close: () => channel.close() };
}
