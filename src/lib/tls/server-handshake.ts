import {
	ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	NAMED_GROUPS,
	SIGNATURE_SCHEMES,
	cipherSuiteById,
	signatureSchemeById,
	type CipherSuite,
	type NamedGroup,
} from './algorithms';
import { concatBytes } from '../bytes';
import { subjectPublicKeyInfoOf } from './der';
import {
	checkedCipherSuites,
	checkPeerFinished,
	keyLogLine,
	type HandshakeMachine,
	type HandshakeOutput,
	type TlsSessionInfo,
} from './handshake-machine';
import {
	EMPTY_RENEGOTIATION_INFO_SCSV,
	EXTENSION,
	HANDSHAKE_TYPE,
	NULL_COMPRESSION,
	RSA_SIGN,
	UNCOMPRESSED_POINT_FORMAT,
	decodeCertificate,
	decodeCertificateVerify,
	decodeClientHello,
	decodeClientKeyExchange,
	decodePointFormats,
	decodeRenegotiationInfo,
	decodeU16ListExtension,
	encodeCertificate,
	encodeCertificateRequest,
	encodeEcdhParams,
	encodeFinished,
	encodeServerHello,
	encodeServerHelloDone,
	encodeServerKeyExchange,
	findExtension,
	handshakeTypeName,
	type ClientHello,
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
	type KeyShare,
	type SigningKey,
} from './key-exchange';
import { finishedVerifyData, handshakeMasterSecret, trafficKeys, type TrafficKeys } from './key-schedule';
import { AesGcmRecordCipher } from './record-cipher';
import { TLS12 } from './record-layer';
import { TlsError, unexpected } from './tls-error';

export interface TlsServerOptions {
	/** Our certificate (DER): for the virtual iPhone, the pair record's DeviceCertificate. */
	certificate: Uint8Array;
	/** Its private key; one import per signature scheme to offer (see `TlsClientOptions.privateKey`). */
	privateKey: CryptoKey | readonly CryptoKey[];
	/**
	 * Decides whether the client's certificate is acceptable (for the simulator: "is signed by the
	 * pair record's root"). Possession of the key is checked separately, by CertificateVerify.
	 */
	verifyClientCertificate(certificates: readonly Uint8Array[]): boolean | Promise<boolean>;
	/** Suites in our order of preference (default: AES-256 first, as lockdownd was seen to choose). */
	cipherSuites?: readonly number[];
	/** Receives the SSLKEYLOGFILE line of the session: for tests and debugging only. */
	onKeyLog?: (line: string) => void;
}

type State =
	| 'client-hello'
	| 'client-certificate'
	| 'client-key-exchange'
	| 'certificate-verify'
	| 'change-cipher-spec'
	| 'finished'
	| 'established';

const EXPECTED_TYPE: Partial<Record<State, number>> = {
	'client-hello': HANDSHAKE_TYPE.clientHello,
	'client-certificate': HANDSHAKE_TYPE.certificate,
	'client-key-exchange': HANDSHAKE_TYPE.clientKeyExchange,
	'certificate-verify': HANDSHAKE_TYPE.certificateVerify,
	finished: HANDSHAKE_TYPE.finished,
};

/** The server side of the handshake, always asking for (and requiring) a client certificate. */
export class ServerHandshake implements HandshakeMachine {
	readonly role = 'server';
	readonly #options: TlsServerOptions;
	readonly #signers: SigningKey[];
	readonly #suites: number[];
	#state: State = 'client-hello';
	#transcript: Uint8Array[] = [];
	#clientRandom: Uint8Array = new Uint8Array(0);
	readonly #serverRandom = globalThis.crypto.getRandomValues(new Uint8Array(32));
	#suite: CipherSuite | undefined;
	#group: NamedGroup | undefined;
	#share: KeyShare | undefined;
	#extendedMasterSecret = false;
	#ownScheme = '';
	#peerScheme = '';
	#clientCertificates: Uint8Array[] = [];
	#clientKeyInfo: Uint8Array | undefined;
	#master: Uint8Array | undefined;
	#trafficKeys: TrafficKeys | undefined;
	#readCipher: AesGcmRecordCipher | undefined;
	#session: TlsSessionInfo | undefined;

	constructor(options: TlsServerOptions) {
		if (!(options.certificate instanceof Uint8Array) || subjectPublicKeyInfoOf(options.certificate) === undefined) {
			throw new TlsError('the server certificate given is not a valid certificate.', 'internal_error');
		}
		if (typeof options.verifyClientCertificate !== 'function') {
			throw new TlsError('no check for client certificates was given.', 'internal_error');
		}
		this.#options = options;
		this.#signers = signingKeys(options.privateKey, 'the server');
		this.#suites = checkedCipherSuites(options.cipherSuites ?? [ECDHE_RSA_WITH_AES_256_GCM_SHA384, ECDHE_RSA_WITH_AES_128_GCM_SHA256]);
	}

	get established(): boolean {
		return this.#state === 'established';
	}

	get session(): TlsSessionInfo | undefined {
		return this.#session;
	}

	async start(): Promise<HandshakeOutput[]> {
		return [];
	}

	async receiveMessage(message: HandshakeMessage): Promise<HandshakeOutput[]> {
		if (EXPECTED_TYPE[this.#state] !== message.type) throw unexpected(`a ${handshakeTypeName(message.type)} message`);
		switch (message.type) {
			case HANDSHAKE_TYPE.clientHello:
				this.#transcript.push(message.raw);
				return this.#receiveClientHello(message.body);
			case HANDSHAKE_TYPE.certificate:
				this.#transcript.push(message.raw);
				await this.#receiveCertificate(message.body);
				return [];
			case HANDSHAKE_TYPE.clientKeyExchange:
				this.#transcript.push(message.raw);
				await this.#receiveClientKeyExchange(message.body);
				return [];
			case HANDSHAKE_TYPE.certificateVerify:
				// Signed over the transcript before it; joins it afterwards.
				await this.#receiveCertificateVerify(message.body);
				this.#transcript.push(message.raw);
				return [];
			default:
				return this.#receiveFinished(message);
		}
	}

	receiveChangeCipherSpec(): AesGcmRecordCipher {
		if (this.#state !== 'change-cipher-spec' || this.#readCipher === undefined) throw unexpected('a ChangeCipherSpec');
		this.#state = 'finished';
		return this.#readCipher;
	}

	async #receiveClientHello(body: Uint8Array): Promise<HandshakeOutput[]> {
		const hello = decodeClientHello(body);
		if (hello.version < TLS12) {
			throw new TlsError('it only offers TLS versions older than 1.2.', 'protocol_version');
		}
		const suite = this.#suites.find((id) => hello.cipherSuites.includes(id));
		if (suite === undefined) throw new TlsError('it offers no encryption method we support.', 'handshake_failure');
		if (!hello.compressionMethods.includes(NULL_COMPRESSION)) {
			throw new TlsError('it insists on compression, which TLS 1.2 peers must not need.', 'illegal_parameter');
		}
		const group = this.#chooseGroup(hello);
		const signer = this.#chooseSigner(hello);
		const answerExtensions = this.#answerExtensions(hello);

		this.#suite = cipherSuiteById(suite)!;
		this.#group = group;
		this.#clientRandom = hello.random;

		const serverHello = encodeServerHello({
			version: TLS12,
			random: this.#serverRandom,
			sessionId: new Uint8Array(0),
			cipherSuite: suite,
			compressionMethod: NULL_COMPRESSION,
			extensions: answerExtensions,
		});
		const certificate = encodeCertificate({ certificates: [this.#options.certificate] });
		const share = await generateKeyShare(group);
		this.#share = share;
		const params = encodeEcdhParams(group.id, share.publicPoint);
		const signature = await sign(signer, concatBytes([this.#clientRandom, this.#serverRandom, params]));
		this.#ownScheme = signer.scheme.name;
		const keyExchange = encodeServerKeyExchange({
			namedCurve: group.id,
			publicPoint: share.publicPoint,
			signatureScheme: signer.scheme.id,
			signature,
		});
		const request = encodeCertificateRequest({
			certificateTypes: [RSA_SIGN],
			signatureSchemes: SIGNATURE_SCHEMES.map((scheme) => scheme.id),
			authorities: [],
		});
		const flight = [serverHello, certificate, keyExchange, request, encodeServerHelloDone()];
		this.#transcript.push(...flight);
		this.#state = 'client-certificate';
		return flight.map((message) => ({ kind: 'handshake', message }));
	}

	/** P-256 unless the client names only P-384; a client naming no groups accepts any (RFC 4492 §4). */
	#chooseGroup(hello: ClientHello): NamedGroup {
		const data = findExtension(hello.extensions, EXTENSION.supportedGroups);
		const offered = data === undefined ? undefined : decodeU16ListExtension(data, 'supported_groups extension');
		const group = NAMED_GROUPS.find((candidate) => offered === undefined || offered.includes(candidate.id));
		if (group === undefined) throw new TlsError('it offers no elliptic curve we support.', 'handshake_failure');
		const formats = findExtension(hello.extensions, EXTENSION.ecPointFormats);
		if (formats !== undefined && !decodePointFormats(formats).includes(UNCOMPRESSED_POINT_FORMAT)) {
			throw new TlsError('it does not accept uncompressed curve points.', 'illegal_parameter');
		}
		return group;
	}

	/** A client without signature_algorithms accepts only SHA-1 (RFC 5246 §7.4.1.4.1). */
	#chooseSigner(hello: ClientHello): SigningKey {
		const data = findExtension(hello.extensions, EXTENSION.signatureAlgorithms);
		const accepted = data === undefined ? [0x0201] : decodeU16ListExtension(data, 'signature_algorithms extension');
		const signer = chooseSigningKey(this.#signers, accepted);
		if (signer === undefined) throw new TlsError('it accepts no signature our key can make.', 'handshake_failure');
		return signer;
	}

	#answerExtensions(hello: ClientHello): Extension[] {
		const answer: Extension[] = [];
		const renegotiation = findExtension(hello.extensions, EXTENSION.renegotiationInfo);
		if (renegotiation !== undefined && decodeRenegotiationInfo(renegotiation).length !== 0) {
			throw new TlsError('it claimed a renegotiation on a first handshake.', 'handshake_failure');
		}
		if (renegotiation !== undefined || hello.cipherSuites.includes(EMPTY_RENEGOTIATION_INFO_SCSV)) {
			answer.push({ type: EXTENSION.renegotiationInfo, data: Uint8Array.of(0) });
		}
		const extendedMasterSecret = findExtension(hello.extensions, EXTENSION.extendedMasterSecret);
		if (extendedMasterSecret !== undefined) {
			if (extendedMasterSecret.length !== 0) {
				throw new TlsError('its extended_master_secret extension was malformed.', 'decode_error');
			}
			this.#extendedMasterSecret = true;
			answer.push({ type: EXTENSION.extendedMasterSecret, data: new Uint8Array(0) });
		}
		if (findExtension(hello.extensions, EXTENSION.ecPointFormats) !== undefined) {
			answer.push({ type: EXTENSION.ecPointFormats, data: Uint8Array.of(1, UNCOMPRESSED_POINT_FORMAT) });
		}
		return answer;
	}

	async #receiveCertificate(body: Uint8Array): Promise<void> {
		const { certificates } = decodeCertificate(body);
		const leaf = certificates[0];
		if (leaf === undefined) throw new TlsError('it sent no certificate, and one is required.', 'handshake_failure');
		const keyInfo = subjectPublicKeyInfoOf(leaf);
		if (keyInfo === undefined) throw new TlsError('its certificate could not be read.', 'bad_certificate');
		let accepted: boolean;
		try {
			accepted = await this.#options.verifyClientCertificate(certificates);
		} catch (cause) {
			throw new TlsError('its certificate could not be checked.', 'bad_certificate', { cause });
		}
		if (accepted !== true) throw new TlsError('its certificate is not one this device trusts.', 'bad_certificate');
		this.#clientCertificates = certificates;
		this.#clientKeyInfo = keyInfo;
		this.#state = 'client-key-exchange';
	}

	async #receiveClientKeyExchange(body: Uint8Array): Promise<void> {
		const { publicPoint } = decodeClientKeyExchange(body);
		const suite = this.#suite!;
		const preMaster = await sharedSecret(this.#share!, publicPoint);
		const master = await handshakeMasterSecret(suite, preMaster, {
			extendedMasterSecret: this.#extendedMasterSecret,
			transcript: this.#transcript,
			clientRandom: this.#clientRandom,
			serverRandom: this.#serverRandom,
		});
		this.#master = master;
		this.#options.onKeyLog?.(keyLogLine(this.#clientRandom, master));
		this.#trafficKeys = await trafficKeys(suite, master, this.#clientRandom, this.#serverRandom);
		this.#readCipher = await AesGcmRecordCipher.create(this.#trafficKeys.clientKey, this.#trafficKeys.clientIv);
		this.#state = 'certificate-verify';
	}

	async #receiveCertificateVerify(body: Uint8Array): Promise<void> {
		const verify = decodeCertificateVerify(body);
		const scheme = signatureSchemeById(verify.signatureScheme);
		if (scheme === undefined) throw new TlsError('it signed with a method we did not offer.', 'illegal_parameter');
		if (!(await verifySignature(this.#clientKeyInfo!, scheme, verify.signature, concatBytes(this.#transcript)))) {
			throw new TlsError('its signature does not prove it holds its certificate’s key.', 'decrypt_error');
		}
		this.#peerScheme = scheme.name;
		this.#state = 'change-cipher-spec';
	}

	async #receiveFinished(message: HandshakeMessage): Promise<HandshakeOutput[]> {
		const suite = this.#suite!;
		const master = this.#master!;
		await checkPeerFinished(suite, master, 'client', this.#transcript, message.body);
		this.#transcript.push(message.raw);
		const keys = this.#trafficKeys!;
		const writeCipher = await AesGcmRecordCipher.create(keys.serverKey, keys.serverIv);
		const finished = encodeFinished({ verifyData: await finishedVerifyData(suite, master, 'server', this.#transcript) });
		this.#session = {
			version: 'TLSv1.2',
			cipherSuite: suite.name,
			namedGroup: this.#group!.name,
			extendedMasterSecret: this.#extendedMasterSecret,
			peerCertificates: this.#clientCertificates,
			peerSignatureScheme: this.#peerScheme,
			ownSignatureScheme: this.#ownScheme,
			requestedSignatureSchemes: undefined,
		};
		this.#transcript = [];
		master.fill(0);
		this.#master = undefined;
		this.#trafficKeys = undefined;
		this.#state = 'established';
		return [
			{ kind: 'change-cipher-spec', cipher: writeCipher },
			{ kind: 'handshake', message: finished },
		];
	}
}
