import {
	CIPHER_SUITES,
	NAMED_GROUPS,
	SIGNATURE_SCHEMES,
	cipherSuiteById,
	namedGroupById,
	signatureSchemeById,
	signatureSchemeName,
	type CipherSuite,
	type NamedGroup,
} from './algorithms';
import { concatBytes } from '../bytes';
import { isSubjectPublicKeyInfo, samePublicKey, subjectPublicKeyInfoOf } from './der';
import {
	checkedCipherSuites,
	checkPeerFinished,
	keyLogLine,
	type HandshakeMachine,
	type HandshakeOutput,
	type TlsSessionInfo,
} from './handshake-machine';
import {
	EXTENSION,
	HANDSHAKE_TYPE,
	NULL_COMPRESSION,
	RSA_SIGN,
	UNCOMPRESSED_POINT_FORMAT,
	decodeCertificate,
	decodeCertificateRequest,
	decodePointFormats,
	decodeRenegotiationInfo,
	decodeServerHello,
	decodeServerHelloDone,
	decodeServerKeyExchange,
	encodeCertificate,
	encodeCertificateVerify,
	encodeClientHello,
	encodeClientKeyExchange,
	encodeFinished,
	encodeU16ListExtension,
	handshakeTypeName,
	type CertificateRequest,
	type Extension,
	type HandshakeMessage,
} from './handshake-messages';
import {
	chooseSigningKey,
	generateKeyShare,
	sharedSecret,
	sign,
	signingKeys,
	verifySignature,
	type SigningKey,
} from './key-exchange';
import { finishedVerifyData, handshakeMasterSecret, trafficKeys } from './key-schedule';
import { AesGcmRecordCipher } from './record-cipher';
import { TLS12 } from './record-layer';
import { TlsError, unexpected } from './tls-error';

export interface TlsClientOptions {
	/** Our certificate (DER): the pair record's HostCertificate (or RootCertificate). */
	certificate: Uint8Array;
	/**
	 * The certificate's private key, for CertificateVerify; non-extractable is fine and intended.
	 * WebCrypto binds a key to one scheme, so pass several imports of the same key to offer several
	 * (e.g. RSASSA-PKCS1-v1_5/SHA-256 and RSA-PSS/SHA-256); the first the server accepts is used.
	 */
	privateKey: CryptoKey | readonly CryptoKey[];
	/**
	 * The key the server must prove it holds: SubjectPublicKeyInfo DER of the paired device's key.
	 * A server with any other key is refused: it is not the phone we paired with.
	 */
	serverPublicKey: Uint8Array;
	/** Suites to offer, in our order of preference (default: both AES-GCM suites, AES-128 first). */
	cipherSuites?: readonly number[];
	/** Receives the SSLKEYLOGFILE line of the session: for tests and debugging only. */
	onKeyLog?: (line: string) => void;
}

type State =
	| 'start'
	| 'server-hello'
	| 'certificate'
	| 'server-key-exchange'
	| 'certificate-request'
	| 'server-hello-done'
	| 'change-cipher-spec'
	| 'finished'
	| 'established';

const OFFERED_EXTENSIONS = new Set<number>([
	EXTENSION.supportedGroups,
	EXTENSION.ecPointFormats,
	EXTENSION.signatureAlgorithms,
	EXTENSION.extendedMasterSecret,
	EXTENSION.renegotiationInfo,
]);

/** The client side of the handshake (RFC 5246 §7.3, full handshake, no resumption). */
export class ClientHandshake implements HandshakeMachine {
	readonly role = 'client';
	readonly #options: TlsClientOptions;
	readonly #signers: SigningKey[];
	readonly #suites: number[];
	#state: State = 'start';
	#transcript: Uint8Array[] = [];
	readonly #clientRandom = globalThis.crypto.getRandomValues(new Uint8Array(32));
	#serverRandom: Uint8Array = new Uint8Array(0);
	#suite: CipherSuite | undefined;
	#extendedMasterSecret = false;
	#serverCertificates: Uint8Array[] = [];
	#serverKeyInfo: Uint8Array | undefined;
	#group: NamedGroup | undefined;
	#serverPoint: Uint8Array | undefined;
	#peerScheme = '';
	#request: CertificateRequest | undefined;
	#ownScheme: string | undefined;
	#master: Uint8Array | undefined;
	#readCipher: AesGcmRecordCipher | undefined;
	#session: TlsSessionInfo | undefined;

	constructor(options: TlsClientOptions) {
		if (!(options.certificate instanceof Uint8Array) || subjectPublicKeyInfoOf(options.certificate) === undefined) {
			throw new TlsError('this computer’s certificate is not a valid DER certificate.', 'internal_error');
		}
		if (!(options.serverPublicKey instanceof Uint8Array) || !isSubjectPublicKeyInfo(options.serverPublicKey)) {
			throw new TlsError('the iPhone’s expected key is not a valid public key.', 'internal_error');
		}
		this.#options = options;
		this.#signers = signingKeys(options.privateKey, 'this computer');
		this.#suites = checkedCipherSuites(options.cipherSuites ?? CIPHER_SUITES.map((suite) => suite.id));
	}

	get established(): boolean {
		return this.#state === 'established';
	}

	get session(): TlsSessionInfo | undefined {
		return this.#session;
	}

	async start(): Promise<HandshakeOutput[]> {
		if (this.#state !== 'start') throw new TlsError('the handshake was started twice.', 'internal_error');
		const extensions: Extension[] = [
			{ type: EXTENSION.supportedGroups, data: encodeU16ListExtension(NAMED_GROUPS.map((group) => group.id)) },
			{ type: EXTENSION.ecPointFormats, data: Uint8Array.of(1, UNCOMPRESSED_POINT_FORMAT) },
			{ type: EXTENSION.signatureAlgorithms, data: encodeU16ListExtension(SIGNATURE_SCHEMES.map((s) => s.id)) },
			{ type: EXTENSION.extendedMasterSecret, data: new Uint8Array(0) },
			// An empty renegotiation_info says "secure renegotiation" (RFC 5746); we never renegotiate,
			// and do not require the server to answer it (old lockdownd does not).
			{ type: EXTENSION.renegotiationInfo, data: Uint8Array.of(0) },
		];
		const hello = encodeClientHello({
			version: TLS12,
			random: this.#clientRandom,
			sessionId: new Uint8Array(0),
			cipherSuites: this.#suites,
			compressionMethods: [NULL_COMPRESSION],
			extensions,
		});
		this.#transcript.push(hello);
		this.#state = 'server-hello';
		return [{ kind: 'handshake', message: hello }];
	}

	async receiveMessage(message: HandshakeMessage): Promise<HandshakeOutput[]> {
		const expected = this.#expectedTypes();
		if (!expected.includes(message.type)) throw unexpected(`a ${handshakeTypeName(message.type)} message`);
		// Finished is checked against the transcript without itself; every other message joins it first.
		if (message.type === HANDSHAKE_TYPE.finished) return this.#receiveFinished(message);
		this.#transcript.push(message.raw);
		switch (message.type) {
			case HANDSHAKE_TYPE.serverHello:
				this.#receiveServerHello(message.body);
				return [];
			case HANDSHAKE_TYPE.certificate:
				this.#receiveCertificate(message.body);
				return [];
			case HANDSHAKE_TYPE.serverKeyExchange:
				await this.#receiveServerKeyExchange(message.body);
				return [];
			case HANDSHAKE_TYPE.certificateRequest:
				this.#receiveCertificateRequest(message.body);
				return [];
			default:
				decodeServerHelloDone(message.body);
				return this.#sendClientFlight();
		}
	}

	receiveChangeCipherSpec(): AesGcmRecordCipher {
		if (this.#state !== 'change-cipher-spec' || this.#readCipher === undefined) throw unexpected('a ChangeCipherSpec');
		this.#state = 'finished';
		return this.#readCipher;
	}

	#expectedTypes(): number[] {
		switch (this.#state) {
			case 'server-hello':
				return [HANDSHAKE_TYPE.serverHello];
			case 'certificate':
				return [HANDSHAKE_TYPE.certificate];
			case 'server-key-exchange':
				return [HANDSHAKE_TYPE.serverKeyExchange];
			case 'certificate-request':
				return [HANDSHAKE_TYPE.certificateRequest, HANDSHAKE_TYPE.serverHelloDone];
			case 'server-hello-done':
				return [HANDSHAKE_TYPE.serverHelloDone];
			case 'finished':
				return [HANDSHAKE_TYPE.finished];
			default:
				return [];
		}
	}

	#receiveServerHello(body: Uint8Array): void {
		const hello = decodeServerHello(body);
		if (hello.version !== TLS12) {
			throw new TlsError(
				`it chose TLS version 0x${hello.version.toString(16)}; only TLS 1.2 is supported.`,
				'protocol_version',
			);
		}
		const suite = cipherSuiteById(hello.cipherSuite);
		if (suite === undefined || !this.#suites.includes(hello.cipherSuite)) {
			throw new TlsError('it chose an encryption method we did not offer.', 'illegal_parameter');
		}
		if (hello.compressionMethod !== NULL_COMPRESSION) {
			throw new TlsError('it chose a compression method we did not offer.', 'illegal_parameter');
		}
		for (const extension of hello.extensions) {
			if (!OFFERED_EXTENSIONS.has(extension.type)) {
				throw new TlsError('it answered with an extension we did not offer.', 'unsupported_extension');
			}
			if (extension.type === EXTENSION.extendedMasterSecret) {
				if (extension.data.length !== 0) throw new TlsError('its extended_master_secret extension was malformed.', 'decode_error');
				this.#extendedMasterSecret = true;
			} else if (extension.type === EXTENSION.renegotiationInfo) {
				if (decodeRenegotiationInfo(extension.data).length !== 0) {
					throw new TlsError('it claimed a renegotiation on a first handshake.', 'handshake_failure');
				}
			} else if (extension.type === EXTENSION.ecPointFormats) {
				if (!decodePointFormats(extension.data).includes(UNCOMPRESSED_POINT_FORMAT)) {
					throw new TlsError('it does not accept uncompressed curve points.', 'illegal_parameter');
				}
			} else {
				// supported_groups and signature_algorithms are client-only (RFC 4492 §5.2, RFC 5246 §7.4.1.4.1).
				throw new TlsError('it answered with an extension a server may not send.', 'unsupported_extension');
			}
		}
		this.#suite = suite;
		this.#serverRandom = hello.random;
		this.#state = 'certificate';
	}

	#receiveCertificate(body: Uint8Array): void {
		const { certificates } = decodeCertificate(body);
		const leaf = certificates[0];
		if (leaf === undefined) throw new TlsError('it sent no certificate.', 'handshake_failure');
		const keyInfo = subjectPublicKeyInfoOf(leaf);
		if (keyInfo === undefined) throw new TlsError('its certificate could not be read.', 'bad_certificate');
		if (!samePublicKey(keyInfo, this.#options.serverPublicKey)) {
			throw new TlsError('this is not the iPhone this computer was paired with (its key does not match).', 'bad_certificate', {
				advice:
					'If this is a different iPhone, or it was erased or restored, remove the old pairing and trust this computer again.',
			});
		}
		this.#serverCertificates = certificates;
		this.#serverKeyInfo = keyInfo;
		this.#state = 'server-key-exchange';
	}

	async #receiveServerKeyExchange(body: Uint8Array): Promise<void> {
		const exchange = decodeServerKeyExchange(body);
		const group = namedGroupById(exchange.namedCurve);
		if (group === undefined) throw new TlsError('it chose an elliptic curve we did not offer.', 'illegal_parameter');
		const scheme = signatureSchemeById(exchange.signatureScheme);
		if (scheme === undefined) throw new TlsError('it signed with a method we did not offer.', 'illegal_parameter');
		const signed = concatBytes([this.#clientRandom, this.#serverRandom, exchange.params]);
		if (!(await verifySignature(this.#serverKeyInfo!, scheme, exchange.signature, signed))) {
			throw new TlsError('its signature on the key exchange is not valid.', 'decrypt_error');
		}
		this.#group = group;
		this.#serverPoint = exchange.publicPoint;
		this.#peerScheme = scheme.name;
		this.#state = 'certificate-request';
	}

	#receiveCertificateRequest(body: Uint8Array): void {
		this.#request = decodeCertificateRequest(body);
		this.#state = 'server-hello-done';
	}

	async #sendClientFlight(): Promise<HandshakeOutput[]> {
		const suite = this.#suite!;
		const out: HandshakeOutput[] = [];
		const send = (message: Uint8Array) => {
			this.#transcript.push(message);
			out.push({ kind: 'handshake', message });
		};

		let signer: SigningKey | undefined;
		const request = this.#request;
		if (request !== undefined) {
			signer = chooseSigningKey(this.#signers, request.signatureSchemes);
			if (!request.certificateTypes.includes(RSA_SIGN) || signer === undefined) {
				const listed = request.signatureSchemes.map(signatureSchemeName).join(', ');
				throw new TlsError(`it asks for a kind of signature this computer’s key cannot make (${listed}).`, 'handshake_failure');
			}
			send(encodeCertificate({ certificates: [this.#options.certificate] }));
		}

		const share = await generateKeyShare(this.#group!);
		send(encodeClientKeyExchange({ publicPoint: share.publicPoint }));
		const preMaster = await sharedSecret(share, this.#serverPoint!);
		const master = await handshakeMasterSecret(suite, preMaster, {
			extendedMasterSecret: this.#extendedMasterSecret,
			transcript: this.#transcript,
			clientRandom: this.#clientRandom,
			serverRandom: this.#serverRandom,
		});
		this.#master = master;
		this.#options.onKeyLog?.(keyLogLine(this.#clientRandom, master));

		if (signer !== undefined) {
			// CertificateVerify covers every message so far (RFC 5246 §7.4.8); WebCrypto hashes it.
			const signature = await sign(signer, concatBytes(this.#transcript));
			send(encodeCertificateVerify({ signatureScheme: signer.scheme.id, signature }));
			this.#ownScheme = signer.scheme.name;
		}

		const keys = await trafficKeys(suite, master, this.#clientRandom, this.#serverRandom);
		const writeCipher = await AesGcmRecordCipher.create(keys.clientKey, keys.clientIv);
		this.#readCipher = await AesGcmRecordCipher.create(keys.serverKey, keys.serverIv);
		out.push({ kind: 'change-cipher-spec', cipher: writeCipher });
		send(encodeFinished({ verifyData: await finishedVerifyData(suite, master, 'client', this.#transcript) }));
		this.#state = 'change-cipher-spec';
		return out;
	}

	async #receiveFinished(message: HandshakeMessage): Promise<HandshakeOutput[]> {
		await checkPeerFinished(this.#suite!, this.#master!, 'server', this.#transcript, message.body);
		this.#session = {
			version: 'TLSv1.2',
			cipherSuite: this.#suite!.name,
			namedGroup: this.#group!.name,
			extendedMasterSecret: this.#extendedMasterSecret,
			peerCertificates: this.#serverCertificates,
			peerSignatureScheme: this.#peerScheme,
			ownSignatureScheme: this.#ownScheme,
			requestedSignatureSchemes: this.#request?.signatureSchemes.map(signatureSchemeName),
		};
		// The secrets have done their job; drop them.
		this.#transcript = [];
		this.#master?.fill(0);
		this.#master = undefined;
		this.#state = 'established';
		return [];
	}
}
