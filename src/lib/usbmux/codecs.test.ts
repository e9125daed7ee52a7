import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { isDeviceError } from '../errors';
import { MAX_PACKET_LENGTH, MUX_HEADER_V1_SIZE, MUX_HEADER_V2_SIZE, MuxProtocol, type MuxHeaderSize } from './constants';
import { readMuxHeader, writeMuxHeader } from './mux-header';
import { MuxFramer, decodeControl, decodeVersion, encodeVersion } from './mux-packets';
import { PacketReassembler } from './packet-reassembler';
import { readTcpHeader, writeTcpHeader, type TcpHeader } from './tcp-header';

const headerSize = fc.constantFrom<MuxHeaderSize>(MUX_HEADER_V1_SIZE, MUX_HEADER_V2_SIZE);
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });

/** Cuts `bytes` at the given fractions: the pieces a USB transport might deliver. */
function split(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
	const points = [...new Set(cuts.map((c) => Math.floor(c * bytes.byteLength)))].sort((a, b) => a - b);
	const pieces: Uint8Array[] = [];
	let start = 0;
	for (const point of [...points, bytes.byteLength]) {
		if (point > start) pieces.push(bytes.subarray(start, point));
		start = Math.max(start, point);
	}
	return pieces;
}

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

	it('gives back the packets whatever the pieces', () => {
		fc.assert(
			fc.property(fc.array(packetArb, { maxLength: 12 }), fc.array(fc.double({ min: 0, max: 1, noNaN: true })), (packets, cuts) => {
				const reassembler = new PacketReassembler();
				const out = split(concat(packets), cuts).flatMap((piece) => reassembler.push(piece));
				expect(out).toEqual(packets);
				expect(reassembler.pendingBytes).toBe(0);
			}),
		);
	});

	it('hands out packets inside one piece as views of it, without copying', () => {
		const piece = concat([encodeVersion({ major: 2, minor: 0 }), encodeVersion({ major: 2, minor: 0 })]);
		const packets = new PacketReassembler().push(piece);
		expect(packets.map((p) => [p.buffer, p.byteOffset])).toEqual([
			[piece.buffer, 0],
			[piece.buffer, 20],
		]);
	});

	it('rejects lengths above 65535 or below the header, for good', () => {
		const reassembler = new PacketReassembler();
		reassembler.minimumLength = 16;
		const tooLarge = Uint8Array.from([0, 0, 0, 6, 0, 1, 0, 0]);
		expect(() => reassembler.push(tooLarge)).toThrow(/65536 bytes/);
		expect(reassembler.rejectedLength).toBe(65536);
		expect(() => reassembler.push(new Uint8Array(20))).toThrow(/65536 bytes/);
		const tooSmall = new PacketReassembler();
		tooSmall.minimumLength = 16;
		expect(() => tooSmall.push(Uint8Array.from([0, 0, 0, 6, 0, 0, 0, 12]))).toThrow(
			expect.objectContaining({ code: 'protocol' }),
		);
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
			// The count is real: a partial packet does allocate through the global constructor.
			globalThis.Uint8Array = counting;
			new PacketReassembler().push(RealUint8Array.from([0, 0, 0, 6, 0, 0, 0x10, 0]));
			globalThis.Uint8Array = RealUint8Array;
			expect(allocations).toContain(0x1000);
		});
	});
});
