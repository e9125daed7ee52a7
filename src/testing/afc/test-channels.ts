import type { ByteChannel } from '../../lib/streams/byte-channel';
import type { AfcPacket } from '../../lib/afc/packet';
import { AfcPacketDecoder } from '../../lib/afc/packet-decoder';

/*
 * Channel wrappers for tests of the AFC client: watch the requests it sends, cut the replies it gets
 * into other pieces. Test support only.
 */

/** `channel`, with every complete AFC packet written to it shown to `onPacket` as it leaves. */
export function tapWrites(channel: ByteChannel, onPacket: (packet: AfcPacket) => void): ByteChannel {
	const decoder = new AfcPacketDecoder(() => Number.MAX_SAFE_INTEGER);
	const writer = channel.writable.getWriter();
	return {
		readable: channel.readable,
		writable: new WritableStream<Uint8Array>({
			async write(chunk) {
				for (const packet of decoder.push(chunk)) onPacket(packet);
				await writer.write(chunk);
			},
			close: () => writer.close(),
			abort: (reason) => writer.abort(reason),
		}),
		close: () => channel.close(),
	};
}

/**
 * `channel`, with what it reads re-cut: the byte stream is the same, but chunk boundaries fall at the
 * sizes `cuts` gives, used in turn.
 */
export function recut(channel: ByteChannel, cuts: readonly number[]): ByteChannel {
	let turn = 0;
	const next = () => Math.max(1, cuts.length === 0 ? Number.MAX_SAFE_INTEGER : cuts[turn++ % cuts.length]!);
	return {
		readable: channel.readable.pipeThrough(
			new TransformStream<Uint8Array, Uint8Array>({
				transform(chunk, controller) {
					let at = 0;
					while (at < chunk.byteLength) {
						const n = next();
						controller.enqueue(chunk.subarray(at, at + n));
						at += n;
					}
				},
			}),
		),
		writable: channel.writable,
		close: () => channel.close(),
	};
}
