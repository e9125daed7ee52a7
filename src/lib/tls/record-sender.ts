import { concatBytes } from '../bytes';
import { encodeAlert, type AlertDescription, type AlertLevel } from './alert';
import type { HandshakeOutput } from './handshake-machine';
import type { AesGcmRecordCipher } from './record-cipher';
import { CONTENT_TYPE, MAX_PLAINTEXT_LENGTH, TLS12, encodeRecord, type ContentType } from './record-layer';

/** How much plaintext may be encrypting or waiting for the channel before a write waits. */
const MAX_IN_FLIGHT_BYTES = 512 * 1024;

/**
 * The write half of the record layer. Each record is protected as it is queued (in the clear until
 * our ChangeCipherSpec, sealed with the cipher that comes with it after) and written to the channel
 * in the order queued while encryption runs ahead: WebCrypto seals several records at once, but they
 * leave in sequence order. The first failure stops the queue and is reported once.
 */
export class RecordSender {
	readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
	readonly #onError: (error: unknown) => void;
	/** The version our unprotected records carry: TLS 1.0 on a client's first flight (its ClientHello) only, for old servers' sake. */
	#version: number;
	#cipher: AesGcmRecordCipher | undefined;
	#tail: Promise<void> = Promise.resolve();
	#lastWrite: Promise<void> = Promise.resolve();
	/** Steps not yet done, oldest first (they finish in order, being chained). */
	#steps: Promise<void>[] = [];
	#inFlight = 0;
	#failure: { error: unknown } | undefined;

	constructor(writer: WritableStreamDefaultWriter<Uint8Array>, firstFlightVersion: number, onError: (error: unknown) => void) {
		this.#writer = writer;
		this.#version = firstFlightVersion;
		this.#onError = onError;
	}

	/** Sends a handshake's output; consecutive messages share records, as many as fit. */
	sendFlight(outputs: readonly HandshakeOutput[]): void {
		let messages: Uint8Array[] = [];
		const flush = () => {
			if (messages.length === 0) return;
			const bytes = concatBytes(messages);
			messages = [];
			for (let offset = 0; offset < bytes.length; offset += MAX_PLAINTEXT_LENGTH) {
				this.#send(CONTENT_TYPE.handshake, bytes.subarray(offset, offset + MAX_PLAINTEXT_LENGTH));
			}
		};
		for (const output of outputs) {
			if (output.kind === 'handshake') {
				messages.push(output.message);
				continue;
			}
			flush();
			this.#send(CONTENT_TYPE.changeCipherSpec, Uint8Array.of(1));
			this.#cipher = output.cipher;
		}
		flush();
		this.#version = TLS12;
	}

	sendAlert(level: AlertLevel, description: AlertDescription): void {
		this.#send(CONTENT_TYPE.alert, encodeAlert(level, description));
	}

	/** Application data, in records of at most 2^14 bytes, each counting toward the in-flight limit. */
	sendData(chunk: Uint8Array): void {
		for (let offset = 0; offset < chunk.length; offset += MAX_PLAINTEXT_LENGTH) {
			const piece = chunk.subarray(offset, offset + MAX_PLAINTEXT_LENGTH);
			// WebCrypto copies `piece` when the call is made, so the caller may reuse its buffer at once.
			this.#queue(this.#protect(CONTENT_TYPE.applicationData, piece), piece.length);
		}
	}

	/**
	 * Sends an alert at once, beside the queue, only if that can keep nobody waiting: nothing queued
	 * and room in the channel. Its failure is ignored: this is for going away.
	 */
	async sendAlertIfIdle(level: AlertLevel, description: AlertDescription): Promise<void> {
		if (this.#steps.length > 0 || (this.#writer.desiredSize ?? 0) <= 0) return;
		try {
			const record = await this.#protect(CONTENT_TYPE.alert, encodeAlert(level, description));
			this.#writer.write(record).catch(() => undefined);
		} catch {
			// Nothing to do: we are going away anyway.
		}
	}

	/** Waits until the queue is short enough to take more; rejects if sending failed. */
	async whenReady(): Promise<void> {
		while (this.#inFlight > MAX_IN_FLIGHT_BYTES && this.#steps.length > 0) await this.#steps[0];
		if (this.#failure !== undefined) throw this.#failure.error;
	}

	/** Waits until every queued record has been handed to the channel. */
	flush(): Promise<void> {
		return this.#tail;
	}

	/** Waits until every queued record has been written by the channel. */
	async settle(): Promise<void> {
		await this.#tail;
		await this.#lastWrite;
	}

	#send(type: ContentType, payload: Uint8Array): void {
		this.#queue(this.#protect(type, payload));
	}

	/** The record to send: sealed once we have sent ChangeCipherSpec, plain before. */
	#protect(type: ContentType, payload: Uint8Array): Promise<Uint8Array> | Uint8Array {
		if (this.#cipher !== undefined) return this.#cipher.seal(type, payload);
		return encodeRecord({ type, version: this.#version, fragment: payload });
	}

	/** Queues one whole record; `size` (its plaintext) counts toward the in-flight limit. */
	#queue(record: Uint8Array | Promise<Uint8Array>, size = 0): void {
		const ready = Promise.resolve(record);
		ready.catch(() => undefined);
		this.#inFlight += size;
		const step = this.#tail.then(async () => {
			const bytes = await ready;
			await this.#writer.ready;
			const write = this.#writer.write(bytes);
			write.catch((error: unknown) => {
				this.#failure ??= { error };
				this.#onError(error);
			});
			this.#lastWrite = write;
		});
		this.#tail = step;
		this.#steps.push(step);
		const done = () => {
			this.#inFlight -= size;
			this.#steps.shift();
		};
		step.then(done, (error: unknown) => {
			done();
			this.#failure ??= { error };
			this.#onError(error);
		});
	}
}
