import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isDeviceError } from '../errors';
import { concatBytes } from '../bytes';
import {
	HANDSHAKE_TYPE,
	HandshakeAssembler,
	MAX_HANDSHAKE_MESSAGE_LENGTH,
	decodeCertificate,
	decodeCertificateRequest,
	decodeCertificateVerify,
	decodeClientHello,
	decodeClientKeyExchange,
	decodeFinished,
	decodeServerHello,
	decodeServerHelloDone,
	decodeServerKeyExchange,
	encodeCertificate,
	encodeCertificateRequest,
	encodeCertificateVerify,
	encodeClientHello,
	encodeClientKeyExchange,
	encodeFinished,
	encodeHandshake,
	encodeServerHello,
	encodeServerHelloDone,
	encodeServerKeyExchange,
	type HandshakeMessage,
} from './handshake-messages';

const u16 = fc.integer({ min: 0, max: 0xffff });
const u8 = fc.integer({ min: 0, max: 0xff });
const random = fc.uint8Array({ minLength: 32, maxLength: 32 });
const sessionId = fc.uint8Array({ maxLength: 32 });
/** Extensions with distinct types, as the codec requires. */
const extensions = fc
	.uniqueArray(fc.record({ type: u16, data: fc.uint8Array({ maxLength: 40 }) }), { selector: (e) => e.type, maxLength: 6 });

const clientHello = fc.record({
	version: u16,
	random,
	sessionId,
	cipherSuites: fc.array(u16, { minLength: 1, maxLength: 20 }),
	compressionMethods: fc.array(u8, { minLength: 1, maxLength: 4 }),
	extensions,
});
const serverHello = fc.record({
	version: u16,
	random,
	sessionId,
	cipherSuite: u16,
	compressionMethod: u8,
	extensions,
});
const certificate = fc.record({ certificates: fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { maxLength: 3 }) });
const serverKeyExchange = fc.record({
	namedCurve: u16,
	publicPoint: fc.uint8Array({ minLength: 1, maxLength: 97 }),
	signatureScheme: u16,
	signature: fc.uint8Array({ minLength: 1, maxLength: 300 }),
});
const certificateRequest = fc.record({
	certificateTypes: fc.array(u8, { minLength: 1, maxLength: 4 }),
	signatureSchemes: fc.array(u16, { minLength: 1, maxLength: 12 }),
	authorities: fc.array(fc.uint8Array({ minLength: 1, maxLength: 40 }), { maxLength: 3 }),
});
const clientKeyExchange = fc.record({ publicPoint: fc.uint8Array({ minLength: 1, maxLength: 97 }) });
const certificateVerify = fc.record({ signatureScheme: u16, signature: fc.uint8Array({ minLength: 1, maxLength: 300 }) });
const finished = fc.record({ verifyData: fc.uint8Array({ minLength: 12, maxLength: 12 }) });

/** Plain arrays, so equality ignores which buffer a view points into. */
function plain(value: unknown): unknown {
	if (value instanceof Uint8Array) return [...value];
	if (Array.isArray(value)) return value.map(plain);
	if (value !== null && typeof value === 'object') {
		return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, plain(inner)]));
	}
	return value;
}

function parseOne(bytes: Uint8Array): HandshakeMessage {
	const assembler = new HandshakeAssembler();
	assembler.push(bytes);
	const message = assembler.next();
	expect(assembler.midMessage).toBe(false);
	return message!;
}

interface Codec {
	name: string;
	type: number;
	arbitrary: fc.Arbitrary<unknown>;
	encode(value: unknown): Uint8Array;
	decode(body: Uint8Array): unknown;
}

const codec = <T,>(
	name: string,
	type: number,
	arbitrary: fc.Arbitrary<T>,
	encode: (value: T) => Uint8Array,
	decode: (body: Uint8Array) => unknown,
): Codec => ({ name, type, arbitrary, encode: encode as (value: unknown) => Uint8Array, decode });

const CODECS: Codec[] = [
	codec('ClientHello', HANDSHAKE_TYPE.clientHello, clientHello, encodeClientHello, decodeClientHello),
	codec('ServerHello', HANDSHAKE_TYPE.serverHello, serverHello, encodeServerHello, decodeServerHello),
	codec('Certificate', HANDSHAKE_TYPE.certificate, certificate, encodeCertificate, decodeCertificate),
	codec('ServerKeyExchange', HANDSHAKE_TYPE.serverKeyExchange, serverKeyExchange, encodeServerKeyExchange, (body) => {
		const { params: _params, ...rest } = decodeServerKeyExchange(body);
		return rest;
	}),
	codec('CertificateRequest', HANDSHAKE_TYPE.certificateRequest, certificateRequest, encodeCertificateRequest, decodeCertificateRequest),
	codec('ClientKeyExchange', HANDSHAKE_TYPE.clientKeyExchange, clientKeyExchange, encodeClientKeyExchange, decodeClientKeyExchange),
	codec('CertificateVerify', HANDSHAKE_TYPE.certificateVerify, certificateVerify, encodeCertificateVerify, decodeCertificateVerify),
	codec('Finished', HANDSHAKE_TYPE.finished, finished, encodeFinished, decodeFinished),
];

/** Decoding may succeed or fail, but a failure is always a DeviceError with code 'tls'. */
function decodeSafely(decode: (body: Uint8Array) => unknown, body: Uint8Array): void {
	try {
		decode(body);
	} catch (error) {
		if (!isDeviceError(error, 'tls')) throw error;
	}
}

describe('handshake message codecs', () => {
	for (const { name, type, arbitrary, encode, decode } of CODECS) {
		it(`${name}: decode(encode(x)) = x`, () => {
			fc.assert(
				fc.property(arbitrary, (value) => {
					const message = parseOne(encode(value));
					expect(message.type).toBe(type);
					expect(plain(decode(message.body))).toEqual(plain(value));
				}),
				{ numRuns: 60 },
			);
		});

		it(`${name}: random, truncated, extended and mutated bodies only ever fail with a TLS DeviceError`, () => {
			const mutated = arbitrary.chain((value) => {
				const body = parseOne(encode(value)).body;
				return fc.oneof(
					fc.uint8Array({ maxLength: 200 }),
					fc.nat({ max: body.length }).map((end) => body.subarray(0, end)),
					fc.uint8Array({ minLength: 1, maxLength: 8 }).map((extra) => concatBytes([body, extra])),
					fc.tuple(fc.nat(), u8).map(([at, value]) => {
						const copy = body.slice();
						if (copy.length > 0) copy[at % copy.length] = value;
						return copy;
					}),
				);
			});
			fc.assert(fc.property(mutated, (body) => decodeSafely(decode, body)), { numRuns: 150 });
		});
	}

	it('ServerHelloDone is empty and nothing else', () => {
		expect(parseOne(encodeServerHelloDone()).body.length).toBe(0);
		expect(() => decodeServerHelloDone(Uint8Array.of(0))).toThrow(/malformed/);
	});

	it('refuses repeated extensions and overlong session ids', () => {
		const hello = {
			version: 0x0303,
			random: new Uint8Array(32),
			sessionId: new Uint8Array(0),
			cipherSuites: [0xc02f],
			compressionMethods: [0],
			extensions: [
				{ type: 23, data: new Uint8Array(0) },
				{ type: 23, data: new Uint8Array(0) },
			],
		};
		expect(() => decodeClientHello(parseOne(encodeClientHello(hello)).body)).toThrow(/repeated an extension/);
		const long = encodeClientHello({ ...hello, sessionId: new Uint8Array(33), extensions: [] });
		expect(() => decodeClientHello(parseOne(long).body)).toThrow(/malformed/);
	});

	it('gives the ServerKeyExchange params exactly as signed', () => {
		const message = encodeServerKeyExchange({
			namedCurve: 23,
			publicPoint: Uint8Array.of(4, 1, 2),
			signatureScheme: 0x0401,
			signature: Uint8Array.of(9, 9),
		});
		expect([...decodeServerKeyExchange(parseOne(message).body).params]).toEqual([3, 0, 23, 3, 4, 1, 2]);
	});
});

describe('HandshakeAssembler', () => {
	it('reassembles messages split across records and packed into one', () => {
		const messages = fc.array(
			fc.record({ type: u8, body: fc.uint8Array({ maxLength: 300 }) }).map(({ type, body }) => encodeHandshake(type, body)),
			{ minLength: 1, maxLength: 6 },
		);
		fc.assert(
			fc.property(messages, fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 20 }), (list, sizes) => {
				const stream = concatBytes(list);
				const assembler = new HandshakeAssembler();
				const out: number[][] = [];
				let offset = 0;
				for (let i = 0; offset < stream.length; i++) {
					const size = sizes[i % sizes.length]!;
					assembler.push(stream.subarray(offset, offset + size));
					offset += size;
					for (let m = assembler.next(); m !== undefined; m = assembler.next()) out.push([...m.raw]);
				}
				expect(out).toEqual(list.map((m) => [...m]));
				expect(assembler.midMessage).toBe(false);
			}),
		);
	});

	it('refuses an oversized length from its header alone', () => {
		const assembler = new HandshakeAssembler();
		const length = MAX_HANDSHAKE_MESSAGE_LENGTH + 1;
		assembler.push(Uint8Array.of(11, length >> 16, (length >> 8) & 0xff, length & 0xff));
		expect(() => assembler.next()).toThrow(expect.objectContaining({ code: 'tls', alert: 'illegal_parameter' }));
	});
});
