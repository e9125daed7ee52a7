import { createChannelPair, type ByteChannel } from '../../lib/streams/byte-channel';
import { ByteReader } from '../../lib/streams/byte-reader';

/**
 * What a tap does with a chunk: pass these chunks on (maybe none, maybe changed), end the link, or
 * pass some on and then end the link.
 */
export type Tap = (chunk: Uint8Array) => Uint8Array[] | 'end' | { send: Uint8Array[]; end: true };

const pass: Tap = (chunk) => [chunk];

/**
 * A client end and a server end joined through a man in the middle that sees (and may change,
 * split, drop or cut) every chunk each way. Ending either side ends the other.
 */
export function interpose(toServer: Tap = pass, toClient: Tap = pass): { client: ByteChannel; server: ByteChannel } {
	const [client, middleA] = createChannelPair();
	const [middleB, server] = createChannelPair();
	const relay = async (from: ByteChannel, to: ByteChannel, tap: Tap) => {
		const reader = from.readable.getReader();
		const writer = to.writable.getWriter();
		try {
			for (;;) {
				const { value, done } = await reader.read();
				if (done) break;
				const out = tap(value);
				if (out === 'end') break;
				const chunks = Array.isArray(out) ? out : out.send;
				for (const chunk of chunks) await writer.write(chunk);
				if (!Array.isArray(out)) break;
			}
		} catch {
			// one side went away; end both below
		}
		await Promise.all([middleA.close(), middleB.close()]);
	};
	void relay(middleA, middleB, toServer);
	void relay(middleB, middleA, toClient);
	return { client, server };
}

/** A tap that passes every byte as its own chunk: the worst fragmentation there is. */
export const byteByByte: Tap = (chunk) => Array.from(chunk, (byte) => Uint8Array.of(byte));

/** Reads TLS records (header and body) from a raw channel, for tests playing a peer by hand. */
export class RawRecords {
	readonly reader: ByteReader;

	constructor(channel: ByteChannel) {
		this.reader = new ByteReader(channel.readable);
	}

	async next(): Promise<{ type: number; body: Uint8Array }> {
		const header = await this.reader.readExactly(5);
		const length = (header[3]! << 8) | header[4]!;
		return { type: header[0]!, body: (await this.reader.readExactly(length)).slice() };
	}
}

export async function writeAll(channel: ByteChannel, ...chunks: Uint8Array[]): Promise<void> {
	const writer = channel.writable.getWriter();
	for (const chunk of chunks) await writer.write(chunk);
	writer.releaseLock();
}

/** Reads `length` bytes from a readable (releasing it afterwards). */
export async function readBytes(readable: ReadableStream<Uint8Array>, length: number): Promise<Uint8Array> {
	const reader = readable.getReader();
	const out = new Uint8Array(length);
	let filled = 0;
	while (filled < length) {
		const { value, done } = await reader.read();
		if (done) throw new Error(`stream ended after ${filled} of ${length} bytes`);
		if (filled + value.length > length) throw new Error('more bytes than expected');
		out.set(value, filled);
		filled += value.length;
	}
	reader.releaseLock();
	return out;
}
