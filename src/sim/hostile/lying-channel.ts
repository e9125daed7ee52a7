import type { ByteChannel } from '../../lib/streams/byte-channel';

/**
 * A lie about one write of the device's service. It may `send` other bytes in its place, any number of
 * times, and returns true when it took the write over (false: the bytes go as they are). A lie that
 * never settles leaves the service stuck in that write, as a wedged phone would be.
 */
export type WriteLie = (chunk: Uint8Array, send: (bytes: Uint8Array) => Promise<void>) => boolean | Promise<boolean>;

/** The device end of a connection with its outgoing bytes passed through `lie`; reading is untouched. */
export function lyingChannel(channel: ByteChannel, lie: WriteLie): ByteChannel {
	const writer = channel.writable.getWriter();
	const send = (bytes: Uint8Array) => writer.write(bytes);
	const writable = new WritableStream<Uint8Array>({
		async write(chunk) {
			if (!(await lie(chunk, send))) await send(chunk);
		},
		close: () => writer.close(),
		abort: (reason) => writer.abort(reason),
	});
	return { readable: channel.readable, writable, close: () => channel.close() };
}

/** Never settles: what a lie awaits to hang the service that wrote. */
export const forever = (): Promise<never> => new Promise<never>(() => undefined);
