import { LOCKDOWN_PORT } from '../../lib/lockdown';
import { isDeviceError } from '../../lib/errors';
import { readU32 } from '../../lib/bytes';
import {
	ControlType,
	DEVICE_WINDOW,
	MAX_PACKET_LENGTH,
	MUX_HEADER_V1_SIZE,
	MUX_HEADER_V2_SIZE,
	MuxProtocol,
	TCP_HEADER_SIZE,
	TcpFlag,
	WINDOW_SCALE_SHIFT,
	type MuxHeaderSize,
} from '../../lib/usbmux/constants';
import { readMuxHeader } from '../../lib/usbmux/mux-header';
import { MuxFramer, decodeControl, decodeVersion, encodeVersion } from '../../lib/usbmux/mux-packets';
import { PacketReassembler } from '../../lib/usbmux/packet-reassembler';
import { readTcpHeader } from '../../lib/usbmux/tcp-header';
import { UsbmuxClient } from '../../lib/usbmux/usbmux-client';
import { concatBytes } from '../../lib/bytes';
import { expect } from '../contract';
import { deviceCapture, type SeedCorpus } from '../corpus';
import { chunksOf, cutAtMessages, fuzzInputs, type FuzzInput } from '../mutate';
import type { FuzzTarget } from '../run';
import { scriptedTransport } from '../scripted';

/** The device's initial sequence number in the seeds. */
const DEVICE_ISN = 0x1000;

/**
 * What an iPhone sends on the mux after the host's VERSION: its VERSION answer, then (v2) packets on
 * one connection — SYN/ACK, data, a bare ACK, a CONTROL message, a packet of an unknown protocol, RST.
 * The host's first connection uses source port 1 and sequence number 0.
 */
function deviceSession(major: 1 | 2, payloads: readonly Uint8Array[]): Uint8Array {
	const framer = new MuxFramer();
	const packets: Uint8Array[] = [encodeVersion({ major, minor: 0 })];
	if (major === 2) framer.useVersion2();
	const header = (flags: number, seq: number) => ({
		sourcePort: LOCKDOWN_PORT,
		destinationPort: 1,
		seq,
		ack: 1,
		flags,
		window: DEVICE_WINDOW,
	});
	packets.push(framer.tcp(header(TcpFlag.Syn | TcpFlag.Ack, DEVICE_ISN)));
	let seq = DEVICE_ISN + 1;
	for (const payload of payloads) {
		packets.push(framer.tcp(header(TcpFlag.Ack, seq), payload));
		seq += payload.length;
	}
	packets.push(framer.tcp(header(TcpFlag.Ack, seq)));
	packets.push(framer.control(ControlType.Warning, 'fuzz seed: a warning from the phone'));
	packets.push(framer.packet(0x42, 4));
	packets.push(framer.tcp(header(TcpFlag.Rst, seq), new TextEncoder().encode('reset by the phone')));
	return concatBytes(packets);
}

function usbmuxSeeds(corpus: SeedCorpus): Uint8Array[] {
	const reply = deviceCapture(corpus, 'lockdowngetvaluemessage.bin');
	const time = deviceCapture(corpus, 'lockdowngettimemessage.bin');
	const framer = new MuxFramer();
	framer.useVersion2();
	return [
		deviceSession(2, [reply, time]),
		deviceSession(1, [reply]),
		deviceSession(2, [concatBytes([reply, time, reply])]),
		concatBytes([encodeVersion({ major: 2, minor: 0 }), framer.setup(), framer.control(ControlType.Error, 'bad packet')]),
	];
}

/** The headers the client reads in `v1` mode (variant 0) and after a v2 answer (variant 1). */
function headerSizeOf(input: FuzzInput): MuxHeaderSize {
	return input.variant === 0 ? MUX_HEADER_V1_SIZE : MUX_HEADER_V2_SIZE;
}

/** The reassembler and the header, VERSION, CONTROL and TCP readers, over pieces of a device's stream. */
function packetsTarget(corpus: SeedCorpus): FuzzTarget {
	return {
		name: 'usbmux.packets',
		description: 'PacketReassembler (random USB pieces), then readMuxHeader, decodeVersion, decodeControl, readTcpHeader per packet',
		inputs: fuzzInputs({ seeds: usbmuxSeeds(corpus), chunked: true, variants: 2 }),
		mayThrow: 'device-error',
		allocationBound: () => MAX_PACKET_LENGTH,
		quickCases: 1000,
		run(input) {
			const headerSize = headerSizeOf(input);
			const reassembler = new PacketReassembler();
			reassembler.minimumLength = headerSize;
			for (const piece of chunksOf(input)) {
				for (const packet of reassembler.push(piece)) {
					expect(packet.length >= headerSize && packet.length <= MAX_PACKET_LENGTH, `a packet of ${packet.length} bytes came out`);
					const header = readMuxHeader(packet, headerSize);
					expect(header.length === packet.length, 'the header length disagrees with the packet');
					const body = packet.subarray(headerSize);
					if (header.protocol === MuxProtocol.Version) {
						decodeVersion(body);
					} else if (header.protocol === MuxProtocol.Control) {
						expect(decodeControl(body).text.length <= 1024, 'a CONTROL text longer than its cap');
					} else if (header.protocol === MuxProtocol.Tcp) {
						const { header: tcp, payloadOffset } = readTcpHeader(packet, headerSize);
						expect(payloadOffset >= headerSize + TCP_HEADER_SIZE && payloadOffset <= packet.length, 'the TCP payload lies outside the packet');
						expect(tcp.window <= 0xffff << WINDOW_SCALE_SHIFT, 'a window wider than the field allows');
					}
				}
			}
			expect(reassembler.pendingBytes <= MAX_PACKET_LENGTH, 'more bytes held than one packet');
		},
	};
}

/** A mux packet's length, from the field both header versions carry at offset 4. */
function muxPacketLength(bytes: Uint8Array, at: number): number | undefined {
	return at + 8 <= bytes.length ? readU32(bytes, at + 4) : undefined;
}

/**
 * The whole host side: `UsbmuxClient.open` and `connect(62078)` against a device that sends these
 * bytes, reading the connection to its end while writing to it. Everything settles with a value or a
 * DeviceError once the device's bytes run out (the transport ends then).
 */
function clientTarget(corpus: SeedCorpus): FuzzTarget {
	const request = deviceCapture(corpus, 'lockdownquerytypemessage.bin');
	// More than one packet's worth, so the send window and packet splitting come into play.
	const bulk = new Uint8Array(70_000);
	return {
		name: 'usbmux.client',
		description: 'UsbmuxClient.open + connect + read/write against a device sending these bytes (VERSION, SYN/ACK, data, RST)',
		inputs: fuzzInputs({ seeds: usbmuxSeeds(corpus).slice(0, 3), chunked: true, maxChunks: 12 }),
		mayThrow: 'device-error',
		allocationBound: () => MAX_PACKET_LENGTH,
		quickCases: 1000,
		async run(input) {
			const transport = scriptedTransport(chunksOf(cutAtMessages(input, muxPacketLength)));
			const client = await UsbmuxClient.open(transport, {
				connectTimeout: 60_000,
				handshakeTimeout: 60_000,
				onControlMessage: (message) => expect(message.text.length <= 1024, 'a CONTROL text longer than its cap'),
			});
			try {
				const connection = await client.connect(LOCKDOWN_PORT);
				let received = 0;
				const reading = (async () => {
					const reader = connection.readable.getReader();
					for (;;) {
						const { value, done } = await reader.read();
						if (done) return;
						received += value.length;
					}
				})();
				const writing = (async () => {
					const writer = connection.writable.getWriter();
					await writer.write(request);
					await writer.write(bulk);
				})();
				for (const outcome of await Promise.allSettled([reading, writing])) {
					if (outcome.status === 'rejected' && !isDeviceError(outcome.reason)) throw outcome.reason;
				}
				expect(received <= input.bytes.length, `read ${received} bytes from a device that sent ${input.bytes.length}`);
			} finally {
				await client.close();
			}
			expect(transport.written() > 0, 'the client never wrote VERSION');
		},
	};
}

export function usbmuxTargets(corpus: SeedCorpus): FuzzTarget[] {
	return [packetsTarget(corpus), clientTarget(corpus)];
}
