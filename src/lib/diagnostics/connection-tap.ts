import { AFC_HEADER_LENGTH, AFC_MAGIC } from '../afc/constants';
import { decodeHeader, type AfcHeader } from '../afc/packet';
import { readU16, readU32 } from '../bytes';
import { LOCKDOWN_PORT } from '../lockdown/lockdown-client';
import { decodePlistFrameBody, LENGTH_PREFIX_BYTES, MAX_PLIST_MESSAGE_BYTES } from '../lockdown/plist-frame';
import { CONTENT_TYPE, isContentType, RECORD_HEADER_LENGTH } from '../tls/record-layer';
import { type ExamineBudget, FrameCutter, type FrameReader, type Verdict } from './frame-cutter';
import { afcOperationName, afcParameterBytes, describeAfcPacket, summarisePlist } from './message-fields';
import type { DiagnosticRecorder, Direction, WireEntry } from './recorder';

/**
 * One usbmux connection's two byte streams, read passively. Each message is recognised by its first
 * byte, so the reader follows a connection through its changes (lockdown's plaintext plists, then TLS
 * after StartSession, and plaintext again after it): 0x14–0x17 begins a TLS record, `C` an AFC packet
 * (`CFA6LPAA`), 0x00 a plist's 4-byte length (at most 1 MiB). Once TLS has begun in a direction only
 * record types and lengths are kept; lockdown plists are decoded only while in plaintext, and only
 * their names kept (`summarisePlist`).
 */

/** A plaintext plist larger than this is counted, not decoded (a Pair request, the largest, is a few KB). */
export const MAX_DECODED_PLIST_BYTES = 16 * 1024;
/** Header bytes a connection's cutter may hold: a plist decoded whole, or an AFC header and a path. */
const MAX_CONNECTION_HEAD = LENGTH_PREFIX_BYTES + MAX_DECODED_PLIST_BYTES;
const AFC_MAGIC_BYTES = new TextEncoder().encode(AFC_MAGIC);
const PLIST_FIRST_BYTE = 0x00; // lengths up to 1 MiB

const TLS_TYPE_NAMES: Record<number, string> = {
	[CONTENT_TYPE.changeCipherSpec]: 'change_cipher_spec',
	[CONTENT_TYPE.alert]: 'alert',
	[CONTENT_TYPE.handshake]: 'handshake',
	[CONTENT_TYPE.applicationData]: 'application_data',
};

export class ConnectionTap {
	readonly label: string;
	readonly devicePort: number;
	/** What the connection carries, once seen: lockdown by its port, AFC by its packets. */
	kind: string;
	readonly #recorder: DiagnosticRecorder;
	readonly #cutters: Record<Direction, FrameCutter>;
	readonly #tls: Record<Direction, boolean> = { out: false, in: false };

	constructor(recorder: DiagnosticRecorder, hostPort: number, devicePort: number) {
		this.#recorder = recorder;
		this.label = `${hostPort}>${devicePort}`;
		this.devicePort = devicePort;
		this.kind = devicePort === LOCKDOWN_PORT ? 'lockdown' : 'service';
		this.#cutters = {
			out: new FrameCutter(new MessageReader(this, 'out'), MAX_CONNECTION_HEAD),
			in: new FrameCutter(new MessageReader(this, 'in'), MAX_CONNECTION_HEAD),
		};
	}

	get recorder(): DiagnosticRecorder {
		return this.#recorder;
	}

	/** Payload of one TCP packet (or the part of it in this transfer); `boundary` when it starts the packet's payload. */
	feed(direction: Direction, bytes: Uint8Array, boundary: boolean, budget: ExamineBudget): void {
		this.#cutters[direction].feed(bytes, boundary, budget);
	}

	/** Part of the stream went by unseen: read again from the next packet that starts a message. */
	lose(): void {
		this.#cutters.out.lose();
		this.#cutters.in.lose();
	}

	/** The first TLS record in `direction`: the session's TLS began here. */
	tlsRecordSeen(direction: Direction): void {
		if (this.#tls[direction]) return;
		this.#tls[direction] = true;
		this.#recorder.wire('tls', { dir: direction, conn: this.label, what: 'start', on: this.kind });
	}

	/** A plaintext plist went the other way after TLS had been seen: the connection left TLS. */
	plaintextSeen(direction: Direction): void {
		if (!this.#tls[direction]) return;
		this.#tls[direction] = false;
		this.#recorder.wire('tls', { dir: direction, conn: this.label, what: 'end', on: this.kind });
	}
}

/** The reader of one direction of a connection: a message at a time, recognised by its first byte. */
class MessageReader implements FrameReader {
	readonly start = 1;
	readonly #connection: ConnectionTap;
	readonly #direction: Direction;

	constructor(connection: ConnectionTap, direction: Direction) {
		this.#connection = connection;
		this.#direction = direction;
	}

	head(bytes: Uint8Array): Verdict {
		const first = bytes[0]!;
		if (isContentType(first)) return this.#tlsRecord(bytes);
		if (first === AFC_MAGIC_BYTES[0]) return this.#afcPacket(bytes);
		if (first === PLIST_FIRST_BYTE) return this.#plist(bytes);
		this.#connection.recorder.count(`stream.unrecognised.${this.#direction}`);
		return 'lost';
	}

	#tlsRecord(bytes: Uint8Array): Verdict {
		if (bytes.byteLength < RECORD_HEADER_LENGTH) return { more: RECORD_HEADER_LENGTH - bytes.byteLength };
		// A record's version is 3.x; anything else is not TLS (and not a stream this reader can follow).
		if (bytes[1] !== 3 || bytes[2]! > 4) return 'lost';
		const length = readU16(bytes, 3);
		const connection = this.#connection;
		connection.tlsRecordSeen(this.#direction);
		const what = TLS_TYPE_NAMES[bytes[0]!]!;
		connection.recorder.wire('tls', { dir: this.#direction, conn: connection.label, what, len: length });
		connection.recorder.count(`tls.${this.#direction}.records`);
		return { pass: length };
	}

	#afcPacket(bytes: Uint8Array): Verdict {
		if (bytes.byteLength < AFC_HEADER_LENGTH) return { more: AFC_HEADER_LENGTH - bytes.byteLength };
		// Photo bytes seen while finding the stream again must not cost an exception each: the marker first.
		if (!AFC_MAGIC_BYTES.every((byte, i) => bytes[i] === byte)) return 'lost';
		let header: AfcHeader;
		try {
			header = decodeHeader(bytes);
		} catch {
			return 'lost';
		}
		const parameters = afcParameterBytes(header, this.#direction);
		const have = bytes.byteLength - AFC_HEADER_LENGTH;
		if (have < parameters) return { more: parameters - have };
		const connection = this.#connection;
		connection.kind = 'afc';
		const what = afcOperationName(header.operation);
		const entry: Omit<WireEntry, 't'> = { dir: this.#direction, conn: connection.label, what };
		try {
			Object.assign(entry, describeAfcPacket(header, bytes.subarray(AFC_HEADER_LENGTH), this.#direction));
		} catch {
			entry.malformed = true;
		}
		connection.recorder.wire('afc', entry);
		connection.recorder.count(`afc.${this.#direction}.${what}`);
		if (typeof entry.status === 'string' && entry.status !== 'Success') connection.recorder.count(`afc.status.${entry.status}`);
		return { pass: header.entireLength - bytes.byteLength };
	}

	#plist(bytes: Uint8Array): Verdict {
		if (bytes.byteLength < LENGTH_PREFIX_BYTES) return { more: LENGTH_PREFIX_BYTES - bytes.byteLength };
		const connection = this.#connection;
		const recorder = connection.recorder;
		const entry: Omit<WireEntry, 't'> = { dir: this.#direction, conn: connection.label, what: 'plist' };
		// Checked here rather than by the framer's reader, which throws: a lost stream meets many zeros.
		const length = readU32(bytes, 0);
		if (length === 0 || length > MAX_PLIST_MESSAGE_BYTES) {
			recorder.count(`lockdown.${this.#direction}.bad-length`);
			return 'lost';
		}
		entry.len = length;
		if (length > MAX_DECODED_PLIST_BYTES) {
			entry.decoded = false;
			recorder.wire('lockdown', entry);
			return { pass: length };
		}
		const have = bytes.byteLength - LENGTH_PREFIX_BYTES;
		if (have < length) return { more: length - have };
		connection.plaintextSeen(this.#direction);
		try {
			const summary = summarisePlist(decodePlistFrameBody(bytes.subarray(LENGTH_PREFIX_BYTES)));
			Object.assign(entry, summary.fields);
			noteLockdownStep(recorder, this.#direction, summary.request, summary.error, summary.fields.Service as string | undefined);
		} catch {
			entry.decoded = false;
		}
		recorder.wire('lockdown', entry);
		recorder.count(`lockdown.${this.#direction}.messages`);
		return { pass: 0 };
	}
}

/** The lockdown requests that are connection steps, as the tap sees them while lockdown is in plaintext. */
const STEP_OF_REQUEST = {
	QueryType: 'lockdown',
	Pair: 'pairing',
	StartSession: 'session',
	StartService: 'services',
} as const;

/** Pairing's answer while the Trust question is on the phone's screen. */
const TRUST_PENDING = 'PairingDialogResponsePending';

function noteLockdownStep(recorder: DiagnosticRecorder, direction: Direction, request: string | undefined, error: string | undefined, service: string | undefined): void {
	if (request === undefined || !Object.hasOwn(STEP_OF_REQUEST, request)) return;
	const step = STEP_OF_REQUEST[request as keyof typeof STEP_OF_REQUEST];
	if (direction === 'out') recorder.note(step, 'started', service);
	else if (error === TRUST_PENDING) recorder.note('trust', 'waiting', error);
	else if (error !== undefined) recorder.note(step, 'failed', error);
	else recorder.note(step, 'ok', service);
}
