import type { AesGcmRecordCipher } from './record-cipher';
import { MAX_PLAINTEXT_LENGTH, RecordDeframer, encodeRecord, type TlsRecord } from './record-layer';
import { TlsError } from './tls-error';

/** Records decrypted at once when several are waiting: WebCrypto runs them in parallel. */
const MAX_RECORDS_IN_FLIGHT = 8;

/** A record taken off the channel, and its opening (decryption), under way. */
export interface OpeningRecord {
	record: TlsRecord;
	opened: Promise<Uint8Array>;
}

/** How the channel underneath stands, as far as reading it goes. */
export type ChannelReading =
	| { readonly name: 'reading' }
	/** It ran out: no more bytes will come. */
	| { readonly name: 'ended' }
	/** A read failed with `error`. */
	| { readonly name: 'failed'; readonly error: unknown }
	/** `release` gave the reader away: the read under way, and every later one, belong to the plain channel. */
	| { readonly name: 'released' };

/** What `release` hands over: everything the plain channel needs to go on where TLS stopped. */
export interface ReleasedReader {
	/** Bytes read past the last record handled, exactly as they came. */
	leftover: Uint8Array;
	/** The channel read under way, whose bytes are the plain channel's now. */
	pendingRead: Promise<ReadableStreamReadResult<Uint8Array>> | undefined;
	reader: ReadableStreamDefaultReader<Uint8Array>;
	/** The peer's cipher, if it sent ChangeCipherSpec: it opens a close_notify it sends next. */
	cipher: AesGcmRecordCipher | undefined;
}

/**
 * The read half of the record layer. It reads the channel one read at a time and only when asked (so
 * nothing is taken that `detach` must give back), cuts what comes into records, and opens them: in
 * the clear until the peer's ChangeCipherSpec, with its cipher after, up to `MAX_RECORDS_IN_FLIGHT`
 * decrypting at once while the connection handles the oldest. Records taken but not to be handled go
 * back exactly as they came.
 */
export class RecordReceiver {
	readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
	readonly #deframer = new RecordDeframer();
	/** Whether records may be opened before they are asked for: while the connection reads the session. */
	readonly #mayOpenAhead: () => boolean;
	#cipher: AesGcmRecordCipher | undefined;
	/** Records being opened, oldest first. */
	#inFlight: OpeningRecord[] = [];
	#channel: ChannelReading = { name: 'reading' };
	/** The channel read under way, if any, and when its bytes are in. */
	#reading: Promise<ReadableStreamReadResult<Uint8Array>> | undefined;
	#readDone: Promise<void> = Promise.resolve();

	constructor(reader: ReadableStreamDefaultReader<Uint8Array>, mayOpenAhead: () => boolean) {
		this.#reader = reader;
		this.#mayOpenAhead = mayOpenAhead;
	}

	/** The peer's ChangeCipherSpec: every later record is opened with `cipher`. */
	decryptWith(cipher: AesGcmRecordCipher): void {
		this.#cipher = cipher;
	}

	/** Whether bytes are waiting that make no whole record (asked once the channel has ended). */
	get midRecord(): boolean {
		return this.#deframer.buffered > 0;
	}

	/** The next whole record, unopened, or `undefined` until more bytes come. Throws on a bad header. */
	next(): TlsRecord | undefined {
		return this.#deframer.next();
	}

	/** A record's content: decrypted once the peer's ChangeCipherSpec is in; before, only its size is checked. */
	async open(record: TlsRecord): Promise<Uint8Array> {
		if (this.#cipher !== undefined) return this.#cipher.open(record);
		if (record.fragment.length > MAX_PLAINTEXT_LENGTH) {
			throw new TlsError(`it sent a record of ${record.fragment.length} bytes, more than TLS allows.`, 'record_overflow');
		}
		return record.fragment;
	}

	/**
	 * The oldest record of the session with its opening under way, or `undefined` when no whole record
	 * is here. Keeps later ones opening and one channel read under way meanwhile. A bad header is
	 * thrown here once the records before it are done.
	 */
	nextOpening(): OpeningRecord | undefined {
		this.#openAhead();
		if (this.#inFlight.length === 0) {
			const record = this.#deframer.next();
			if (record === undefined) return undefined;
			this.#inFlight.push(this.#opening(record));
		}
		if (this.#inFlight.length < MAX_RECORDS_IN_FLIGHT) void this.#startRead();
		return this.#inFlight.shift();
	}

	/**
	 * For a hand-back: the oldest record already here, opened. 'none' when no whole TLS record is
	 * (what is left may be plaintext); 'not-the-session' when it does not decrypt: plaintext begins
	 * there. Reads nothing from the channel.
	 */
	async nextBuffered(): Promise<{ record: TlsRecord; fragment: Uint8Array } | 'none' | 'not-the-session'> {
		if (this.#inFlight.length === 0) {
			let record: TlsRecord | undefined;
			try {
				record = this.#deframer.next();
			} catch {
				return 'none'; // not a TLS header: plaintext from here
			}
			if (record === undefined) return 'none';
			this.#inFlight.push(this.#opening(record));
		}
		const { record, opened } = this.#inFlight[0]!;
		let fragment: Uint8Array;
		try {
			fragment = await opened;
		} catch {
			return 'not-the-session';
		}
		this.#inFlight.shift();
		return { record, fragment };
	}

	/** Puts the records taken but not handled (they follow close_notify, or are not TLS) back, exactly as they came. */
	putBack(): void {
		this.#deframer.pushFront(this.#inFlight.map(({ record }) => encodeRecord(record)));
		this.#inFlight = [];
	}

	/** Waits for the channel's next bytes, unless it has ended or failed; returns how it stands then. */
	async readMore(): Promise<ChannelReading> {
		if (this.#channel.name === 'reading') await this.#startRead();
		return this.#channel;
	}

	/** Gives the reader away, with what was read and not handled (the plain channel's from now on). */
	release(): ReleasedReader {
		this.#channel = { name: 'released' };
		return { leftover: this.#deframer.takeBuffered(), pendingRead: this.#reading, reader: this.#reader, cipher: this.#cipher };
	}

	/** Starts opening the whole records buffered, up to the in-flight limit. */
	#openAhead(): void {
		if (!this.#mayOpenAhead()) return;
		while (this.#inFlight.length < MAX_RECORDS_IN_FLIGHT) {
			let record: TlsRecord | undefined;
			try {
				record = this.#deframer.next();
			} catch {
				// A bad header waits its turn: `nextOpening` meets it again once the records before it are done.
				return;
			}
			if (record === undefined) return;
			this.#inFlight.push(this.#opening(record));
		}
	}

	#opening(record: TlsRecord): OpeningRecord {
		const opened = this.open(record);
		opened.catch(() => undefined); // handled when its turn comes
		return { record, opened };
	}

	/** Starts a channel read unless one is under way; its bytes go to the deframer unless the reader was released meanwhile. */
	#startRead(): Promise<void> {
		if (this.#reading === undefined && this.#channel.name === 'reading') {
			const read = this.#reader.read();
			this.#reading = read;
			this.#readDone = read.then(
				(result) => {
					this.#reading = undefined;
					if (this.#channel.name !== 'reading') return;
					if (result.done) {
						this.#channel = { name: 'ended' };
						return;
					}
					this.#deframer.push(result.value);
					this.#openAhead();
				},
				(error: unknown) => {
					this.#reading = undefined;
					if (this.#channel.name === 'reading') this.#channel = { name: 'failed', error };
				},
			);
		}
		return this.#readDone;
	}
}
