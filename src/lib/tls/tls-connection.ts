import { DeviceError, isDeviceError } from '../errors';
import type { ByteChannel } from '../streams/byte-channel';
import { ConnectionLifecycle } from './connection-lifecycle';
import type { HandshakeMachine, TlsSessionInfo } from './handshake-machine';
import { plainChannel } from './plain-channel';
import { TLS10, TLS12, type TlsRecord } from './record-layer';
import { RecordHandler } from './record-handler';
import { RecordReceiver, type OpeningRecord } from './record-receiver';
import { RecordSender } from './record-sender';
import { TlsError } from './tls-error';

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

const SERVER_PREFIX = 'The secure connection from the computer failed: ';

/** Runs the handshake over `channel`, then hands back the session as a plaintext channel. */
export async function runTls(channel: ByteChannel, machine: HandshakeMachine): Promise<TlsChannel> {
	const connection = new TlsConnection(channel, machine);
	await connection.handshake();
	return connection;
}

/**
 * Drives one connection: the handshake, the readable and writable of plaintext, `close` and `detach`.
 * Its phase is one value with the rules for changing it (`ConnectionLifecycle`); the record layer's
 * halves are `RecordReceiver` and `RecordSender`; what each record of the peer's means is
 * `RecordHandler`'s business.
 */
class TlsConnection implements TlsChannel {
	readonly readable: ReadableStream<Uint8Array>;
	readonly writable: WritableStream<Uint8Array>;
	readonly #channel: ByteChannel;
	readonly #machine: HandshakeMachine;
	readonly #lifecycle = new ConnectionLifecycle();
	readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
	readonly #receiver: RecordReceiver;
	readonly #sender: RecordSender;
	readonly #records: RecordHandler;
	#readableController: ReadableStreamDefaultController<Uint8Array> | undefined;
	#writableController: WritableStreamDefaultController | undefined;
	/** Serialises reading: the readable's pulls and `detach` both drive the same record stream. */
	#readLock: Promise<unknown> = Promise.resolve();
	/** Settles when the record a read is handling has been handled (`detach` waits for it). */
	#handling: Promise<void> = Promise.resolve();

	constructor(channel: ByteChannel, machine: HandshakeMachine) {
		this.#channel = channel;
		this.#machine = machine;
		let reader: ReadableStreamDefaultReader<Uint8Array>;
		try {
			reader = channel.readable.getReader();
			this.#writer = channel.writable.getWriter();
		} catch (cause) {
			throw new TlsError('the connection is already being read or written by something else.', 'internal_error', { cause });
		}
		this.#receiver = new RecordReceiver(reader, () => this.#lifecycle.receiving);
		this.#sender = new RecordSender(this.#writer, machine.role === 'client' ? TLS10 : TLS12, (error) => this.#fail(error));
		this.#records = new RecordHandler({
			machine,
			lifecycle: this.#lifecycle,
			receiver: this.#receiver,
			sender: this.#sender,
			failByPeer: (error) => this.#fail(error, { peerAlerted: true }),
		});
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
		await this.#orFail(async () => {
			this.#sender.sendFlight(await this.#machine.start());
			while (this.#lifecycle.handshaking) {
				const record = await this.#nextRecord();
				await this.#records.handle(record, await this.#receiver.open(record));
			}
			await this.#sender.flush();
		});
		this.#lifecycle.throwIfFailed();
	}

	async close(): Promise<void> {
		const closing = this.#lifecycle.close();
		if (closing === 'nothing') return;
		// Say goodbye if it cannot hold us up: close() must end things promptly, even with a peer that
		// stopped reading. A graceful end is `writable.close()` or `detach()`.
		if (closing === 'close-notify') await this.#sender.sendAlertIfIdle('warning', 'close_notify');
		this.#endStreams(new DeviceError('connection-closed', 'The secure connection was closed.'));
		await this.#channel.close();
	}

	async detach(options: DetachOptions = {}): Promise<ByteChannel> {
		const mode = options.closeNotify ?? 'send';
		this.#lifecycle.checkMayHandBack();
		await this.#orFail(async () => {
			if (mode !== 'none') this.#sendCloseNotify();
			if (mode === 'exchange') await this.#locked(() => this.#untilPeerCloses());
		});
		// A hand-back overtaken meanwhile (by close(), a failure, another detach) is refused here.
		this.#lifecycle.handBack();
		const inStep = await this.#orFail(async () => {
			await this.#handling;
			const inStep = await this.#handleBufferedRecords();
			await this.#sender.settle();
			return inStep;
		});
		// From here to the return nothing awaits, so no read can land in between.
		const { peerClosed } = this.#lifecycle.detach();
		this.#endStreams(new TlsError('the secure session was ended, so it cannot carry data any more.', 'internal_error'));
		this.#writer.releaseLock();
		const { cipher, ...released } = this.#receiver.release();
		return plainChannel({ ...released, channel: this.#channel, closeNotifyCheck: inStep && !peerClosed ? cipher : undefined });
	}

	/**
	 * Handles the whole records already here while they belong to the session (a close_notify ends
	 * it; a record that does not decrypt is where plaintext begins) and puts the rest back untouched.
	 * True when the read side is still in step with the peer's record numbers.
	 */
	async #handleBufferedRecords(): Promise<boolean> {
		while (!this.#lifecycle.peerClosed) {
			const next = await this.#receiver.nextBuffered();
			if (next === 'none') break;
			if (next === 'not-the-session') {
				this.#receiver.putBack();
				return false;
			}
			const data = await this.#records.handle(next.record, next.fragment);
			if (data !== undefined) enqueueQuietly(this.#readableController, data);
		}
		this.#receiver.putBack();
		return true;
	}

	// ---- reading ---------------------------------------------------------------------------------

	#locked<T>(task: () => Promise<T>): Promise<T> {
		const run = this.#readLock.then(task);
		this.#readLock = run.catch(() => undefined);
		return run;
	}

	#pull(controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> {
		return this.#orFail(() =>
			this.#locked(async () => {
				for (;;) {
					this.#lifecycle.throwIfFailed();
					if (!this.#lifecycle.receiving) return closeQuietly(controller);
					if (await this.#pump()) return;
				}
			}),
		);
	}

	/** RFC 5246 §7.2.1's exchange: reads on until the peer's close_notify (a failure or close() ends the wait too). */
	async #untilPeerCloses(): Promise<void> {
		while (this.#lifecycle.receiving) await this.#pump();
	}

	/** Handles the oldest record of the session (true if it carried data for the reader). */
	async #pump(): Promise<boolean> {
		const next = this.#receiver.nextOpening();
		if (next === undefined) {
			await this.#readMore();
			return false;
		}
		const handling = this.#handleOpening(next);
		this.#handling = handling.then(
			() => undefined,
			() => undefined,
		);
		return handling;
	}

	async #handleOpening({ record, opened }: OpeningRecord): Promise<boolean> {
		const data = await this.#records.handle(record, await opened);
		if (data !== undefined) this.#readableController?.enqueue(data);
		// What follows close_notify is not ours.
		if (this.#lifecycle.peerClosed) this.#receiver.putBack();
		return data !== undefined;
	}

	async #nextRecord(): Promise<TlsRecord> {
		for (;;) {
			const record = this.#receiver.next();
			if (record !== undefined) return record;
			await this.#readMore();
		}
	}

	/** Waits for more bytes; throws when the channel failed or ended where it may not. */
	async #readMore(): Promise<void> {
		const channel = await this.#receiver.readMore();
		if (channel.name === 'reading' || channel.name === 'released' || this.#lifecycle.endExpected) return;
		if (channel.name === 'ended') throw this.#records.endOfStream();
		const cause = channel.error;
		// A peer that hangs up mid-handshake is usually refusing us (a phone that forgot this
		// computer does just that); other failures (unplugged…) keep their own code.
		if (this.#lifecycle.handshaking && (isDeviceError(cause, 'connection-reset') || isDeviceError(cause, 'connection-closed'))) {
			throw this.#records.endOfStream(cause);
		}
		throw isDeviceError(cause) ? cause : new TlsError('the connection underneath failed.', 'internal_error', { cause });
	}

	// ---- writing ---------------------------------------------------------------------------------

	async #write(chunk: Uint8Array): Promise<void> {
		this.#lifecycle.checkWritable();
		this.#sender.sendData(chunk);
		await this.#orFail(() => this.#sender.whenReady());
	}

	async #closeWriting(): Promise<void> {
		this.#lifecycle.throwIfFailed();
		// After the peer's close_notify we have answered already; closing is then just flushing.
		this.#sendCloseNotify();
		await this.#orFail(() => this.#sender.flush());
	}

	#sendCloseNotify(): void {
		if (this.#lifecycle.sendCloseNotify()) this.#sender.sendAlert('warning', 'close_notify');
	}

	// ---- failing ---------------------------------------------------------------------------------

	/** Runs `task`; whatever it throws becomes the connection's failure, which is thrown instead. */
	async #orFail<T>(task: () => Promise<T>): Promise<T> {
		try {
			return await task();
		} catch (error) {
			throw this.#fail(error);
		}
	}

	/**
	 * Makes any error the connection's one failure (a `DeviceError`), tells the peer what the phase
	 * still owes it, and closes the channel once that alert is out.
	 */
	#fail(error: unknown, { peerAlerted = false } = {}): DeviceError {
		let failure = isDeviceError(error)
			? error
			: new TlsError('something unexpected went wrong.', 'internal_error', { cause: error });
		if (failure instanceof TlsError && this.#machine.role === 'server') failure = failure.reworded(SERVER_PREFIX);
		const outcome = this.#lifecycle.fail(failure, peerAlerted);
		if (!outcome.failedNow) return outcome.error;
		if (outcome.alert !== undefined) this.#sender.sendAlert(outcome.alert.level, outcome.alert.description);
		this.#endStreams(failure, failure);
		void this.#sender
			.settle()
			.catch(() => undefined)
			.finally(() => this.#channel.close().catch(() => undefined));
		return failure;
	}

	/**
	 * Errors the writable with `reason`, and the readable with `readableError`; without one the
	 * readable ends cleanly (what it holds can still be read).
	 */
	#endStreams(reason: DeviceError, readableError?: DeviceError): void {
		if (this.#readableController !== undefined) {
			if (readableError !== undefined) errorQuietly(this.#readableController, readableError);
			else closeQuietly(this.#readableController);
		}
		if (this.#writableController !== undefined) errorQuietly(this.#writableController, reason);
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
