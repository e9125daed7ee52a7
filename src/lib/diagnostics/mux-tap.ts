import { readU16, readU32 } from '../bytes';
import { MAX_PACKET_LENGTH, MUX_HEADER_V1_SIZE, MUX_HEADER_V2_SIZE, MUX_MAGIC, MuxProtocol, TCP_HEADER_SIZE, TcpFlag } from '../usbmux/constants';
import { decodeControl, decodeVersion } from '../usbmux/mux-packets';
import { readTcpHeader } from '../usbmux/tcp-header';
import { ConnectionTap } from './connection-tap';
import { type ExamineBudget, FrameCutter, type FrameReader, type Verdict } from './frame-cutter';
import type { DiagnosticRecorder, Direction, WireEntry } from './recorder';

/**
 * The usbmux traffic of one opened device, read passively from its bulk transfers: each packet's
 * header (protocol, length, v2 sequence fields, the pseudo-TCP ports, flags, window), VERSION, SETUP
 * and CONTROL, and each TCP payload handed, as views, to the connection it belongs to. A header split
 * across transfers is gathered (never the payload). What cannot be followed is dropped until the next
 * transfer, counted, and never thrown.
 */

/** Header bytes one transfer may make the tap copy, over every layer: the cost of a transfer is bounded. */
export const MAX_EXAMINED_PER_TRANSFER = 32 * 1024;
/** Connections followed at once; the oldest is forgotten past it (a flood of SYNs cannot grow the table). */
export const MAX_CONNECTIONS = 32;
/** CONTROL text kept (the device's own words about a protocol violation). */
const CONTROL_TEXT_BYTES = 160;
/** The most of a packet looked at: a v2 header, a TCP header with every option, or CONTROL text. */
const MAX_MUX_HEAD = MUX_HEADER_V2_SIZE + 1 + CONTROL_TEXT_BYTES + 60;

const FLAG_NAMES: [number, string][] = [
	[TcpFlag.Syn, 'SYN'],
	[TcpFlag.Ack, 'ACK'],
	[TcpFlag.Rst, 'RST'],
	[TcpFlag.Fin, 'FIN'],
];

/** `SYN|ACK` for 0x12: the 256 spellings, made once. */
const FLAG_SPELLINGS = Array.from({ length: 256 }, (_, flags) => {
	const names = FLAG_NAMES.filter(([bit]) => (flags & bit) !== 0).map(([, name]) => name);
	const other = flags & ~(TcpFlag.Syn | TcpFlag.Ack | TcpFlag.Rst | TcpFlag.Fin);
	if (other !== 0) names.push(`0x${other.toString(16)}`);
	return names.join('|') || '-';
});

export class MuxTap {
	readonly #recorder: DiagnosticRecorder;
	readonly #cutters: Record<Direction, FrameCutter>;
	/** By `hostPort * 65536 + devicePort`. */
	readonly #connections = new Map<number, ConnectionTap>();
	readonly #budget: ExamineBudget = { left: MAX_EXAMINED_PER_TRANSFER };

	constructor(recorder: DiagnosticRecorder) {
		this.#recorder = recorder;
		this.#cutters = {
			out: new FrameCutter(new MuxPacketReader(this, 'out'), MAX_MUX_HEAD),
			in: new FrameCutter(new MuxPacketReader(this, 'in'), MAX_MUX_HEAD),
		};
	}

	get recorder(): DiagnosticRecorder {
		return this.#recorder;
	}

	get connectionCount(): number {
		return this.#connections.size;
	}

	/** The bytes of one bulk transfer that completed (IN) or was sent (OUT). Never throws. */
	transfer(direction: Direction, bytes: Uint8Array): void {
		try {
			this.#budget.left = MAX_EXAMINED_PER_TRANSFER;
			const cutter = this.#cutters[direction];
			const wasLost = cutter.lost;
			cutter.feed(bytes, true, this.#budget);
			if (cutter.lost) {
				// Part of the stream goes by unread: every connection's messages are cut there.
				if (!wasLost) this.#recorder.count(`usbmux.${direction}.unfollowed-transfers`);
				for (const connection of this.#connections.values()) connection.lose();
			}
		} catch {
			this.#recorder.count('diagnostics.errors');
		}
	}

	/** The connection `hostPort>devicePort`; made when first seen (a SYN, or a tap begun mid-way). */
	connection(hostPort: number, devicePort: number, opening: boolean): ConnectionTap {
		const key = hostPort * 65536 + devicePort;
		let connection = this.#connections.get(key);
		if (connection === undefined || opening) {
			this.#connections.delete(key);
			if (this.#connections.size >= MAX_CONNECTIONS) {
				const oldest = this.#connections.keys().next().value!;
				this.#connections.delete(oldest);
				this.#recorder.count('usbmux.connections-forgotten');
			}
			connection = new ConnectionTap(this.#recorder, hostPort, devicePort);
			this.#connections.set(key, connection);
		}
		return connection;
	}

	existing(hostPort: number, devicePort: number): ConnectionTap | undefined {
		return this.#connections.get(hostPort * 65536 + devicePort);
	}

	closed(hostPort: number, devicePort: number): void {
		this.#connections.delete(hostPort * 65536 + devicePort);
	}

	/** What the transfer being read may still make the tap copy. */
	get budget(): ExamineBudget {
		return this.#budget;
	}
}

/** One direction's packets: the 8-byte length first, then as much header as the protocol has. */
class MuxPacketReader implements FrameReader {
	readonly start = MUX_HEADER_V1_SIZE;
	readonly #tap: MuxTap;
	readonly #direction: Direction;
	readonly #packets: string;
	readonly #bytes: string;

	constructor(tap: MuxTap, direction: Direction) {
		this.#tap = tap;
		this.#direction = direction;
		this.#packets = `usbmux.${direction}.packets`;
		this.#bytes = `usbmux.${direction}.bytes`;
	}

	head(bytes: Uint8Array): Verdict {
		const length = readU32(bytes, 4);
		if (length < MUX_HEADER_V1_SIZE || length > MAX_PACKET_LENGTH) {
			this.#tap.recorder.wire('usbmux', { dir: this.#direction, what: 'bad-length', len: length });
			return 'lost';
		}
		const seen = bytes.byteLength;
		// The v2 marker tells the header size; a VERSION packet (v1 header, 20 bytes) has its major there.
		if (seen < MUX_HEADER_V2_SIZE && length >= MUX_HEADER_V2_SIZE) return { more: MUX_HEADER_V2_SIZE - seen };
		const headerSize = length >= MUX_HEADER_V2_SIZE && readU32(bytes, 8) === MUX_MAGIC ? MUX_HEADER_V2_SIZE : MUX_HEADER_V1_SIZE;
		const protocol = readU32(bytes, 0);
		const wanted = Math.min(length, this.#headLength(protocol, headerSize, bytes));
		if (seen < wanted) return { more: wanted - seen };

		const recorder = this.#tap.recorder;
		recorder.count(this.#packets);
		recorder.count(this.#bytes, length);
		const v2 = headerSize === MUX_HEADER_V2_SIZE;
		const tx = v2 ? readU16(bytes, 12) : undefined;
		const rx = v2 ? readU16(bytes, 14) : undefined;
		if (protocol === MuxProtocol.Tcp) return this.#tcp(bytes, headerSize, length, tx, rx);
		const entry: Omit<WireEntry, 't'> = { dir: this.#direction, what: `protocol ${protocol}`, len: length, tx, rx };
		const body = bytes.subarray(headerSize, seen);
		switch (protocol) {
			case MuxProtocol.Version:
				entry.what = 'VERSION';
				if (body.byteLength >= 12) Object.assign(entry, decodeVersion(body));
				recorder.wire('usbmux', entry);
				recorder.note('version', this.#direction === 'out' ? 'started' : 'ok', this.#direction === 'in' ? `${entry.major}.${entry.minor}` : undefined);
				break;
			case MuxProtocol.Setup:
				entry.what = 'SETUP';
				recorder.wire('usbmux', entry);
				break;
			case MuxProtocol.Control: {
				const control = decodeControl(body);
				entry.what = 'CONTROL';
				entry.type = control.type;
				entry.text = control.text.replace(/[^\x20-\x7e]/g, '?');
				recorder.wire('usbmux', entry);
				recorder.count('usbmux.control');
				break;
			}
			default:
				recorder.wire('usbmux', entry);
		}
		return { pass: length - seen };
	}

	/** How much of a packet of `protocol` is header worth reading. */
	#headLength(protocol: number, headerSize: number, bytes: Uint8Array): number {
		switch (protocol) {
			case MuxProtocol.Tcp: {
				const tcpStart = headerSize;
				// The data offset (in words) says where the payload begins; options are read over, not kept.
				if (bytes.byteLength < tcpStart + 13) return tcpStart + TCP_HEADER_SIZE;
				return tcpStart + Math.max(TCP_HEADER_SIZE, (bytes[tcpStart + 12]! >>> 4) * 4);
			}
			case MuxProtocol.Version:
				return headerSize + 12;
			case MuxProtocol.Control:
				return headerSize + 1 + CONTROL_TEXT_BYTES;
			default:
				return headerSize;
		}
	}

	#tcp(bytes: Uint8Array, headerSize: number, length: number, tx: number | undefined, rx: number | undefined): Verdict {
		const tap = this.#tap;
		const recorder = tap.recorder;
		const direction = this.#direction;
		let segment: ReturnType<typeof readTcpHeader>;
		try {
			segment = readTcpHeader(bytes, headerSize);
		} catch {
			recorder.wire('usbmux', { dir: direction, what: 'TCP', len: length, tx, rx, malformed: true });
			return { pass: length - bytes.byteLength };
		}
		const { header } = segment;
		const out = direction === 'out';
		const hostPort = out ? header.sourcePort : header.destinationPort;
		const devicePort = out ? header.destinationPort : header.sourcePort;
		const payload = length - segment.payloadOffset;
		const reset = (header.flags & TcpFlag.Rst) !== 0;
		const opening = out && (header.flags & TcpFlag.Syn) !== 0;
		// A connection is followed from its SYN, or from its first data when the tap began after it.
		const connection = reset ? undefined : opening || payload > 0 ? tap.connection(hostPort, devicePort, opening) : tap.existing(hostPort, devicePort);
		recorder.wire('usbmux', {
			dir: direction,
			what: 'TCP',
			conn: connection?.label ?? `${hostPort}>${devicePort}`,
			flags: FLAG_SPELLINGS[header.flags]!,
			seq: header.seq,
			ack: header.ack,
			win: header.window,
			len: payload,
			tx,
			rx,
		});
		if (reset) {
			recorder.count(`usbmux.${direction}.resets`);
			tap.closed(hostPort, devicePort);
			return { pass: length - bytes.byteLength };
		}
		if (connection === undefined || payload === 0) return { pass: 0 };
		return { pass: payload, to: (piece, boundary) => connection.feed(direction, piece, boundary, tap.budget) };
	}
}
