import { DeviceError, isDeviceError } from '../errors';
import type { ByteChannel } from '../streams/byte-channel';
import { alertName, decodeAlert, encodeAlert, type AlertDescription, type AlertLevel } from './alert';
import { concatBytes } from '../bytes';
import type { HandshakeMachine, HandshakeOutput, TlsSessionInfo } from './handshake-machine';
import { HANDSHAKE_TYPE, HandshakeAssembler, handshakeTypeName, type HandshakeMessage } from './handshake-messages';
import type { AesGcmRecordCipher } from './record-cipher';
import {
	CONTENT_TYPE,
	MAX_PLAINTEXT_LENGTH,
	RecordDeframer,
	TLS10,
	TLS12,
	encodeRecord,
	type ContentType,
	type TlsRecord,
} from './record-layer';
import { RecordSender } from './record-sender';
import { TlsError, malformed, unexpected } from './tls-error';

/** A TLS session over a `ByteChannel`: itself a channel of plaintext. */
export interface TlsChannel extends ByteChannel {
	/** What the handshake agreed. */
	readonly session: TlsSessionInfo;
	/**
	 * Ends TLS and hands back the channel underneath, for lockdownd's StopSession (which goes on in
	 * plaintext) and for "handshake-only" services. Records already received are handled first (their
	 * data can still be read from `readable`); bytes after the last TLS record, and the result of a
	 * channel read still under way, come first from the returned channel's `readable`. This channel is
	 * unusable afterwards. See `DetachOptions` for what is said to the peer.
	 */
	detach(options?: DetachOptions): Promise<ByteChannel>;
}

export interface DetachOptions {
	/**
	 * - 'send' (default): send our close_notify and return at once, as libimobiledevice does on
	 *   StopSession. If the peer answers with its own, it is checked with the session's keys and dropped
	 *   from the plaintext.
	 * - 'exchange': send ours and wait for the peer's (RFC 5246 §7.2.1); hangs if the peer never answers.
	 * - 'none': say nothing (handshake-only services; the device's side of StopSession). A close_notify
	 *   the peer sends first is dropped from the plaintext as with 'send'.
	 */
	closeNotify?: 'send' | 'exchange' | 'none';
}

/** Records decrypted at once when several are waiting: WebCrypto runs them in parallel. */
const MAX_RECORDS_IN_FLIGHT = 8;
/** Empty records and warning alerts in a row before we call it abuse (as Go's crypto/tls does). */
const MAX_EMPTY_RECORDS = 16;
const SERVER_PREFIX = 'The secure connection from the computer failed: ';
const TRUST_ADVICE =
	'If this computer was removed from the iPhone’s trusted computers, unplug the iPhone, plug it back in, unlock it and tap Trust.';
const CLOSE_NOTIFY = encodeAlert('warning', 'close_notify');
/** Alerts by which a peer says it does not accept our certificate. */
const REFUSAL_ALERTS = new Set<AlertDescription | number>([
	'bad_certificate',
	'unsupported_certificate',
	'certificate_revoked',
	'certificate_expired',
	'certificate_unknown',
	'unknown_ca',
	'access_denied',
]);

/** Runs the handshake over `channel`, then hands back the session as a plaintext channel. */
export async function runTls(channel: ByteChannel, machine: HandshakeMachine): Promise<TlsChannel> {
	const connection = new TlsConnection(channel, machine);
	await connection.handshake();
	return connection;
}

class TlsConnection implements TlsChannel {
	readonly readable: ReadableStream<Uint8Array>;
	readonly writable: WritableStream<Uint8Array>;
	readonly #channel: ByteChannel;
	readonly #machine: HandshakeMachine;
	readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
	readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
	readonly #sender: RecordSender;
	readonly #deframer = new RecordDeframer();
	readonly #assembler = new HandshakeAssembler();
	#readableController: ReadableStreamDefaultController<Uint8Array> | undefined;
	#writableController: WritableStreamDefaultController | undefined;
	#readCipher: AesGcmRecordCipher | undefined;
	#writeCipher: AesGcmRecordCipher | undefined;
	/** The version our records carry: TLS 1.0 on a client's ClientHello only, for old servers' sake. */
	#recordVersion: number;
	/** Once the hellos are exchanged, every record must say TLS 1.2. */
	#versionSettled = false;
	#emptyRecords = 0;
	#failure: DeviceError | undefined;
	#alertReceived = false;
	#peerClosed = false;
	#closeNotifySent = false;
	#closed = false;
	#handingBack = false;
	#detached = false;
	/** Serialises reading: the readable's pulls and `detach` both drive the same record stream. */
	#readLock: Promise<unknown> = Promise.resolve();
	/** Records being decrypted, oldest first (only once the session is up). */
	#inFlight: { record: TlsRecord; opened: Promise<Uint8Array> }[] = [];
	/** The channel read under way, if any. */
	#reading: Promise<ReadableStreamReadResult<Uint8Array>> | undefined;
	#readSettled: Promise<void> = Promise.resolve();
	#ended = false;
	#readFailure: { error: unknown } | undefined;
	/** Settles when the record a read is handling has been handled (`detach` waits for it). */
	#handling: Promise<void> = Promise.resolve();

	constructor(channel: ByteChannel, machine: HandshakeMachine) {
		this.#channel = channel;
		this.#machine = machine;
		this.#recordVersion = machine.role === 'client' ? TLS10 : TLS12;
		try {
			this.#reader = channel.readable.getReader();
			this.#writer = channel.writable.getWriter();
		} catch (cause) {
			throw new TlsError('the connection is already being read or written by something else.', 'internal_error', { cause });
		}
		this.#sender = new RecordSender(this.#writer, (error) => this.#fail(error));
		this.readable = new ReadableStream<Uint8Array>(
			{
				start: (controller) => void (this.#readableController = controller),
				pull: (controller) => this.#pull(controller),
				cancel: () => this.close(),
			},
			// Read from the channel only when asked, so nothing is taken from it that `detach` must give back.
			{ highWaterMark: 0 },
		);
		this.writable = new WritableStream<Uint8Array>({
			start: (controller) => void (this.#writableController = controller),
			write: (chunk) => this.#write(chunk),
			close: () => this.#closeWriting(),
			abort: () => this.close(),
		});
	}

	get session(): TlsSessionInfo {
		return this.#machine.session!;
	}

	async handshake(): Promise<void> {
		try {
			this.#emit(await this.#machine.start());
			this.#recordVersion = TLS12;
			while (!this.#machine.established) {
				const record = await this.#nextRecord();
				const fragment = await this.#unprotect(record);
				await this.#dispatch(record, fragment);
			}
			await this.#sender.flush();
		} catch (error) {
			throw this.#fail(error);
		}
	}

	async close(): Promise<void> {
		if (this.#closed || this.#detached) return;
		this.#closed = true;
		// Say goodbye if it cannot hold us up: close() must end things promptly, even with a peer that
		// stopped reading. A graceful end is `writable.close()` or `detach()`.
		if (this.#canSpeak() && !this.#closeNotifySent && this.#sender.idle && (this.#writer.desiredSize ?? 0) > 0) {
			this.#closeNotifySent = true;
			try {
				const record = await this.#protect(CONTENT_TYPE.alert, CLOSE_NOTIFY);
				this.#writer.write(record).catch(() => undefined);
			} catch {
				// Nothing to do: we are closing anyway.
			}
		}
		this.#endStreams(new DeviceError('connection-closed', 'The secure connection was closed.'));
		await this.#channel.close();
	}

	async detach(options: DetachOptions = {}): Promise<ByteChannel> {
		const mode = options.closeNotify ?? 'send';
		if (this.#failure !== undefined) throw this.#failure;
		if (this.#closed || this.#detached || this.#handingBack) {
			throw new TlsError('the secure session was already closed or handed back.', 'internal_error');
		}
		let inStep: boolean;
		try {
			if (mode !== 'none') this.#sendCloseNotify();
			if (mode === 'exchange') {
				await this.#locked(async () => {
					while (!this.#peerClosed) {
						if (this.#failure !== undefined) throw this.#failure;
						await this.#pump();
					}
				});
			}
			this.#handingBack = true;
			await this.#handling;
			inStep = await this.#handleBufferedRecords();
			await this.#sender.settle();
		} catch (error) {
			throw this.#fail(error);
		}
		if (this.#failure !== undefined) throw this.#failure;
		// From here to the return nothing awaits, so no read can land in between.
		this.#detached = true;
		this.#endStreams(new TlsError('the secure session was ended, so it cannot carry data any more.', 'internal_error'));
		this.#writer.releaseLock();
		const closeNotifyCheck = inStep && !this.#peerClosed ? this.#readCipher : undefined;
		return plainChannel(this.#deframer.takeBuffered(), this.#reading, this.#reader, this.#channel, closeNotifyCheck);
	}

	/**
	 * Handles the complete records already here while they belong to the session (a close_notify ends
	 * it; a record that does not decrypt is where plaintext begins) and puts the rest back untouched.
	 * True when the read side is still in step with the peer's record numbers.
	 */
	async #handleBufferedRecords(): Promise<boolean> {
		while (!this.#peerClosed) {
			if (this.#inFlight.length === 0) {
				let record: TlsRecord | undefined;
				try {
					record = this.#deframer.next();
				} catch {
					return true; // not a TLS header: plaintext from here
				}
				if (record === undefined) return true;
				this.#inFlight.push(this.#opening(record));
			}
			const { record, opened } = this.#inFlight[0]!;
			let fragment: Uint8Array;
			try {
				fragment = await opened;
			} catch {
				this.#putBackInFlight();
				return false;
			}
			this.#inFlight.shift();
			const data = await this.#dispatch(record, fragment);
			if (data !== undefined) enqueueQuietly(this.#readableController, data);
		}
		this.#putBackInFlight();
		return true;
	}

	/** Records taken but not to be handled (they follow close_notify, or are not TLS): back, exactly as they came. */
	#putBackInFlight(): void {
		this.#deframer.pushFront(this.#inFlight.map(({ record }) => encodeRecord(record)));
		this.#inFlight = [];
	}

	// ---- reading ---------------------------------------------------------------------------------

	#locked<T>(task: () => Promise<T>): Promise<T> {
		const run = this.#readLock.then(task);
		this.#readLock = run.catch(() => undefined);
		return run;
	}

	#pull(controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> {
		return this.#locked(async () => {
			for (;;) {
				if (this.#failure !== undefined) throw this.#failure;
				if (this.#peerClosed || this.#handingBack || this.#closed) {
					closeQuietly(controller);
					return;
				}
				if (await this.#pump()) return;
			}
		}).catch((error: unknown) => {
			throw this.#fail(error);
		});
	}

	/**
	 * Handles the oldest record of the session (true if it carried data for the reader), keeping up to
	 * `MAX_RECORDS_IN_FLIGHT` later ones decrypting meanwhile and one channel read under way.
	 */
	async #pump(): Promise<boolean> {
		this.#startDecrypting();
		if (this.#inFlight.length === 0) {
			// Nothing complete to decrypt: a bad header, now first in line, is thrown here.
			const record = this.#deframer.next();
			if (record === undefined) {
				await this.#readMore();
				return false;
			}
			this.#inFlight.push(this.#opening(record));
		}
		if (this.#inFlight.length < MAX_RECORDS_IN_FLIGHT && !this.#ended) void this.#startRead();
		const handling = this.#handleOldest();
		this.#handling = handling.then(
			() => undefined,
			() => undefined,
		);
		return handling;
	}

	async #handleOldest(): Promise<boolean> {
		const { record, opened } = this.#inFlight.shift()!;
		const data = await this.#dispatch(record, await opened);
		if (data !== undefined) this.#readableController?.enqueue(data);
		// What follows close_notify is not ours.
		if (this.#peerClosed) this.#putBackInFlight();
		return data !== undefined;
	}

	/** Starts decrypting the complete records buffered, up to the in-flight limit. */
	#startDecrypting(): void {
		if (!this.#machine.established || this.#peerClosed || this.#handingBack || this.#failure !== undefined) return;
		while (this.#inFlight.length < MAX_RECORDS_IN_FLIGHT) {
			let record: TlsRecord | undefined;
			try {
				record = this.#deframer.next();
			} catch {
				// A bad header waits its turn: `#pump` meets it again once the records before it are done.
				return;
			}
			if (record === undefined) return;
			this.#inFlight.push(this.#opening(record));
		}
	}

	#opening(record: TlsRecord): { record: TlsRecord; opened: Promise<Uint8Array> } {
		const opened = this.#unprotect(record);
		opened.catch(() => undefined); // handled when its turn comes
		return { record, opened };
	}

	async #nextRecord(): Promise<TlsRecord> {
		for (;;) {
			const record = this.#deframer.next();
			if (record !== undefined) return record;
			await this.#readMore();
		}
	}

	/**
	 * Starts a channel read unless one is under way. Its bytes go into the deframer, unless we were
	 * detached meanwhile: then the read belongs to the plain channel handed back.
	 */
	#startRead(): Promise<void> {
		if (this.#reading === undefined) {
			const read = this.#reader.read();
			this.#reading = read;
			this.#readSettled = read.then(
				(result) => {
					this.#reading = undefined;
					if (this.#detached) return;
					if (result.done) this.#ended = true;
					else {
						this.#deframer.push(result.value);
						this.#startDecrypting();
					}
				},
				(error: unknown) => {
					this.#reading = undefined;
					if (!this.#detached) this.#readFailure ??= { error };
				},
			);
		}
		return this.#readSettled;
	}

	/** Waits for more bytes; throws when the channel failed or ended where it may not. */
	async #readMore(): Promise<void> {
		if (!this.#ended && this.#readFailure === undefined) await this.#startRead();
		const quietEnd = (this.#closed || this.#handingBack) && this.#machine.established;
		if (this.#readFailure !== undefined) {
			if (quietEnd) return;
			const cause = this.#readFailure.error;
			// A peer that hangs up mid-handshake is usually refusing us (a phone that forgot this
			// computer does just that); other failures (unplugged…) keep their own code.
			if (!this.#machine.established && (isDeviceError(cause, 'connection-reset') || isDeviceError(cause, 'connection-closed'))) {
				throw this.#endOfStream(cause);
			}
			throw isDeviceError(cause) ? cause : new TlsError('the connection underneath failed.', 'internal_error', { cause });
		}
		if (this.#ended && !quietEnd) throw this.#endOfStream();
	}

	#endOfStream(cause?: unknown): TlsError {
		if (this.#deframer.buffered > 0) {
			return new TlsError('the connection ended in the middle of a record.', 'decode_error', { cause });
		}
		if (!this.#machine.established) {
			return new TlsError(
				'the connection was closed during the handshake.',
				'handshake_failure',
				this.#machine.role === 'client' ? { advice: TRUST_ADVICE, cause } : { cause },
			);
		}
		if (this.#assembler.midMessage) {
			return new TlsError('the connection ended in the middle of a message.', 'decode_error');
		}
		return new TlsError('the connection ended without the secure session being closed properly.', 'close_notify');
	}

	async #unprotect(record: TlsRecord): Promise<Uint8Array> {
		if (this.#readCipher !== undefined) return this.#readCipher.open(record);
		if (record.fragment.length > MAX_PLAINTEXT_LENGTH) {
			throw new TlsError(`it sent a record of ${record.fragment.length} bytes, more than TLS allows.`, 'record_overflow');
		}
		return record.fragment;
	}

	/** Acts on one record; returns application data to deliver, if it carried some. */
	async #dispatch(record: TlsRecord, fragment: Uint8Array): Promise<Uint8Array | undefined> {
		if (this.#versionSettled && record.version !== TLS12) {
			throw new TlsError('it changed the TLS version in the middle of the connection.', 'protocol_version');
		}
		switch (record.type) {
			case CONTENT_TYPE.applicationData:
				if (!this.#machine.established) throw unexpected('application data before the handshake finished');
				if (fragment.length === 0) {
					this.#countEmptyRecord();
					return undefined;
				}
				this.#emptyRecords = 0;
				return fragment;
			case CONTENT_TYPE.alert:
				this.#receiveAlert(fragment);
				return undefined;
			case CONTENT_TYPE.changeCipherSpec:
				if (fragment.length !== 1 || fragment[0] !== 1) throw malformed('ChangeCipherSpec');
				if (this.#assembler.midMessage || this.#machine.established) throw unexpected('a ChangeCipherSpec');
				this.#readCipher = this.#machine.receiveChangeCipherSpec();
				this.#emptyRecords = 0;
				return undefined;
			default:
				await this.#receiveHandshake(fragment);
				return undefined;
		}
	}

	async #receiveHandshake(fragment: Uint8Array): Promise<void> {
		if (fragment.length === 0) throw malformed('empty handshake record');
		this.#emptyRecords = 0;
		this.#assembler.push(fragment);
		for (let message = this.#assembler.next(); message !== undefined; message = this.#assembler.next()) {
			if (this.#machine.established) throw this.#afterHandshake(message);
			this.#emit(await this.#machine.receiveMessage(message));
			this.#versionSettled = true;
		}
	}

	/** A handshake message once the session is up: a renegotiation (refused) or a violation. */
	#afterHandshake(message: HandshakeMessage): TlsError {
		const asksRenegotiation =
			(this.#machine.role === 'client' && message.type === HANDSHAKE_TYPE.helloRequest) ||
			(this.#machine.role === 'server' && message.type === HANDSHAKE_TYPE.clientHello);
		return asksRenegotiation
			? new TlsError('it asked to renegotiate the secure connection, which we do not allow.', 'no_renegotiation')
			: unexpected(`a ${handshakeTypeName(message.type)} message after the handshake`);
	}

	#receiveAlert(fragment: Uint8Array): void {
		const alert = decodeAlert(fragment);
		if (alert === undefined) throw malformed('alert');
		if (alert.description === 'close_notify') {
			this.#peerClosed = true;
			if (!this.#machine.established) throw this.#endOfStream();
			// RFC 5246 §7.2.1: answer with our own, unless we are handing the channel back (then what
			// we say, if anything, is the caller's choice).
			if (!this.#handingBack) this.#sendCloseNotify();
			return;
		}
		if (alert.level === 'fatal') {
			this.#alertReceived = true;
			const refused = REFUSAL_ALERTS.has(alert.description);
			throw new TlsError(
				`it ended the connection with the alert “${alertName(alert.description)}”.`,
				'close_notify',
				refused && this.#machine.role === 'client' ? { advice: TRUST_ADVICE } : {},
			);
		}
		// Warnings (user_canceled, no_renegotiation…) change nothing for us.
		this.#countEmptyRecord();
	}

	#countEmptyRecord(): void {
		this.#emptyRecords += 1;
		if (this.#emptyRecords > MAX_EMPTY_RECORDS) {
			throw new TlsError('it sent too many records with nothing in them.', 'unexpected_message');
		}
	}

	// ---- writing ---------------------------------------------------------------------------------

	async #write(chunk: Uint8Array): Promise<void> {
		this.#checkWritable();
		const cipher = this.#writeCipher!;
		for (let offset = 0; offset < chunk.length; offset += MAX_PLAINTEXT_LENGTH) {
			const piece = chunk.subarray(offset, offset + MAX_PLAINTEXT_LENGTH);
			// WebCrypto copies `piece` when the call is made, so the caller may reuse its buffer at once.
			this.#sender.send(cipher.seal(CONTENT_TYPE.applicationData, piece), piece.length);
		}
		try {
			await this.#sender.whenReady();
		} catch (error) {
			throw this.#fail(error);
		}
	}

	async #closeWriting(): Promise<void> {
		if (this.#failure !== undefined) throw this.#failure;
		// After the peer's close_notify we have answered already; closing is then just flushing.
		if (!this.#closed && !this.#detached && !this.#handingBack) this.#sendCloseNotify();
		try {
			await this.#sender.flush();
		} catch (error) {
			throw this.#fail(error);
		}
	}

	#checkWritable(): void {
		if (this.#failure !== undefined) throw this.#failure;
		if (this.#closed || this.#handingBack || this.#detached || this.#closeNotifySent) {
			throw new TlsError('the secure session was already closed.', 'internal_error');
		}
	}

	#canSpeak(): boolean {
		return this.#failure === undefined && this.#machine.established && !this.#detached;
	}

	#sendCloseNotify(): void {
		if (this.#closeNotifySent) return;
		this.#closeNotifySent = true;
		this.#sendAlert('warning', 'close_notify');
	}

	#sendAlert(level: AlertLevel, description: AlertDescription): void {
		this.#sendRecord(CONTENT_TYPE.alert, encodeAlert(level, description));
	}

	#sendRecord(type: ContentType, payload: Uint8Array): void {
		this.#sender.send(this.#protect(type, payload));
	}

	/** The record to send: sealed once we have sent ChangeCipherSpec, plain before. */
	#protect(type: ContentType, payload: Uint8Array): Promise<Uint8Array> | Uint8Array {
		if (this.#writeCipher !== undefined) return this.#writeCipher.seal(type, payload);
		return encodeRecord({ type, version: this.#recordVersion, fragment: payload });
	}

	/** Sends a handshake's output; consecutive messages share records, as many as fit. */
	#emit(outputs: readonly HandshakeOutput[]): void {
		let messages: Uint8Array[] = [];
		const flush = () => {
			if (messages.length === 0) return;
			const bytes = concatBytes(messages);
			messages = [];
			for (let offset = 0; offset < bytes.length; offset += MAX_PLAINTEXT_LENGTH) {
				this.#sendRecord(CONTENT_TYPE.handshake, bytes.subarray(offset, offset + MAX_PLAINTEXT_LENGTH));
			}
		};
		for (const output of outputs) {
			if (output.kind === 'handshake') {
				messages.push(output.message);
				continue;
			}
			flush();
			this.#sendRecord(CONTENT_TYPE.changeCipherSpec, Uint8Array.of(1));
			this.#writeCipher = output.cipher;
		}
		flush();
	}

	// ---- failing ---------------------------------------------------------------------------------

	/**
	 * Makes any error the connection's one failure (a `DeviceError`), tells the peer with an alert
	 * when the fault is a TLS one, and closes the channel once that alert is out.
	 */
	#fail(error: unknown): DeviceError {
		if (this.#failure !== undefined) return this.#failure;
		let failure: DeviceError;
		if (error instanceof TlsError) failure = error;
		else if (isDeviceError(error)) failure = error;
		else failure = new TlsError('something unexpected went wrong.', 'internal_error', { cause: error });
		if (failure instanceof TlsError && this.#machine.role === 'server') failure = failure.reworded(SERVER_PREFIX);
		this.#failure = failure;
		if (this.#detached) return failure;

		if (failure instanceof TlsError && !this.#alertReceived) {
			if (failure.alert === 'close_notify') {
				if (this.#machine.established) this.#sendCloseNotify();
			} else {
				this.#sendAlert('fatal', failure.alert);
			}
		}
		this.#endStreams(failure);
		void this.#sender
			.settle()
			.catch(() => undefined)
			.finally(() => this.#channel.close().catch(() => undefined));
		return failure;
	}

	#endStreams(error: DeviceError): void {
		if (this.#readableController !== undefined) {
			if (error === this.#failure) errorQuietly(this.#readableController, error);
			else closeQuietly(this.#readableController);
		}
		if (this.#writableController !== undefined) errorQuietly(this.#writableController, error);
	}
}

function closeQuietly(controller: ReadableStreamDefaultController<Uint8Array>): void {
	try {
		controller.close();
	} catch {
		// Already closed, errored or cancelled.
	}
}

function enqueueQuietly(controller: ReadableStreamDefaultController<Uint8Array> | undefined, chunk: Uint8Array): void {
	try {
		controller?.enqueue(chunk);
	} catch {
		// The reader went away; nobody wants it.
	}
}

function errorQuietly(controller: { error(reason: unknown): void }, reason: unknown): void {
	try {
		controller.error(reason);
	} catch {
		// Already finished.
	}
}

/** A close_notify protected with AES-GCM: header, explicit nonce, two alert bytes, tag. */
const PROTECTED_ALERT_LENGTH = 5 + 8 + 2 + 16;

/**
 * The channel underneath, with `leftover` (bytes read past the last TLS record) in front, then the
 * result of the read that was under way when TLS let go, then the channel's own reads. With
 * `closeNotifyCheck`, a close_notify the peer sends first (genuine: it decrypts with the session's
 * next record number) is dropped.
 */
function plainChannel(
	leftover: Uint8Array,
	pendingRead: Promise<ReadableStreamReadResult<Uint8Array>> | undefined,
	reader: ReadableStreamDefaultReader<Uint8Array>,
	channel: ByteChannel,
	closeNotifyCheck: AesGcmRecordCipher | undefined,
): ByteChannel {
	let first: Uint8Array | undefined = leftover.length > 0 ? leftover : undefined;
	const next = async (): Promise<Uint8Array | undefined> => {
		if (first !== undefined) {
			const chunk = first;
			first = undefined;
			return chunk;
		}
		const read = pendingRead ?? reader.read();
		pendingRead = undefined;
		const { value, done } = await read;
		return done ? undefined : value;
	};
	let checked = closeNotifyCheck === undefined;
	const readable = new ReadableStream<Uint8Array>(
		{
			async pull(controller) {
				let chunk: Uint8Array | undefined;
				if (!checked) {
					checked = true;
					chunk = await withoutLeadingCloseNotify(next, closeNotifyCheck!);
					if (chunk !== undefined && chunk.length === 0) chunk = await next();
				} else {
					chunk = await next();
				}
				if (chunk === undefined) controller.close();
				else controller.enqueue(chunk);
			},
			cancel: (reason) => reader.cancel(reason),
		},
		{ highWaterMark: 0 },
	);
	return { readable, writable: channel.writable, close: () => channel.close() };
}

/**
 * Reads as far as needed to tell whether the stream starts with the peer's protected close_notify;
 * returns what follows it, or everything read if it does not (`undefined` for an empty, ended stream).
 */
async function withoutLeadingCloseNotify(
	next: () => Promise<Uint8Array | undefined>,
	cipher: AesGcmRecordCipher,
): Promise<Uint8Array | undefined> {
	const header = Uint8Array.of(CONTENT_TYPE.alert, TLS12 >>> 8, TLS12 & 0xff, 0, PROTECTED_ALERT_LENGTH - 5);
	let bytes = new Uint8Array(0);
	let ended = false;
	while (bytes.length < PROTECTED_ALERT_LENGTH && bytes.every((byte, i) => i >= header.length || byte === header[i])) {
		const chunk = await next();
		if (chunk === undefined) {
			ended = true;
			break;
		}
		bytes = concatBytes([bytes, chunk]);
	}
	const looksLikeAlert =
		bytes.length >= PROTECTED_ALERT_LENGTH && header.every((byte, i) => bytes[i] === byte);
	if (looksLikeAlert) {
		try {
			const fragment = bytes.subarray(5, PROTECTED_ALERT_LENGTH);
			const alert = decodeAlert(await cipher.open({ type: CONTENT_TYPE.alert, version: TLS12, fragment }));
			if (alert?.description === 'close_notify') return bytes.subarray(PROTECTED_ALERT_LENGTH);
		} catch {
			// Not the peer's record: plaintext that happens to look like one.
		}
	}
	return ended && bytes.length === 0 ? undefined : bytes;
}
