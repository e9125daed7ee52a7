import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isDeviceError } from '../errors';
import { createChannelPair, type ByteChannel } from '../streams/byte-channel';
import { PlistChannel } from './plist-channel';
import { encodePlistFrame } from './plist-frame';
import type { PlistDict } from '../plist/value';

/** A channel that delivers `chunks` and then ends (or stays open), and records what is written to it. */
function scriptedChannel(chunks: Uint8Array[], options: { end?: boolean } = {}) {
	const written: Uint8Array[] = [];
	let closed = false;
	const channel: ByteChannel = {
		readable: new ReadableStream<Uint8Array>({
			start(controller) {
				for (const chunk of chunks) controller.enqueue(chunk);
				if (options.end ?? true) controller.close();
			},
		}),
		writable: new WritableStream<Uint8Array>({ write: (chunk) => void written.push(chunk.slice()) }),
		close: async () => {
			closed = true;
		},
	};
	return { channel, written, isClosed: () => closed };
}

function frameBytes(message: PlistDict): Uint8Array {
	const { prefix, body } = encodePlistFrame(message);
	const frame = new Uint8Array(prefix.length + body.length);
	frame.set(prefix);
	frame.set(body, prefix.length);
	return frame;
}

function concat(parts: Uint8Array[]): Uint8Array {
	const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
	let at = 0;
	for (const part of parts) {
		out.set(part, at);
		at += part.length;
	}
	return out;
}

/** Cuts `bytes` at the given positions (taken modulo its length). */
function split(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
	const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
	const chunks: Uint8Array[] = [];
	let from = 0;
	for (const point of [...points, bytes.length]) {
		chunks.push(bytes.subarray(from, point));
		from = point;
	}
	return chunks;
}

const message = fc.dictionary(
	fc.string({ minLength: 1, maxLength: 8 }).filter((key) => key !== '__proto__'),
	fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.boolean(), fc.uint8Array({ maxLength: 40 })),
	{ maxKeys: 5 },
);

describe('PlistChannel framing', () => {
	it('round-trips messages between two ends', async () => {
		const [a, b] = createChannelPair();
		const sender = new PlistChannel(a);
		const receiver = new PlistChannel(b);
		const sent: PlistDict[] = [{ Request: 'QueryType' }, { Request: 'GetValue', Key: 'ProductVersion', Value: '18.5' }];
		for (const m of sent) void sender.send(m);
		expect(await receiver.receive()).toEqual(sent[0]);
		expect(await receiver.receive()).toEqual(sent[1]);
	});

	it('reads the same messages however the byte stream is cut', async () => {
		await fc.assert(
			fc.asyncProperty(fc.array(message, { minLength: 1, maxLength: 4 }), fc.array(fc.nat()), async (messages, cuts) => {
				const stream = concat(messages.map(frameBytes));
				const { channel } = scriptedChannel(split(stream, cuts));
				const receiver = new PlistChannel(channel);
				for (const expected of messages) expect(await receiver.receive()).toEqual(expected);
				expect(await receiver.receiveOrEnd()).toBeUndefined();
			}),
		);
	});

	it('turns random bytes into messages or DeviceErrors, and never waits for bytes that were announced but refused', async () => {
		await fc.assert(
			fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), fc.array(fc.nat()), async (bytes, cuts) => {
				const { channel } = scriptedChannel(split(bytes, cuts));
				const receiver = new PlistChannel(channel, { maxMessageBytes: 64 });
				for (;;) {
					try {
						if ((await receiver.receiveOrEnd()) === undefined) return;
					} catch (error) {
						expect(isDeviceError(error)).toBe(true);
						return;
					}
				}
			}),
		);
	});

	it('refuses an announced length above the cap as soon as the prefix arrives', async () => {
		// The channel stays open and sends nothing more: waiting for (or allocating) the body would hang.
		const { channel } = scriptedChannel([new Uint8Array([0xff, 0xff, 0xff, 0xff])], { end: false });
		await expect(new PlistChannel(channel).receive()).rejects.toMatchObject({ code: 'too-large' });
	});

	it('accepts a message of exactly the cap and refuses one byte more', async () => {
		const frame = frameBytes({ Request: 'QueryType' });
		const length = frame.length - 4;
		await expect(new PlistChannel(scriptedChannel([frame]).channel, { maxMessageBytes: length }).receive()).resolves.toEqual({
			Request: 'QueryType',
		});
		await expect(
			new PlistChannel(scriptedChannel([frame]).channel, { maxMessageBytes: length - 1 }).receive(),
		).rejects.toMatchObject({ code: 'too-large' });
	});

	it('reports a connection that ends inside a message', async () => {
		const frame = frameBytes({ Request: 'QueryType' });
		await expect(new PlistChannel(scriptedChannel([frame.subarray(0, 2)]).channel).receive()).rejects.toMatchObject({
			code: 'connection-closed',
		});
		await expect(new PlistChannel(scriptedChannel([frame.subarray(0, 30)]).channel).receive()).rejects.toMatchObject({
			code: 'connection-closed',
		});
		await expect(new PlistChannel(scriptedChannel([]).channel).receive()).rejects.toMatchObject({
			code: 'connection-reset',
		});
	});

	it('rejects an empty message and a plist that is not a dictionary', async () => {
		await expect(new PlistChannel(scriptedChannel([new Uint8Array(4)]).channel).receive()).rejects.toMatchObject({
			code: 'protocol',
		});
		const body = new TextEncoder().encode('<plist><string>x</string></plist>');
		const prefix = new Uint8Array([0, 0, 0, body.length]);
		await expect(new PlistChannel(scriptedChannel([prefix, body]).channel).receive()).rejects.toMatchObject({
			code: 'protocol',
		});
	});

	it('writes the length and the body separately when asked, as lockdownd does', async () => {
		const { channel, written } = scriptedChannel([]);
		await new PlistChannel(channel, { separateLengthWrite: true }).send({ Request: 'QueryType' });
		expect(written.map((chunk) => chunk.length)).toEqual([4, frameBytes({ Request: 'QueryType' }).length - 4]);
		const host = scriptedChannel([]);
		await new PlistChannel(host.channel).send({ Request: 'QueryType' });
		expect(host.written).toEqual([frameBytes({ Request: 'QueryType' })]);
	});

	it('switches transport between messages, and refuses while bytes of the old one are unread', async () => {
		const first = frameBytes({ Request: 'A' });
		const inner = scriptedChannel([first]);
		const outer = new PlistChannel(inner.channel);
		expect(await outer.receive()).toEqual({ Request: 'A' });
		const next = scriptedChannel([frameBytes({ Request: 'B' })]);
		await outer.switchTransport(async (transport) => {
			expect(transport).toBe(inner.channel);
			return next.channel;
		});
		expect(await outer.receive()).toEqual({ Request: 'B' });
		await outer.send({ Request: 'C' });
		expect(next.written.length).toBe(1);
		expect(inner.written.length).toBe(0);

		const early = scriptedChannel([concat([first, new Uint8Array([0x16, 3, 3])])]);
		const plain = new PlistChannel(early.channel);
		expect(await plain.receive()).toEqual({ Request: 'A' });
		await expect(plain.switchTransport(async (t) => t)).rejects.toMatchObject({ code: 'protocol' });
		expect(early.isClosed()).toBe(true);
	});
});
