import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ByteChannel } from '../../lib/streams/byte-channel';
import { skipLeadingCloseNotify } from './skip-close-notify';

function channelOf(chunks: Uint8Array[]): ByteChannel {
	return {
		readable: new ReadableStream({
			start(controller) {
				for (const chunk of chunks) controller.enqueue(chunk);
				controller.close();
			},
		}),
		writable: new WritableStream(),
		close: async () => undefined,
	};
}

async function readAll(channel: ByteChannel): Promise<number[]> {
	const out: number[] = [];
	const reader = channel.readable.getReader();
	for (;;) {
		const { value, done } = await reader.read();
		if (done) return out;
		out.push(...value);
	}
}

function split(bytes: number[], cuts: number[]): Uint8Array[] {
	const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
	const chunks: Uint8Array[] = [];
	let from = 0;
	for (const point of [...points, bytes.length]) {
		chunks.push(new Uint8Array(bytes.slice(from, point)));
		from = point;
	}
	return chunks;
}

/** An encrypted close_notify as TLS 1.2 with AES-GCM sends it: 26 bytes of record body. */
const closeNotify = [0x15, 0x03, 0x03, 0x00, 0x1a, ...new Array<number>(26).fill(0xab)];
const plaintextMessage = [0x00, 0x00, 0x01, 0x29, ...new TextEncoder().encode('<?xml version="1.0"?>')];

describe('skipLeadingCloseNotify', () => {
	it('drops a close_notify that comes first, however the bytes are cut', async () => {
		await fc.assert(
			fc.asyncProperty(fc.array(fc.nat()), async (cuts) => {
				const channel = skipLeadingCloseNotify(channelOf(split([...closeNotify, ...plaintextMessage], cuts)));
				expect(await readAll(channel)).toEqual(plaintextMessage);
			}),
		);
	});

	it('passes plaintext through untouched when no close_notify comes', async () => {
		await fc.assert(
			fc.asyncProperty(fc.array(fc.nat()), async (cuts) => {
				expect(await readAll(skipLeadingCloseNotify(channelOf(split(plaintextMessage, cuts))))).toEqual(
					plaintextMessage,
				);
			}),
		);
	});

	it('copes with a stream that ends early', async () => {
		expect(await readAll(skipLeadingCloseNotify(channelOf([new Uint8Array([0x15, 0x03])])))).toEqual([0x15, 0x03]);
		expect(await readAll(skipLeadingCloseNotify(channelOf([new Uint8Array(closeNotify.slice(0, 9))])))).toEqual([]);
		expect(await readAll(skipLeadingCloseNotify(channelOf([])))).toEqual([]);
	});
});
