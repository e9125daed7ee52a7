import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { UsbTransport } from '../usb/transport';
import { UsbmuxClient } from './usbmux-client';

/**
 * protocol.md §2.6, byte for byte: the host is driven against a scripted transport and every packet it
 * writes is compared with the example. The example's host advertises usbmuxd's window (0x0200), so this
 * test sets that window; our default (0x0800) is checked separately.
 */

const hex = (text: string) => Uint8Array.from((text.replace(/[\s|]/g, '').match(/../g) ?? []).map((b) => parseInt(b, 16)));

const concat = (...parts: Uint8Array[]) => {
	const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
	let offset = 0;
	for (const part of parts) {
		out.set(part, offset);
		offset += part.byteLength;
	}
	return out;
};

/** A transport whose IN side the test feeds and whose OUT transfers it inspects one by one. */
function scriptedTransport(packetSize = 512) {
	let inbound!: ReadableStreamDefaultController<Uint8Array>;
	const written: Uint8Array[] = [];
	const waiting: ((packet: Uint8Array) => void)[] = [];
	let taken = 0;
	const transport: UsbTransport = {
		readable: new ReadableStream({ start: (controller) => void (inbound = controller) }),
		writable: new WritableStream({
			write: (chunk) => {
				written.push(chunk.slice());
				waiting.shift()?.(written[written.length - 1]!);
			},
		}),
		packetSize,
		serialNumber: '00008030-001A2D3E0C38802E',
		closed: new Promise(() => undefined),
		close: async () => undefined,
	};
	return {
		transport,
		deliver: (bytes: Uint8Array) => inbound.enqueue(bytes),
		/** The next packet the host writes. */
		next: (): Promise<Uint8Array> => {
			const index = taken++;
			if (index < written.length) return Promise.resolve(written[index]!);
			return new Promise((resolve) => waiting.push(resolve));
		},
	};
}

const QUERY_TYPE =
	'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" ' +
	'"http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n<plist version="1.0">\n<dict>\n\t<key>Label</key>\n' +
	'\t<string>webmux</string>\n\t<key>Request</key>\n\t<string>QueryType</string>\n</dict>\n</plist>\n';

async function deviceReply(): Promise<Uint8Array> {
	// The real 297-byte QueryType reply, with its 4-byte length prefix (appium-ios-device fixture).
	const url = new URL('../../../../shared/fixtures/bytes/appium-ios-device/lockdownquerytypemessage.bin', import.meta.url);
	return new Uint8Array(await readFile(url));
}

describe('protocol.md §2.6 worked example, host side', () => {
	it('writes exactly the example bytes', async () => {
		const reply = await deviceReply();
		expect(reply.byteLength).toBe(301);
		const request = new TextEncoder().encode(QUERY_TYPE);
		expect(request.byteLength).toBe(279);

		const script = scriptedTransport();
		const opening = UsbmuxClient.open(script.transport, { receiveWindow: 131072 });
		expect(await script.next()).toEqual(hex('00000000 00000014 | 00000002 00000000 00000000'));
		script.deliver(hex('00000000 00000014 | 00000002 00000000 00000000'));
		const client = await opening;
		expect(client.version).toEqual({ major: 2, minor: 0 });
		expect(await script.next()).toEqual(hex('00000002 00000011 feedface 0000 ffff | 07'));

		const connecting = client.connect(62078);
		expect(await script.next()).toEqual(
			hex('00000006 00000024 feedface 0001 ffff | 0001 f27e 00000000 00000000 50 02 0200 0000 0000'),
		);
		script.deliver(hex('00000006 00000024 feedface 0000 0001 | f27e 0001 00000000 00000001 50 12 0200 0000 0000'));
		const connection = await connecting;
		expect(connection.sourcePort).toBe(1);
		expect(await script.next()).toEqual(
			hex('00000006 00000024 feedface 0002 0000 | 0001 f27e 00000001 00000001 50 10 0200 0000 0000'),
		);

		const writer = connection.writable.getWriter();
		await writer.write(concat(hex('00000117'), request));
		const data = await script.next();
		expect(data.byteLength).toBe(319);
		expect(data.subarray(0, 36)).toEqual(
			hex('00000006 0000013f feedface 0003 0000 | 0001 f27e 00000001 00000001 50 10 0200 0000 0000'),
		);
		expect(data.subarray(36, 46)).toEqual(hex('00000117 3c3f786d6c20'));
		expect(data.subarray(40)).toEqual(request);

		// The device's answer: length prefix and body as two segments, here arriving in one USB piece
		// while the reader is already waiting.
		const reader = connection.readable.getReader();
		const first = reader.read();
		script.deliver(
			concat(
				hex('00000006 00000028 feedface 0001 0003 | f27e 0001 00000001 0000011c 50 10 0200 0000 0000'),
				reply.subarray(0, 4),
				hex('00000006 0000014d feedface 0002 0003 | f27e 0001 00000005 0000011c 50 10 0200 0000 0000'),
				reply.subarray(4),
			),
		);
		expect((await first).value).toEqual(reply.subarray(0, 4));
		expect((await reader.read()).value).toEqual(reply.subarray(4));
		// One ACK for both segments, sent once the reader has taken them all.
		expect(await script.next()).toEqual(
			hex('00000006 00000024 feedface 0004 0002 | 0001 f27e 0000011c 0000012e 50 10 0200 0000 0000'),
		);

		await connection.close();
		expect(await script.next()).toEqual(
			hex('00000006 00000024 feedface 0005 0002 | 0001 f27e 0000011c 0000012e 50 04 0200 0000 0000'),
		);
		expect(await connection.closed).toMatchObject({ code: 'connection-closed' });
		expect((await reader.read()).done).toBe(true);
		await client.close();
	});

	it('advertises a 512 KiB window by default and keeps v1 headers for a v1 device', async () => {
		const script = scriptedTransport();
		const opening = UsbmuxClient.open(script.transport);
		await script.next();
		script.deliver(hex('00000000 00000014 | 00000001 00000000 00000000'));
		const client = await opening;
		expect(client.version.major).toBe(1);
		const pending = client.connect(62078);
		// No SETUP for a v1 device: the SYN follows VERSION, with an 8-byte header.
		expect(await script.next()).toEqual(hex('00000006 0000001c | 0001 f27e 00000000 00000000 50 02 0800 0000 0000'));
		await client.close();
		await expect(pending).rejects.toMatchObject({ code: 'connection-closed' });
	});
});

/** A v2 client with one open connection (sport 1 → 62078) on a scripted transport. */
async function scriptedConnection(options: { receiveWindow?: number } = {}) {
	const script = scriptedTransport();
	const opening = UsbmuxClient.open(script.transport, options);
	await script.next();
	script.deliver(hex('00000000 00000014 | 00000002 00000000 00000000'));
	const client = await opening;
	await script.next(); // SETUP
	const connecting = client.connect(62078);
	await script.next(); // SYN
	script.deliver(hex('00000006 00000024 feedface 0000 0001 | f27e 0001 00000000 00000001 50 12 0200 0000 0000'));
	const connection = await connecting;
	await script.next(); // ACK
	return { script, client, connection };
}

describe('wire details', () => {
	it('never writes a packet that is a whole number of USB packets long', async () => {
		const { script, client, connection } = await scriptedConnection();
		const writer = connection.writable.getWriter();
		// 36 + 476 = 512: one byte is held back for the next packet.
		await writer.write(new Uint8Array(476).fill(1));
		expect([(await script.next()).byteLength, (await script.next()).byteLength]).toEqual([511, 37]);
		// The largest packet would be 49152 bytes (96 × 512): it is trimmed the same way.
		await writer.write(new Uint8Array(60_000).fill(2));
		expect([(await script.next()).byteLength, (await script.next()).byteLength]).toEqual([49_151, 36 + 60_000 - 49_115]);
		await client.close();
	});

	it('answers a packet for an unknown connection with an anonymous RST', async () => {
		const { script, client } = await scriptedConnection();
		script.deliver(hex('00000006 00000024 feedface 0001 0003 | f27e 0009 00000005 00000001 50 10 0200 0000 0000'));
		expect(await script.next()).toEqual(
			hex('00000006 00000024 feedface 0003 0001 | 0009 f27e 00000000 00000005 50 04 0000 0000 0000'),
		);
		await client.close();
	});

	it('resets a connection whose device sends beyond twice our window, as a protocol error', async () => {
		const { script, client, connection } = await scriptedConnection({ receiveWindow: 256 });
		const reading = connection.readable.getReader().read();
		const packet = new Uint8Array(36 + 600);
		packet.set(hex('00000006 0000027c feedface 0001 0003 | f27e 0001 00000001 00000001 50 10 0200 0000 0000'));
		script.deliver(packet);
		await expect(reading).rejects.toMatchObject({ code: 'protocol' });
		expect((await script.next()).subarray(16, 36)).toEqual(hex('0001 f27e 00000001 00000001 50 04 0001 0000 0000'));
		await client.close();
	});

	it('drops a transfer that is not packets of this session, as usbmuxd does, and reads on', async () => {
		const { script, client, connection } = await scriptedConnection();
		const reader = connection.readable.getReader();
		const data = (text: string) =>
			concat(hex(`00000006 00000028 feedface 0002 0003 | f27e 0001 00000001 00000001 50 10 0200 0000 0000`), hex(text));
		// The tail of a packet an earlier host was reading: no 0xFEEDFACE where a header needs it.
		script.deliver(concat(hex('00000000 00003000 12345678'), new Uint8Array(2000).fill(7)));
		// A marked header whose length does not match its transfer: 4 bytes too many, then 80 too few.
		script.deliver(concat(data('0a0b0c0d'), hex('00000000')));
		script.deliver(concat(hex('00000006 00000078 feedface 0002 0003'), new Uint8Array(24)));
		// A stray transfer shorter than any header.
		script.deliver(hex('00000006'));
		script.deliver(data('01020304'));
		expect((await reader.read()).value).toEqual(hex('01020304'));
		expect(await Promise.race([client.closed, Promise.resolve('open')])).toBe('open');
		await client.close();
	});

	it("ignores an earlier host's packets between the same ports, before and after the SYN/ACK", async () => {
		const { script, client, connection } = await scriptedConnection();
		const reader = connection.readable.getReader();
		// Data of an earlier connection from 62078 to our port 1, far from the byte we expect next.
		script.deliver(hex('00000006 00000026 feedface 0001 0003 | f27e 0001 000f4240 00000077 50 10 0200 0000 0000 | 6666'));
		script.deliver(hex('00000006 00000026 feedface 0002 0003 | f27e 0001 00000001 00000001 50 10 0200 0000 0000 | 0102'));
		expect((await reader.read()).value).toEqual(hex('0102'));
		const connecting = client.connect(62078);
		await script.next(); // SYN from port 2
		script.deliver(hex('00000006 00000026 feedface 0003 0004 | f27e 0002 000f4240 00000077 50 10 0200 0000 0000 | 6666'));
		script.deliver(hex('00000006 00000024 feedface 0004 0004 | f27e 0002 00000000 00000001 50 12 0200 0000 0000'));
		await expect(connecting).resolves.toMatchObject({ sourcePort: 2 });
		await client.close();
	});

	it('ends the whole client on a marked header announcing more than 65535 bytes', async () => {
		const { script, client, connection } = await scriptedConnection();
		const reading = connection.readable.getReader().read();
		script.deliver(hex('00000006 c0000000 feedface 0001 0003'));
		await expect(reading).rejects.toMatchObject({ code: 'protocol' });
		expect(await client.closed).toMatchObject({ code: 'protocol' });
	});
});
