import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { isDeviceError } from '../errors';
import { MAX_PACKET_LENGTH, MUX_HEADER_V1_SIZE, MUX_HEADER_V2_SIZE, MuxProtocol, type MuxHeaderSize } from './constants';
import { readMuxHeader, writeMuxHeader } from './mux-header';
import { MuxFramer, decodeControl, decodeVersion, encodeVersion } from './mux-packets';
import { PacketReassembler } from './packet-reassembler';
import { readTcpHeader, writeTcpHeader, type TcpHeader } from './tcp-header';
import { inResultLength } from '../../sim/usb/in-cuts';

const headerSize = fc.constantFrom<MuxHeaderSize>(MUX_HEADER_V1_SIZE, MUX_HEADER_V2_SIZE);
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });

/** The packets as a phone's IN transfers of about the given sizes could hold them (split, coalesced). */
function inTransfers(packets: Uint8Array[], sizes: number[]): Uint8Array[] {
	const queue = [...packets];
	const transfers: Uint8Array[] = [];
	let headOffset = 0;
	while (queue.length > 0) {
		const length = inResultLength(queue, headOffset, sizes[transfers.length % sizes.length]!, 512);
		const transfer = new Uint8Array(length);
		let filled = 0;
		while (filled < length) {
			const n = Math.min(queue[0]!.byteLength - headOffset, length - filled);
			transfer.set(queue[0]!.subarray(headOffset, headOffset + n), filled);
			filled += n;
			headOffset += n;
			if (headOffset === queue[0]!.byteLength) {
				queue.shift();
				headOffset = 0;
			}
		}
		transfers.push(transfer);
	}
	return transfers;
}

const be32 = (n: number) => [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];

const concat = (parts: Uint8Array[]) => {
	const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
	let offset = 0;
	for (const part of parts) {
		out.set(part, offset);
		offset += part.byteLength;
	}
	return out;
};

describe('mux and TCP headers', () => {
	it('read back what was written', () => {
		fc.assert(
			fc.property(headerSize, u32, u16, u16, fc.integer({ min: 0, max: 64 }), (size, protocol, tx, rx, body) => {
				const packet = new Uint8Array(size + body);
				writeMuxHeader(packet, size, protocol, tx, rx);
				const header = readMuxHeader(packet, size);
				expect(header).toEqual({
					protocol,
					length: size + body,
					txSeq: size === MUX_HEADER_V2_SIZE ? tx : 0,
					rxSeq: size === MUX_HEADER_V2_SIZE ? rx : 0,
				});
			}),
		);
		fc.assert(
			fc.property(u16, u16, u32, u32, fc.integer({ min: 0, max: 255 }), u16, (sp, dp, seq, ack, flags, win) => {
				const header: TcpHeader = { sourcePort: sp, destinationPort: dp, seq, ack, flags, window: win << 8 };
				const bytes = new Uint8Array(24);
				writeTcpHeader(bytes, 4, header);
				expect(readTcpHeader(bytes, 4)).toEqual({ header, payloadOffset: 24 });
			}),
		);
	});

	it('numbers v2 packets from 0 after the switch and leave VERSION unnumbered', () => {
		const framer = new MuxFramer();
		expect(encodeVersion({ major: 2, minor: 0 })).toEqual(
			Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 20, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0]),
		);
		expect(framer.packet(MuxProtocol.Control, 0).byteLength).toBe(8);
		framer.useVersion2();
		expect(framer.lastTxSeq).toBe(0xffff);
		expect(readMuxHeader(framer.setup(), 16)).toMatchObject({ txSeq: 0, rxSeq: 0xffff });
		framer.rxSeq = 7;
		expect(readMuxHeader(framer.control(3, 'x'), 16)).toMatchObject({ txSeq: 1, rxSeq: 7 });
		expect(decodeControl(framer.control(3, 'bad\0').subarray(16))).toEqual({ type: 3, text: 'bad' });
		expect(decodeVersion(encodeVersion({ major: 1, minor: 4 }).subarray(8))).toEqual({ major: 1, minor: 4 });
	});

	it('throw only DeviceError on random bytes', () => {
		fc.assert(
			fc.property(fc.uint8Array({ maxLength: 80 }), headerSize, fc.nat(30), (bytes, size, offset) => {
				for (const parse of [
					() => readMuxHeader(bytes, size),
					() => readTcpHeader(bytes, offset),
					() => decodeVersion(bytes),
					() => decodeControl(bytes),
				]) {
					try {
						parse();
					} catch (error) {
						expect(isDeviceError(error, 'protocol')).toBe(true);
					}
				}
			}),
		);
	});
});

describe('PacketReassembler', () => {
	const packetArb = fc
		.tuple(headerSize, fc.integer({ min: 0, max: 700 }), fc.integer({ min: 0, max: 255 }))
		.map(([size, body, fill]) => {
			const packet = new Uint8Array(size + body).fill(fill);
			writeMuxHeader(packet, size, MuxProtocol.Tcp, body, fill);
			return packet;
		});

	it('gives back the packets whatever the transfers a phone can send them in', () => {
		const wants = fc.array(fc.integer({ min: 1, max: 3000 }), { minLength: 1, maxLength: 8 });
		fc.assert(
			fc.property(headerSize, fc.array(fc.integer({ min: 0, max: 1400 }), { maxLength: 12 }), wants, (size, bodies, sizes) => {
				const packets = bodies.map((body, i) => {
					const packet = new Uint8Array(size + body).fill(i);
					writeMuxHeader(packet, size, MuxProtocol.Tcp, i, 0);
					return packet;
				});
				const reassembler = new PacketReassembler();
				reassembler.minimumLength = size;
				const out = inTransfers(packets, sizes).flatMap((transfer) => reassembler.push(transfer));
				expect(out).toEqual(packets);
				expect(reassembler.pendingBytes).toBe(0);
				expect(reassembler.droppedBytes).toBe(0);
			}),
		);
	});

	it('drops a transfer the packets do not fill exactly, and any packet it leaves unfinished, then reads on', () => {
		const reassembler = new PacketReassembler();
		reassembler.minimumLength = MUX_HEADER_V2_SIZE;
		const packet = (length: number) => {
			const bytes = new Uint8Array(length);
			writeMuxHeader(bytes, MUX_HEADER_V2_SIZE, MuxProtocol.Tcp, 0, 0);
			return bytes;
		};
		const good = packet(40);
		expect(reassembler.push(concat([good, new Uint8Array(3)]))).toEqual([]); // 3 bytes after the packet
		expect(reassembler.push(good.subarray(0, 30))).toEqual([]); // ended on a short USB packet
		expect(reassembler.push(new Uint8Array(600).fill(1))).toEqual([]); // no marker: a leftover tail
		const big = packet(1500);
		expect(reassembler.push(big.subarray(0, 1000))).toEqual([]); // not a whole number of USB packets
		expect(reassembler.push(big.subarray(1000))).toEqual([]); // so its rest starts nothing
		expect(reassembler.push(big.subarray(0, 1024))).toEqual([]); // two whole USB packets: it goes on
		expect(reassembler.pendingBytes).toBe(1024);
		expect(reassembler.push(new Uint8Array(400))).toEqual([]); // but ends short of its length
		expect(reassembler.push(good)).toEqual([good]);
		expect(reassembler.droppedBytes).toBe(43 + 30 + 600 + 1000 + 500 + 1024 + 400);
	});

	it('gives up after a mebibyte in a row that is not packets', () => {
		const reassembler = new PacketReassembler();
		const leftover = new Uint8Array(64 * 1024).fill(0xff);
		for (let i = 0; i < 16; i++) reassembler.push(leftover);
		expect(() => reassembler.push(leftover)).toThrow(expect.objectContaining({ code: 'protocol' }));
	});

	it('hands out packets inside one piece as views of it, without copying', () => {
		const piece = concat([encodeVersion({ major: 2, minor: 0 }), encodeVersion({ major: 2, minor: 0 })]);
		const packets = new PacketReassembler().push(piece);
		expect(packets.map((p) => [p.buffer, p.byteOffset])).toEqual([
			[piece.buffer, 0],
			[piece.buffer, 20],
		]);
	});

	it('rejects a marked header announcing above 65535 or below the header, for good', () => {
		const marked = (length: number) => Uint8Array.from([0, 0, 0, 6, ...be32(length), 0xfe, 0xed, 0xfa, 0xce, 0, 1, 0, 0]);
		const reassembler = new PacketReassembler();
		reassembler.minimumLength = 16;
		expect(() => reassembler.push(marked(65536))).toThrow(/65536 bytes/);
		expect(reassembler.rejectedLength).toBe(65536);
		expect(() => reassembler.push(new Uint8Array(20))).toThrow(/65536 bytes/);
		const tooSmall = new PacketReassembler();
		tooSmall.minimumLength = 16;
		expect(() => tooSmall.push(marked(12))).toThrow(expect.objectContaining({ code: 'protocol' }));
	});

	describe('on random bytes', () => {
		const RealUint8Array = globalThis.Uint8Array;
		afterEach(() => {
			globalThis.Uint8Array = RealUint8Array;
		});

		it('throws only DeviceError and never allocates more than 65535 bytes', () => {
			const allocations: number[] = [];
			const counting = new Proxy(RealUint8Array, {
				construct(target, args: unknown[]) {
					if (typeof args[0] === 'number') allocations.push(args[0]);
					return Reflect.construct(target, args) as Uint8Array;
				},
			});
			// Random bytes, and random bytes behind a plausible length field so partial packets happen too.
			const plausible = fc
				.tuple(fc.integer({ min: 0, max: 70_000 }), fc.uint8Array({ maxLength: 40 }))
				.map(([length, rest]) => RealUint8Array.from([0, 0, 0, 6, length >>> 24, length >>> 16, length >>> 8, length, ...rest]));
			fc.assert(
				fc.property(
					fc.array(fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 40 }), plausible), { maxLength: 20 }),
					fc.boolean(),
					(pieces, v2) => {
						const reassembler = new PacketReassembler();
						if (v2) reassembler.minimumLength = 16;
						globalThis.Uint8Array = counting;
						try {
							for (const piece of pieces) reassembler.push(piece);
						} catch (error) {
							expect(isDeviceError(error, 'protocol')).toBe(true);
						} finally {
							globalThis.Uint8Array = RealUint8Array;
						}
						expect(Math.max(0, ...allocations)).toBeLessThanOrEqual(MAX_PACKET_LENGTH);
						allocations.length = 0;
					},
				),
			);
			// The count is real: a packet going on in the next transfer does allocate through the global constructor.
			const firstUsbPacket = new RealUint8Array(512);
			firstUsbPacket.set([0, 0, 0, 6, 0, 0, 0x10, 0]);
			globalThis.Uint8Array = counting;
			new PacketReassembler().push(firstUsbPacket);
			globalThis.Uint8Array = RealUint8Array;
			expect(allocations).toContain(0x1000);
		});
	});
});
