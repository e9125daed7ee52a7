import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { isDeviceError } from '../errors';
import { createChannelPair, type ByteChannel } from '../streams/byte-channel';
import { ClientHandshake, type TlsClientOptions } from './client-handshake';
import type { HandshakeMachine, HandshakeOutput } from './handshake-machine';
import { HANDSHAKE_TYPE, encodeHandshake, encodeServerHello, encodeServerHelloDone } from './handshake-messages';
import { startTlsClient, startTlsServer } from './index';
import { MAX_CIPHERTEXT_LENGTH, MAX_PLAINTEXT_LENGTH, encodeRecord } from './record-layer';
import { ServerHandshake, type TlsServerOptions } from './server-handshake';
import { interpose, RawRecords, readBytes, writeAll, type Tap } from '../../testing/tls/channel-tools';
import { clientOptionsFor, createTestPki, serverOptionsFor, type TestPki } from '../../testing/tls/test-pki';
import { runTls, type TlsChannel } from './tls-connection';

let pki: TestPki;
beforeAll(async () => {
	pki = await createTestPki();
});

const clientOptions = (overrides: Partial<TlsClientOptions> = {}) => clientOptionsFor(pki, overrides);
const serverOptions = (overrides: Partial<TlsServerOptions> = {}) => serverOptionsFor(pki, overrides);

/** A real handshake whose outputs pass through `edit` first: a peer that lies in one place. */
function tampered(inner: HandshakeMachine, edit: (outputs: HandshakeOutput[]) => HandshakeOutput[]): HandshakeMachine {
	return {
		role: inner.role,
		get established() {
			return inner.established;
		},
		get session() {
			return inner.session;
		},
		start: async () => edit(await inner.start()),
		receiveMessage: async (message) => edit(await inner.receiveMessage(message)),
		receiveChangeCipherSpec: () => inner.receiveChangeCipherSpec(),
	};
}

/** Changes the last byte of every outgoing handshake message of `type`. */
function corruptLastByte(type: number) {
	return (outputs: HandshakeOutput[]): HandshakeOutput[] =>
		outputs.map((output) => {
			if (output.kind !== 'handshake' || output.message[0] !== type) return output;
			const message = output.message.slice();
			message[message.length - 1]! ^= 0x01;
			return { kind: 'handshake', message };
		});
}

/** Appends `message` after the output that ends the handshake (the one holding Finished). */
function appendAfterFinished(message: Uint8Array) {
	return (outputs: HandshakeOutput[]): HandshakeOutput[] =>
		outputs.some((output) => output.kind === 'handshake' && output.message[0] === HANDSHAKE_TYPE.finished)
			? [...outputs, { kind: 'handshake', message }]
			: outputs;
}

async function settle<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown }> {
	try {
		return { value: await promise };
	} catch (error) {
		return { error };
	}
}

/** Our client against a hand-played server: returns the client's promise and the server's raw end. */
function clientAgainstRawServer(options: Partial<TlsClientOptions> = {}) {
	const [clientEnd, serverEnd] = createChannelPair();
	const client = settle(startTlsClient(clientEnd, clientOptions(options)));
	return { client, serverEnd, records: new RawRecords(serverEnd) };
}

const plainRecord = (type: number, fragment: Uint8Array, version = 0x0303) =>
	encodeRecord({ type: type as 20 | 21 | 22 | 23, version, fragment });

const serverHello = () =>
	encodeServerHello({
		version: 0x0303,
		random: new Uint8Array(32).fill(7),
		sessionId: new Uint8Array(0),
		cipherSuite: 0xc02f,
		compressionMethod: 0,
		extensions: [],
	});

/** The alert the client sent before giving up, read from the raw server end. */
async function alertSentBy(records: RawRecords): Promise<[number, number]> {
	for (;;) {
		const record = await records.next();
		if (record.type === 21) return [record.body[0]!, record.body[1]!];
	}
}

function expectTlsFailure(outcome: { error?: unknown }, message: RegExp): void {
	expect(isDeviceError(outcome.error, 'tls')).toBe(true);
	expect((outcome.error as Error).message).toMatch(/^The secure connection to the iPhone failed: /);
	expect((outcome.error as Error).message).toMatch(message);
}

describe('a lying server (real handshake, one thing changed)', () => {
	async function against(server: (end: ByteChannel) => Promise<TlsChannel>, options: Partial<TlsClientOptions> = {}) {
		const link = interpose();
		const [client, serverOutcome] = await Promise.all([
			settle(startTlsClient(link.client, clientOptions(options))),
			settle(server(link.server)),
		]);
		return { client, server: serverOutcome };
	}

	it('a wrong ServerKeyExchange signature fails with decrypt_error, told to the server', async () => {
		const { client, server } = await against((end) =>
			runTls(end, tampered(new ServerHandshake(serverOptions()), corruptLastByte(HANDSHAKE_TYPE.serverKeyExchange))),
		);
		expectTlsFailure(client, /signature on the key exchange is not valid/);
		expect(server.error).toMatchObject({ code: 'tls', message: expect.stringMatching(/alert “decrypt error”/) });
	});

	it('the paired device’s certificate with someone else’s key fails on the signature', async () => {
		const { client } = await against((end) => startTlsServer(end, serverOptions({ privateKey: pki.stranger.privateKey })));
		expectTlsFailure(client, /signature on the key exchange is not valid/);
	});

	it('a server whose key is not the pinned one is refused with bad_certificate', async () => {
		const { client, server } = await against((end) =>
			startTlsServer(end, serverOptions({ certificate: pki.stranger.certificate, privateKey: pki.stranger.privateKey })),
		);
		expectTlsFailure(client, /not the iPhone this computer was paired with/);
		expect((client.error as { advice?: string }).advice).toMatch(/pairing/);
		expect(server.error).toMatchObject({ message: expect.stringMatching(/alert “bad certificate”/) });
	});

	it('a bad Finished fails with decrypt_error', async () => {
		const { client, server } = await against((end) =>
			runTls(end, tampered(new ServerHandshake(serverOptions()), corruptLastByte(HANDSHAKE_TYPE.finished))),
		);
		expectTlsFailure(client, /Finished message does not match/);
		expect(server.value).toBeDefined(); // the server finished its side; the client hangs up
		const reader = server.value!.readable.getReader();
		await expect(reader.read()).rejects.toMatchObject({ message: expect.stringMatching(/alert “decrypt error”/) });
	});

	it('a HelloRequest after the handshake is refused (no renegotiation)', async () => {
		const { client } = await against((end) =>
			runTls(
				end,
				tampered(new ServerHandshake(serverOptions()), appendAfterFinished(encodeHandshake(HANDSHAKE_TYPE.helloRequest, new Uint8Array(0)))),
			),
		);
		expectTlsFailure(client, /asked to renegotiate/);
	});

	it('a handshake message after the handshake is an unexpected message', async () => {
		const { client } = await against((end) =>
			runTls(end, tampered(new ServerHandshake(serverOptions()), appendAfterFinished(encodeServerHelloDone()))),
		);
		expectTlsFailure(client, /ServerHelloDone message after the handshake/);
	});

	it('our server refuses a wrong CertificateVerify, and a trusted certificate signed for with another key', async () => {
		for (const clientMachine of [
			tampered(new ClientHandshake(clientOptions()), corruptLastByte(HANDSHAKE_TYPE.certificateVerify)),
			new ClientHandshake(clientOptions({ privateKey: pki.extractableHost.privateKey })),
		]) {
			const link = interpose();
			const [client, server] = await Promise.all([
				settle(runTls(link.client, clientMachine)),
				settle(startTlsServer(link.server, serverOptions())),
			]);
			expect(server.error).toMatchObject({ code: 'tls', message: expect.stringMatching(/does not prove it holds/) });
			expect(client.error).toMatchObject({ code: 'tls', message: expect.stringMatching(/alert “decrypt error”/) });
		}
	});

	it('our server refuses a client that starts a renegotiation', async () => {
		const link = interpose();
		const clientMachine = tampered(new ClientHandshake(clientOptions()), (outputs) =>
			outputs.some((o) => o.kind === 'change-cipher-spec')
				? [...outputs, { kind: 'handshake', message: encodeHandshake(HANDSHAKE_TYPE.clientHello, new Uint8Array(40)) }]
				: outputs,
		);
		const [, server] = await Promise.all([settle(runTls(link.client, clientMachine)), settle(startTlsServer(link.server, serverOptions()))]);
		expect(server.error).toMatchObject({
			code: 'tls',
			message: 'The secure connection from the computer failed: it asked to renegotiate the secure connection, which we do not allow.',
		});
	});
});

describe('a hand-played server', () => {
	it('an oversized record header fails at once with record_overflow, without waiting for its body', async () => {
		const { client, serverEnd, records } = clientAgainstRawServer();
		await records.next(); // ClientHello
		const length = MAX_CIPHERTEXT_LENGTH + 1;
		await writeAll(serverEnd, Uint8Array.of(22, 3, 3, length >> 8, length & 0xff));
		expectTlsFailure(await client, /more than TLS allows/);
		expect(await alertSentBy(records)).toEqual([2, 22]);
	});

	it('an unprotected record over 16 KiB fails with record_overflow', async () => {
		const { client, serverEnd, records } = clientAgainstRawServer();
		await records.next();
		await writeAll(serverEnd, plainRecord(22, new Uint8Array(MAX_PLAINTEXT_LENGTH + 1)));
		expectTlsFailure(await client, /more than TLS allows/);
		expect(await alertSentBy(records)).toEqual([2, 22]);
	});

	it('a truncated record followed by the end of the stream fails', async () => {
		const { client, serverEnd, records } = clientAgainstRawServer();
		await records.next();
		await writeAll(serverEnd, plainRecord(22, serverHello()).subarray(0, 30));
		await serverEnd.close();
		expectTlsFailure(await client, /ended in the middle of a record/);
	});

	it('a server that hangs up after the ClientHello fails the handshake with advice', async () => {
		const { client, serverEnd, records } = clientAgainstRawServer();
		await records.next();
		await serverEnd.close();
		const outcome = await client;
		expectTlsFailure(outcome, /closed during the handshake/);
		expect((outcome.error as { advice?: string }).advice).toMatch(/Trust/);
	});

	for (const [name, bytes, message, alert] of [
		['ServerHelloDone first', () => plainRecord(22, encodeServerHelloDone()), /ServerHelloDone message at a point/, 10],
		['application data first', () => plainRecord(23, Uint8Array.of(1, 2, 3)), /application data before the handshake/, 10],
		['ChangeCipherSpec first', () => plainRecord(20, Uint8Array.of(1)), /ChangeCipherSpec at a point/, 10],
		['a second ServerHello', () => plainRecord(22, new Uint8Array([...serverHello(), ...serverHello()])), /ServerHello message at a point/, 10],
		['a record version change after ServerHello', () => new Uint8Array([...plainRecord(22, serverHello()), ...plainRecord(22, encodeServerHelloDone(), 0x0301)]), /changed the TLS version/, 70],
		['a ServerHello choosing TLS 1.1', () => plainRecord(22, new Uint8Array([...serverHello().subarray(0, 4), 3, 2, ...serverHello().subarray(6)])), /only TLS 1.2/, 70],
		['a malformed alert', () => plainRecord(21, Uint8Array.of(2)), /alert it sent was malformed/, 50],
		['an empty handshake record', () => plainRecord(22, new Uint8Array(0)), /malformed/, 50],
		['endless warning alerts', () => new Uint8Array(Array.from({ length: 17 }, () => [...plainRecord(21, Uint8Array.of(1, 90))]).flat()), /too many records/, 10],
	] as const) {
		it(`${name} fails with a clear error and alert ${alert}`, async () => {
			const { client, serverEnd, records } = clientAgainstRawServer();
			await records.next();
			await writeAll(serverEnd, bytes());
			expectTlsFailure(await client, message);
			expect(await alertSentBy(records)).toEqual([2, alert]);
		});
	}

	it('a fatal alert from the server ends the handshake, and gets no alert back', async () => {
		const { client, serverEnd, records } = clientAgainstRawServer();
		await records.next();
		await writeAll(serverEnd, plainRecord(21, Uint8Array.of(2, 40)));
		expectTlsFailure(await client, /alert “handshake failure”/);
		await expect(records.next()).rejects.toMatchObject({ code: 'connection-closed' });
	});

	it('garbage bytes, then the end of the stream, always fail with a TLS DeviceError', async () => {
		await fc.assert(
			fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 300 }), async (garbage) => {
				const { client, serverEnd, records } = clientAgainstRawServer();
				await records.next();
				await writeAll(serverEnd, garbage);
				await serverEnd.close();
				const outcome = await client;
				expect(isDeviceError(outcome.error, 'tls')).toBe(true);
			}),
			{ numRuns: 60 },
		);
	});
});

describe('a real server flight with one byte changed', () => {
	it('always ends in a TLS DeviceError (the flight is followed by the end of the stream)', async () => {
		await fc.assert(
			fc.asyncProperty(fc.nat(), fc.integer({ min: 1, max: 255 }), async (position, xor) => {
				let first = true;
				const mutateFirstFlight: Tap = (chunk) => {
					if (!first) return 'end';
					first = false;
					const copy = chunk.slice();
					copy[position % copy.length]! ^= xor;
					return { send: [copy], end: true };
				};
				const link = interpose(undefined, mutateFirstFlight);
				const server = settle(startTlsServer(link.server, serverOptions()));
				const outcome = await settle(startTlsClient(link.client, clientOptions()));
				expect(isDeviceError(outcome.error, 'tls')).toBe(true);
				await server;
			}),
			{ numRuns: 40 },
		);
	});
});

describe('tampering after the handshake', () => {
	it('a flipped ciphertext bit fails the read with bad_record_mac and tells the sender', async () => {
		let armed = false;
		const flip: Tap = (chunk) => {
			if (!armed) return [chunk];
			armed = false;
			const copy = chunk.slice();
			copy[copy.length - 1]! ^= 0x80;
			return [copy];
		};
		const link = interpose(undefined, flip);
		const [client, server] = await Promise.all([
			startTlsClient(link.client, clientOptions()),
			startTlsServer(link.server, serverOptions()),
		]);
		armed = true;
		await writeAll(server, new TextEncoder().encode('secret'));
		await expect(readBytes(client.readable, 6)).rejects.toMatchObject({
			code: 'tls',
			message: expect.stringMatching(/failed its integrity check/),
		});
		await expect(readBytes(server.readable, 1)).rejects.toMatchObject({
			message: expect.stringMatching(/alert “bad record mac”/),
		});
	});

	it('a stream cut in the middle of a record fails the read', async () => {
		let armed = false;
		const cut: Tap = (chunk) => (armed ? { send: [chunk.subarray(0, 10)], end: true } : [chunk]);
		const link = interpose(undefined, cut);
		const [client, server] = await Promise.all([
			startTlsClient(link.client, clientOptions()),
			startTlsServer(link.server, serverOptions()),
		]);
		armed = true;
		await writeAll(server, new TextEncoder().encode('cut short'));
		await expect(readBytes(client.readable, 9)).rejects.toMatchObject({
			code: 'tls',
			message: expect.stringMatching(/ended in the middle of a record/),
		});
	});

	it('a stream that ends without close_notify fails the read', async () => {
		let armed = false;
		const end: Tap = (chunk) => (armed ? 'end' : [chunk]);
		const link = interpose(undefined, end);
		const [client, server] = await Promise.all([
			startTlsClient(link.client, clientOptions()),
			startTlsServer(link.server, serverOptions()),
		]);
		armed = true;
		await writeAll(server, Uint8Array.of(1));
		await expect(readBytes(client.readable, 1)).rejects.toMatchObject({
			code: 'tls',
			message: expect.stringMatching(/without the secure session being closed properly/),
		});
	});
});

describe('our server against garbage', () => {
	it('fails with a TLS DeviceError, worded for the virtual iPhone', async () => {
		await fc.assert(
			fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 200 }), async (garbage) => {
				const [clientEnd, serverEnd] = createChannelPair();
				const server = settle(startTlsServer(serverEnd, serverOptions()));
				await writeAll(clientEnd, garbage);
				await clientEnd.close();
				const outcome = await server;
				expect(isDeviceError(outcome.error, 'tls')).toBe(true);
				expect((outcome.error as Error).message).toMatch(/^The secure connection from the computer failed: /);
			}),
			{ numRuns: 60 },
		);
	});
});
