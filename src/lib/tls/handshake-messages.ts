import { ByteReader, build, type ByteWriter } from '../bytes';
import { TlsError, malformed } from './tls-error';

/** Handshake messages of TLS 1.2 (RFC 5246 §7.4, RFC 4492 §5 for the ECDHE parts): types and codecs. */

export const HANDSHAKE_TYPE = {
	helloRequest: 0,
	clientHello: 1,
	serverHello: 2,
	certificate: 11,
	serverKeyExchange: 12,
	certificateRequest: 13,
	serverHelloDone: 14,
	certificateVerify: 15,
	clientKeyExchange: 16,
	finished: 20,
} as const;

const TYPE_NAMES = new Map<number, string>([
	[0, 'HelloRequest'],
	[1, 'ClientHello'],
	[2, 'ServerHello'],
	[11, 'Certificate'],
	[12, 'ServerKeyExchange'],
	[13, 'CertificateRequest'],
	[14, 'ServerHelloDone'],
	[15, 'CertificateVerify'],
	[16, 'ClientKeyExchange'],
	[20, 'Finished'],
]);

export function handshakeTypeName(type: number): string {
	return TYPE_NAMES.get(type) ?? `handshake message ${type}`;
}

export const HANDSHAKE_HEADER_LENGTH = 4;
/** Our own messages are a few KB; a peer's certificate chain could be larger, but not this large. */
export const MAX_HANDSHAKE_MESSAGE_LENGTH = 65_536;

export const EXTENSION = {
	supportedGroups: 0x000a,
	ecPointFormats: 0x000b,
	signatureAlgorithms: 0x000d,
	extendedMasterSecret: 0x0017,
	renegotiationInfo: 0xff01,
} as const;

/** The signalling cipher suite value of RFC 5746: a client's way to say "secure renegotiation" in the suite list. */
export const EMPTY_RENEGOTIATION_INFO_SCSV = 0x00ff;
export const NULL_COMPRESSION = 0;
export const UNCOMPRESSED_POINT_FORMAT = 0;
/** ECCurveType named_curve: the only kind of ECDHE parameters anyone sends. */
export const NAMED_CURVE = 3;
/** ClientCertificateType rsa_sign. */
export const RSA_SIGN = 1;

/** A whole handshake message: `raw` (header and body) is what goes into the transcript. */
export interface HandshakeMessage {
	type: number;
	body: Uint8Array;
	raw: Uint8Array;
}

export interface Extension {
	type: number;
	data: Uint8Array;
}

export interface ClientHello {
	version: number;
	random: Uint8Array;
	sessionId: Uint8Array;
	cipherSuites: number[];
	compressionMethods: number[];
	extensions: Extension[];
}

export interface ServerHello {
	version: number;
	random: Uint8Array;
	sessionId: Uint8Array;
	cipherSuite: number;
	compressionMethod: number;
	extensions: Extension[];
}

export interface CertificateMessage {
	/** DER certificates, the peer's own first. */
	certificates: Uint8Array[];
}

export interface ServerKeyExchange {
	namedCurve: number;
	publicPoint: Uint8Array;
	signatureScheme: number;
	signature: Uint8Array;
}

export interface CertificateRequest {
	certificateTypes: number[];
	signatureSchemes: number[];
	/** DER distinguished names of acceptable CAs; usually empty. */
	authorities: Uint8Array[];
}

export interface ClientKeyExchange {
	publicPoint: Uint8Array;
}

export interface CertificateVerify {
	signatureScheme: number;
	signature: Uint8Array;
}

export interface Finished {
	verifyData: Uint8Array;
}

export function encodeHandshake(type: number, body: Uint8Array): Uint8Array<ArrayBuffer> {
	return build((w) => w.u8(type).vector(3, body));
}

// ---- ClientHello / ServerHello ---------------------------------------------------------------

export function encodeClientHello(hello: ClientHello): Uint8Array<ArrayBuffer> {
	return encodeHandshake(
		HANDSHAKE_TYPE.clientHello,
		build((w) => {
			w.u16(hello.version).bytes(hello.random).vector(1, hello.sessionId);
			w.vector(2, (v) => hello.cipherSuites.forEach((suite) => v.u16(suite)));
			w.vector(1, Uint8Array.from(hello.compressionMethods));
			writeExtensions(w, hello.extensions);
		}),
	);
}

export function decodeClientHello(body: Uint8Array): ClientHello {
	const what = 'ClientHello';
	const p = new ByteReader(body, () => malformed(what));
	const version = p.u16();
	const random = p.bytes(32);
	const sessionId = p.vector(1);
	if (sessionId.length > 32) throw malformed(what);
	const cipherSuites = p.u16List(2, 2);
	const compressionMethods = [...p.vector(1, 1)];
	const extensions = readExtensions(p, what);
	p.end();
	return { version, random, sessionId, cipherSuites, compressionMethods, extensions };
}

export function encodeServerHello(hello: ServerHello): Uint8Array<ArrayBuffer> {
	return encodeHandshake(
		HANDSHAKE_TYPE.serverHello,
		build((w) => {
			w.u16(hello.version).bytes(hello.random).vector(1, hello.sessionId);
			w.u16(hello.cipherSuite).u8(hello.compressionMethod);
			writeExtensions(w, hello.extensions);
		}),
	);
}

export function decodeServerHello(body: Uint8Array): ServerHello {
	const what = 'ServerHello';
	const p = new ByteReader(body, () => malformed(what));
	const version = p.u16();
	const random = p.bytes(32);
	const sessionId = p.vector(1);
	if (sessionId.length > 32) throw malformed(what);
	const cipherSuite = p.u16();
	const compressionMethod = p.u8();
	const extensions = readExtensions(p, what);
	p.end();
	return { version, random, sessionId, cipherSuite, compressionMethod, extensions };
}

/** An empty list is sent as no extensions block at all, which is what old peers expect. */
function writeExtensions(w: ByteWriter, extensions: readonly Extension[]): void {
	if (extensions.length === 0) return;
	w.vector(2, (list) => {
		for (const extension of extensions) list.u16(extension.type).vector(2, extension.data);
	});
}

function readExtensions(p: ByteReader, what: string): Extension[] {
	if (p.remaining === 0) return [];
	const list = new ByteReader(p.vector(2), () => malformed(what));
	const extensions: Extension[] = [];
	const seen = new Set<number>();
	while (list.remaining > 0) {
		const type = list.u16();
		if (seen.has(type)) throw new TlsError(`its ${what} repeated an extension.`, 'decode_error');
		seen.add(type);
		extensions.push({ type, data: list.vector(2) });
	}
	return extensions;
}

export function findExtension(extensions: readonly Extension[], type: number): Uint8Array | undefined {
	return extensions.find((extension) => extension.type === type)?.data;
}

// ---- extension bodies ---------------------------------------------------------------------------

export function encodeU16ListExtension(values: readonly number[]): Uint8Array<ArrayBuffer> {
	return build((w) => w.vector(2, (v) => values.forEach((value) => v.u16(value))));
}

/** supported_groups and signature_algorithms: a non-empty list of 16-bit values. */
export function decodeU16ListExtension(data: Uint8Array, what: string): number[] {
	const p = new ByteReader(data, () => malformed(what));
	const values = p.u16List(2, 2);
	p.end();
	return values;
}

export function decodePointFormats(data: Uint8Array): number[] {
	const p = new ByteReader(data, () => malformed('ec_point_formats extension'));
	const formats = [...p.vector(1, 1)];
	p.end();
	return formats;
}

/** renegotiation_info: the previous Finished data, empty on a first handshake. */
export function decodeRenegotiationInfo(data: Uint8Array): Uint8Array {
	const p = new ByteReader(data, () => malformed('renegotiation_info extension'));
	const connection = p.vector(1);
	p.end();
	return connection;
}

// ---- Certificate -------------------------------------------------------------------------------

export function encodeCertificate(message: CertificateMessage): Uint8Array<ArrayBuffer> {
	return encodeHandshake(
		HANDSHAKE_TYPE.certificate,
		build((w) => w.vector(3, (list) => message.certificates.forEach((der) => list.vector(3, der)))),
	);
}

export function decodeCertificate(body: Uint8Array): CertificateMessage {
	const what = 'Certificate message';
	const p = new ByteReader(body, () => malformed(what));
	const list = new ByteReader(p.vector(3), () => malformed(what));
	p.end();
	const certificates: Uint8Array[] = [];
	while (list.remaining > 0) certificates.push(list.vector(3, 1));
	return { certificates };
}

// ---- ServerKeyExchange (ECDHE) ----------------------------------------------------------------

/** ServerECDHParams: what the server's signature covers, after the two randoms. */
export function encodeEcdhParams(namedCurve: number, publicPoint: Uint8Array): Uint8Array<ArrayBuffer> {
	return build((w) => w.u8(NAMED_CURVE).u16(namedCurve).vector(1, publicPoint));
}

export function encodeServerKeyExchange(message: ServerKeyExchange): Uint8Array<ArrayBuffer> {
	return encodeHandshake(
		HANDSHAKE_TYPE.serverKeyExchange,
		build((w) => {
			w.bytes(encodeEcdhParams(message.namedCurve, message.publicPoint));
			w.u16(message.signatureScheme).vector(2, message.signature);
		}),
	);
}

/** Also returns `params`, the exact bytes the signature covers. */
export function decodeServerKeyExchange(body: Uint8Array): ServerKeyExchange & { params: Uint8Array } {
	const what = 'ServerKeyExchange';
	const p = new ByteReader(body, () => malformed(what));
	const curveType = p.u8();
	if (curveType !== NAMED_CURVE) {
		throw new TlsError('it offered key-exchange parameters of a kind we do not support.', 'handshake_failure');
	}
	const namedCurve = p.u16();
	const publicPoint = p.vector(1, 1);
	const params = body.subarray(0, 4 + publicPoint.length);
	const signatureScheme = p.u16();
	const signature = p.vector(2, 1);
	p.end();
	return { namedCurve, publicPoint, signatureScheme, signature, params };
}

// ---- CertificateRequest ------------------------------------------------------------------------

export function encodeCertificateRequest(message: CertificateRequest): Uint8Array<ArrayBuffer> {
	return encodeHandshake(
		HANDSHAKE_TYPE.certificateRequest,
		build((w) => {
			w.vector(1, Uint8Array.from(message.certificateTypes));
			w.vector(2, (v) => message.signatureSchemes.forEach((scheme) => v.u16(scheme)));
			w.vector(2, (v) => message.authorities.forEach((name) => v.vector(2, name)));
		}),
	);
}

export function decodeCertificateRequest(body: Uint8Array): CertificateRequest {
	const what = 'CertificateRequest';
	const p = new ByteReader(body, () => malformed(what));
	const certificateTypes = [...p.vector(1, 1)];
	const signatureSchemes = p.u16List(2, 2);
	const names = new ByteReader(p.vector(2), () => malformed(what));
	p.end();
	const authorities: Uint8Array[] = [];
	while (names.remaining > 0) authorities.push(names.vector(2, 1));
	return { certificateTypes, signatureSchemes, authorities };
}

// ---- the small ones ----------------------------------------------------------------------------

export function encodeServerHelloDone(): Uint8Array<ArrayBuffer> {
	return encodeHandshake(HANDSHAKE_TYPE.serverHelloDone, new Uint8Array(0));
}

export function decodeServerHelloDone(body: Uint8Array): void {
	new ByteReader(body, () => malformed('ServerHelloDone')).end();
}

export function encodeClientKeyExchange(message: ClientKeyExchange): Uint8Array<ArrayBuffer> {
	return encodeHandshake(HANDSHAKE_TYPE.clientKeyExchange, build((w) => w.vector(1, message.publicPoint)));
}

export function decodeClientKeyExchange(body: Uint8Array): ClientKeyExchange {
	const p = new ByteReader(body, () => malformed('ClientKeyExchange'));
	const publicPoint = p.vector(1, 1);
	p.end();
	return { publicPoint };
}

export function encodeCertificateVerify(message: CertificateVerify): Uint8Array<ArrayBuffer> {
	return encodeHandshake(
		HANDSHAKE_TYPE.certificateVerify,
		build((w) => w.u16(message.signatureScheme).vector(2, message.signature)),
	);
}

export function decodeCertificateVerify(body: Uint8Array): CertificateVerify {
	const p = new ByteReader(body, () => malformed('CertificateVerify'));
	const signatureScheme = p.u16();
	const signature = p.vector(2, 1);
	p.end();
	return { signatureScheme, signature };
}

export const VERIFY_DATA_LENGTH = 12;

export function encodeFinished(message: Finished): Uint8Array<ArrayBuffer> {
	return encodeHandshake(HANDSHAKE_TYPE.finished, message.verifyData);
}

export function decodeFinished(body: Uint8Array): Finished {
	if (body.length !== VERIFY_DATA_LENGTH) throw malformed('Finished message');
	return { verifyData: body };
}

// ---- reassembly ----------------------------------------------------------------------------------

/**
 * Joins handshake records into messages: a message may span records and a record may hold several.
 * Lengths are checked against `MAX_HANDSHAKE_MESSAGE_LENGTH` before anything is buffered for them.
 */
export class HandshakeAssembler {
	#pending: Uint8Array = new Uint8Array(0);

	/** True when a message has begun but not ended: a key change or other record may not come now. */
	get midMessage(): boolean {
		return this.#pending.length > 0;
	}

	push(fragment: Uint8Array): void {
		if (this.#pending.length === 0) {
			this.#pending = fragment;
			return;
		}
		const joined = new Uint8Array(this.#pending.length + fragment.length);
		joined.set(this.#pending);
		joined.set(fragment, this.#pending.length);
		this.#pending = joined;
	}

	next(): HandshakeMessage | undefined {
		const pending = this.#pending;
		if (pending.length < HANDSHAKE_HEADER_LENGTH) return undefined;
		const length = (pending[1]! << 16) | (pending[2]! << 8) | pending[3]!;
		if (length > MAX_HANDSHAKE_MESSAGE_LENGTH) {
			throw new TlsError(`it announced a handshake message of ${length} bytes, far more than we accept.`, 'illegal_parameter');
		}
		const total = HANDSHAKE_HEADER_LENGTH + length;
		if (pending.length < total) return undefined;
		const raw = pending.slice(0, total);
		this.#pending = pending.subarray(total);
		return { type: raw[0]!, body: raw.subarray(HANDSHAKE_HEADER_LENGTH), raw };
	}
}
