import { isDeviceError } from '../../lib/errors';
import { decodeAlert, encodeAlert } from '../../lib/tls/alert';
import { isSubjectPublicKeyInfo, samePublicKey, subjectPublicKeyInfoOf } from '../../lib/tls/der';
import {
	EXTENSION,
	HANDSHAKE_HEADER_LENGTH,
	HANDSHAKE_TYPE,
	HandshakeAssembler,
	MAX_HANDSHAKE_MESSAGE_LENGTH,
	decodeCertificate,
	decodeCertificateRequest,
	decodeCertificateVerify,
	decodeClientHello,
	decodeClientKeyExchange,
	decodeFinished,
	decodePointFormats,
	decodeRenegotiationInfo,
	decodeServerHello,
	decodeServerHelloDone,
	decodeServerKeyExchange,
	decodeU16ListExtension,
	encodeCertificateRequest,
	type Extension,
	type HandshakeMessage,
} from '../../lib/tls/handshake-messages';
import { AesGcmRecordCipher } from '../../lib/tls/record-cipher';
import {
	CONTENT_TYPE,
	MAX_CIPHERTEXT_LENGTH,
	MAX_PLAINTEXT_LENGTH,
	RECORD_HEADER_LENGTH,
	RecordDeframer,
	TLS12,
	encodeRecord,
	type TlsRecord,
} from '../../lib/tls/record-layer';
import type { HandshakeMachine, HandshakeOutput, TlsSessionInfo } from '../../lib/tls/handshake-machine';
import { runTls } from '../../lib/tls/tls-connection';
import { unexpected } from '../../lib/tls/tls-error';
import { concatBytes } from '../../lib/bytes';
import { expect } from '../contract';
import type { SeedCorpus } from '../corpus';
import { chunksOf, fuzzInputs } from '../mutate';
import type { FuzzTarget } from '../run';
import { scriptedChannel } from '../scripted';
import { fixedRandomClient } from '../tls-recording';

/** Every record of a recorded stream (which is well formed). */
function recordsOf(stream: Uint8Array): TlsRecord[] {
	const deframer = new RecordDeframer();
	deframer.push(stream);
	const records: TlsRecord[] = [];
	for (let record = deframer.next(); record !== undefined; record = deframer.next()) records.push(record);
	return records;
}

/** The plaintext handshake messages of a recorded stream (those before ChangeCipherSpec). */
function handshakeMessagesOf(stream: Uint8Array): HandshakeMessage[] {
	const assembler = new HandshakeAssembler();
	const messages: HandshakeMessage[] = [];
	for (const record of recordsOf(stream)) {
		if (record.type === CONTENT_TYPE.changeCipherSpec) break;
		if (record.type !== CONTENT_TYPE.handshake) continue;
		assembler.push(record.fragment);
		for (let message = assembler.next(); message !== undefined; message = assembler.next()) messages.push(message);
	}
	return messages;
}

const record = (type: TlsRecord['type'], fragment: Uint8Array) => encodeRecord({ type, version: TLS12, fragment });

function recordSeeds(corpus: SeedCorpus): Uint8Array[] {
	const { fromServer, fromClient } = corpus.tls;
	const flight = handshakeMessagesOf(fromServer).map((message) => message.raw);
	const all = concatBytes(flight);
	const half = all.length >> 1;
	return [
		fromServer,
		fromClient,
		// One record holding the whole flight, and the flight cut across two records mid-message.
		record(CONTENT_TYPE.handshake, all),
		concatBytes([record(CONTENT_TYPE.handshake, all.subarray(0, half)), record(CONTENT_TYPE.handshake, all.subarray(half))]),
		concatBytes([record(CONTENT_TYPE.alert, encodeAlert('fatal', 'bad_certificate')), record(CONTENT_TYPE.alert, encodeAlert('warning', 'close_notify'))]),
	];
}

function checkExtensions(extensions: readonly Extension[]): void {
	for (const { type, data } of extensions) {
		if (type === EXTENSION.supportedGroups || type === EXTENSION.signatureAlgorithms) decodeU16ListExtension(data, 'extension');
		else if (type === EXTENSION.ecPointFormats) decodePointFormats(data);
		else if (type === EXTENSION.renegotiationInfo) decodeRenegotiationInfo(data);
	}
}

/** Decodes a message body by its type, as the client (or the virtual iPhone's server) would. */
function decodeMessage(type: number, body: Uint8Array, pinned: Uint8Array): void {
	switch (type) {
		case HANDSHAKE_TYPE.clientHello:
			return checkExtensions(decodeClientHello(body).extensions);
		case HANDSHAKE_TYPE.serverHello:
			return checkExtensions(decodeServerHello(body).extensions);
		case HANDSHAKE_TYPE.certificate:
			for (const certificate of decodeCertificate(body).certificates) {
				expect(certificate.length > 0, 'an empty certificate came out');
				const spki = subjectPublicKeyInfoOf(certificate);
				if (spki !== undefined) samePublicKey(spki, pinned);
			}
			return;
		case HANDSHAKE_TYPE.serverKeyExchange: {
			const exchange = decodeServerKeyExchange(body);
			expect(exchange.params.length <= body.length, 'signed params longer than the message');
			return;
		}
		case HANDSHAKE_TYPE.certificateRequest:
			decodeCertificateRequest(body);
			return;
		case HANDSHAKE_TYPE.serverHelloDone:
			return decodeServerHelloDone(body);
		case HANDSHAKE_TYPE.certificateVerify:
			decodeCertificateVerify(body);
			return;
		case HANDSHAKE_TYPE.clientKeyExchange:
			decodeClientKeyExchange(body);
			return;
		case HANDSHAKE_TYPE.finished:
			decodeFinished(body);
			return;
	}
}

/** The record layer over random pieces, then handshake reassembly and every message decoder. */
function recordsTarget(corpus: SeedCorpus): FuzzTarget {
	const pinned = corpus.tls.clientOptions.serverPublicKey;
	return {
		name: 'tls.records',
		description: 'RecordDeframer (random pieces), decodeAlert, HandshakeAssembler, every handshake decoder, certificate DER',
		inputs: fuzzInputs({ seeds: recordSeeds(corpus), chunked: true }),
		mayThrow: 'device-error',
		// A pending handshake message may be joined with one more fragment before its length is checked.
		allocationBound: () => HANDSHAKE_HEADER_LENGTH + MAX_HANDSHAKE_MESSAGE_LENGTH + MAX_CIPHERTEXT_LENGTH,
		quickCases: 1000,
		run(input) {
			const deframer = new RecordDeframer();
			const assembler = new HandshakeAssembler();
			for (const piece of chunksOf(input)) {
				deframer.push(piece);
				for (let next = deframer.next(); next !== undefined; next = deframer.next()) {
					expect(next.fragment.length <= MAX_CIPHERTEXT_LENGTH, `a ${next.fragment.length}-byte fragment came out`);
					if (next.type === CONTENT_TYPE.alert) decodeAlert(next.fragment);
					if (next.type !== CONTENT_TYPE.handshake) continue;
					assembler.push(next.fragment);
					for (let message = assembler.next(); message !== undefined; message = assembler.next()) {
						expect(message.body.length <= MAX_HANDSHAKE_MESSAGE_LENGTH, `a ${message.body.length}-byte handshake message came out`);
						decodeMessage(message.type, message.body, pinned);
					}
				}
			}
			expect(deframer.takeBuffered().length <= input.bytes.length, 'more bytes left over than came in');
		},
	};
}

/** Each handshake decoder on its own: the first byte says which (as the message type), the rest is the body. */
function messagesTarget(corpus: SeedCorpus): FuzzTarget {
	const pinned = corpus.tls.clientOptions.serverPublicKey;
	const messages = [...handshakeMessagesOf(corpus.tls.fromServer), ...handshakeMessagesOf(corpus.tls.fromClient)];
	const request = encodeCertificateRequest({ certificateTypes: [1, 64], signatureSchemes: [0x0401, 0x0804], authorities: [new Uint8Array(20).fill(0x30)] });
	const seeds = [...messages.map((message) => concatBytes([Uint8Array.of(message.type), message.body])), concatBytes([request.subarray(0, 1), request.subarray(4)])];
	return {
		name: 'tls.handshake-messages',
		description: 'decodeClientHello … decodeFinished directly on bodies (type byte + body), extensions, certificate DER',
		inputs: fuzzInputs({ seeds }),
		mayThrow: 'device-error',
		quickCases: 1000,
		run(input) {
			if (input.bytes.length === 0) return;
			decodeMessage(input.bytes[0]!, input.bytes.subarray(1), pinned);
		},
	};
}

/** The DER walk that pins the phone's key: certificates and SubjectPublicKeyInfos from the wire. */
function derTarget(corpus: SeedCorpus): FuzzTarget {
	const pinned = corpus.tls.clientOptions.serverPublicKey;
	return {
		name: 'tls.certificate-der',
		description: 'subjectPublicKeyInfoOf, isSubjectPublicKeyInfo, samePublicKey on certificates and keys (never throw)',
		inputs: fuzzInputs({ seeds: [...corpus.tls.certificates, ...corpus.tls.publicKeys] }),
		mayThrow: 'nothing',
		quickCases: 1000,
		run(input) {
			const spki = subjectPublicKeyInfoOf(input.bytes);
			if (spki !== undefined) {
				expect(spki.length < input.bytes.length, 'a key as long as its certificate');
				samePublicKey(spki, pinned);
			}
			if (isSubjectPublicKeyInfo(input.bytes)) samePublicKey(input.bytes, pinned);
		},
	};
}

const RECORD_KEY = new Uint8Array(16).map((_, i) => i * 7);
const RECORD_IV = Uint8Array.of(1, 2, 3, 4);

/** Protected records, as the session's reader opens them: lengths checked before decrypting. */
async function protectedRecordsTarget(): Promise<FuzzTarget> {
	const sealer = await AesGcmRecordCipher.create(RECORD_KEY, RECORD_IV);
	const sealed = [
		await sealer.seal(CONTENT_TYPE.applicationData, new TextEncoder().encode('a reply from the phone')),
		await sealer.seal(CONTENT_TYPE.applicationData, new Uint8Array(MAX_PLAINTEXT_LENGTH).fill(3)),
		await sealer.seal(CONTENT_TYPE.alert, encodeAlert('warning', 'close_notify')),
		await sealer.seal(CONTENT_TYPE.applicationData, new Uint8Array(0)),
	];
	return {
		name: 'tls.protected-records',
		description: 'RecordDeframer + AesGcmRecordCipher.open in stream order (sequence numbers, lengths, tags)',
		inputs: fuzzInputs({ seeds: [concatBytes(sealed.slice(0, 3)), concatBytes([sealed[0]!, sealed[3]!, sealed[2]!])], chunked: true }),
		mayThrow: 'device-error',
		allocationBound: () => RECORD_HEADER_LENGTH + MAX_CIPHERTEXT_LENGTH,
		quickCases: 1000,
		async run(input) {
			const opener = await AesGcmRecordCipher.create(RECORD_KEY, RECORD_IV);
			const deframer = new RecordDeframer();
			for (const piece of chunksOf(input)) {
				deframer.push(piece);
				for (let next = deframer.next(); next !== undefined; next = deframer.next()) {
					const plaintext = await opener.open(next);
					expect(plaintext.length <= MAX_PLAINTEXT_LENGTH, `a ${plaintext.length}-byte plaintext came out`);
				}
			}
		},
	};
}

/**
 * Our TLS client (connection and handshake state machine) against a server that sends these bytes: the
 * recorded server side, replayed to a client with the recorded random, so the key exchange signature
 * still holds and edits reach CertificateRequest, ServerHelloDone, ChangeCipherSpec and Finished.
 */
function clientHandshakeTarget(corpus: SeedCorpus): FuzzTarget {
	const { fromServer, clientOptions } = corpus.tls;
	const records = recordsOf(fromServer);
	const flight = handshakeMessagesOf(fromServer).map((message) => message.raw);
	const rest = records.slice(records.findIndex((r) => r.type === CONTENT_TYPE.changeCipherSpec)).map(encodeRecord);
	return {
		name: 'tls.client-handshake',
		description: 'runTls + ClientHandshake against a replayed server (fixed client random): every state, alerts, CCS, Finished',
		inputs: fuzzInputs({
			seeds: [fromServer, concatBytes([record(CONTENT_TYPE.handshake, concatBytes(flight)), ...rest])],
			chunked: true,
			maxChunks: 8,
		}),
		mayThrow: 'device-error',
		quickCases: 1000,
		async run(input) {
			const channel = scriptedChannel(chunksOf(input));
			const session = await runTls(channel, fixedRandomClient(clientOptions));
			// Only the real server's keys could finish this handshake; the replay never does.
			await session.close();
			expect(false, 'a replayed server completed a handshake');
		},
	};
}

/**
 * A handshake that is over as soon as the peer's ChangeCipherSpec arrives, with a fixed key: it lets
 * `tls.session` reach the connection's life after a handshake without paying for one per case.
 */
class KeyedHandshake implements HandshakeMachine {
	readonly role = 'client';
	#established = false;
	readonly #write: AesGcmRecordCipher;
	readonly #read: AesGcmRecordCipher;

	constructor(write: AesGcmRecordCipher, read: AesGcmRecordCipher) {
		this.#write = write;
		this.#read = read;
	}

	get established(): boolean {
		return this.#established;
	}

	get session(): TlsSessionInfo | undefined {
		return undefined;
	}

	async start(): Promise<HandshakeOutput[]> {
		return [{ kind: 'change-cipher-spec', cipher: this.#write }];
	}

	async receiveMessage(): Promise<HandshakeOutput[]> {
		throw unexpected('a handshake message');
	}

	receiveChangeCipherSpec(): AesGcmRecordCipher {
		if (this.#established) throw unexpected('a ChangeCipherSpec');
		this.#established = true;
		return this.#read;
	}
}

/**
 * The input as plaintext records, each sealed with the session key after the first ChangeCipherSpec
 * (so edits reach what the connection does with decrypted records, not just the integrity check);
 * bytes that do not frame as a record, or too long to seal, go as they are.
 */
async function sealedStream(bytes: Uint8Array): Promise<Uint8Array> {
	const sealer = await AesGcmRecordCipher.create(RECORD_KEY, RECORD_IV);
	const out: Uint8Array[] = [];
	let keyed = false;
	let at = 0;
	while (at + RECORD_HEADER_LENGTH <= bytes.length) {
		const length = (bytes[at + 3]! << 8) | bytes[at + 4]!;
		const end = at + RECORD_HEADER_LENGTH + length;
		if (end > bytes.length || length > MAX_PLAINTEXT_LENGTH) break;
		const type = bytes[at]!;
		const fragment = bytes.subarray(at + RECORD_HEADER_LENGTH, end);
		out.push(keyed ? await sealer.seal(type as TlsRecord['type'], fragment) : bytes.subarray(at, end));
		if (type === CONTENT_TYPE.changeCipherSpec) keyed = true;
		at = end;
	}
	out.push(bytes.subarray(at));
	return concatBytes(out);
}

/** What a session may hand its reader: application data and, after a detach, the plaintext that follows. */
async function drain(readable: ReadableStream<Uint8Array>): Promise<number> {
	const reader = readable.getReader();
	let total = 0;
	for (let next = await reader.read(); !next.done; next = await reader.read()) total += next.value.length;
	return total;
}

/**
 * The connection after the handshake: decryption in stream order, application data, empty records,
 * warning and fatal alerts, close_notify, renegotiation requests, records after close_notify, and
 * `detach` back to plaintext (variant 1: saying nothing, 2: sending close_notify), as lockdown's
 * StopSession does.
 */
function sessionTarget(): FuzzTarget {
	const plain = (type: number, fragment: Uint8Array) => encodeRecord({ type: type as TlsRecord['type'], version: TLS12, fragment });
	const text = (value: string) => new TextEncoder().encode(value);
	const ccs = plain(CONTENT_TYPE.changeCipherSpec, Uint8Array.of(1));
	const seeds = [
		concatBytes([
			ccs,
			plain(CONTENT_TYPE.applicationData, text('a lockdown reply inside the session')),
			plain(CONTENT_TYPE.applicationData, new Uint8Array(0)),
			plain(CONTENT_TYPE.alert, encodeAlert('warning', 'user_canceled')),
			plain(CONTENT_TYPE.applicationData, new Uint8Array(3000).fill(0x41)),
			plain(CONTENT_TYPE.alert, encodeAlert('warning', 'close_notify')),
			text('plaintext after the session: the StopSession reply'),
		]),
		concatBytes([ccs, plain(CONTENT_TYPE.handshake, Uint8Array.of(0, 0, 0, 0)), plain(CONTENT_TYPE.applicationData, text('after a HelloRequest'))]),
		concatBytes([ccs, ...Array.from({ length: 18 }, () => plain(CONTENT_TYPE.applicationData, new Uint8Array(0)))]),
		concatBytes([ccs, plain(CONTENT_TYPE.alert, encodeAlert('fatal', 'bad_record_mac'))]),
	];
	const outgoing = new Uint8Array(MAX_PLAINTEXT_LENGTH + 10).fill(0x42);
	return {
		name: 'tls.session',
		description: 'TlsConnection after the handshake (real AES-GCM, fixed key): data, empty records, alerts, close_notify, renegotiation, detach',
		inputs: fuzzInputs({ seeds, chunked: true, variants: 3, maxChunks: 12 }),
		mayThrow: 'device-error',
		allocationBound: () => RECORD_HEADER_LENGTH + MAX_CIPHERTEXT_LENGTH + HANDSHAKE_HEADER_LENGTH + MAX_HANDSHAKE_MESSAGE_LENGTH,
		quickCases: 1000,
		async run(input) {
			const stream = await sealedStream(input.bytes);
			const write = await AesGcmRecordCipher.create(RECORD_KEY, RECORD_IV);
			const read = await AesGcmRecordCipher.create(RECORD_KEY, RECORD_IV);
			const channel = scriptedChannel(chunksOf({ ...input, bytes: stream, cuts: input.cuts.map((cut) => Math.min(cut, stream.length)) }));
			const session = await runTls(channel, new KeyedHandshake(write, read));
			const writer = session.writable.getWriter();
			const writing = writer.write(outgoing).catch((error: unknown) => {
				if (!isDeviceError(error)) throw error;
			});
			let received = 0;
			if (input.variant === 0) {
				received = await drain(session.readable);
			} else {
				const reader = session.readable.getReader();
				const first = await reader.read();
				if (!first.done) received += first.value.length;
				reader.releaseLock();
				writer.releaseLock();
				const plainChannel = await session.detach({ closeNotify: input.variant === 1 ? 'none' : 'send' });
				received += await drain(plainChannel.readable);
			}
			await writing;
			expect(received <= stream.length, `${received} bytes read from a stream of ${stream.length}`);
			await session.close();
		},
	};
}

export async function tlsTargets(corpus: SeedCorpus): Promise<FuzzTarget[]> {
	return [
		recordsTarget(corpus),
		messagesTarget(corpus),
		derTarget(corpus),
		await protectedRecordsTarget(),
		clientHandshakeTarget(corpus),
		sessionTarget(),
	];
}
