import { Duplex } from 'node:stream';
import * as tls from 'node:tls';
import type { PairRecord } from '../../../lib/lockdown/pair-record';
import type { SecureChannel, SessionSecurity } from '../../../lib/lockdown/session-security';
import type { ByteChannel } from '../../../lib/streams/byte-channel';
import type { DeviceSessionSecurity, DeviceTlsCredentials } from '../../../sim/lockdownd/device-session-security';
import { clientCertificateSignedByRoot } from '../../../sim/lockdownd/pair-record-check';

/*
 * Lockdown session TLS built on node:tls, for tests only: the stand-in for src/lib/tls on both ends,
 * with the real device's profile (TLS 1.2, ECDHE-RSA with AES-GCM, client certificate requested and
 * checked against the pair record's root on the device side).
 *
 * node:tls consumes whatever its socket gives it, so taking TLS off the connection again (StopSession)
 * needs a bridge that hands it whole TLS records only and can stop at a record boundary: the host
 * stops after writing its close_notify, the device at once (SecureChannel.detach's contract).
 */

const PROFILE = {
	minVersion: 'TLSv1.2',
	maxVersion: 'TLSv1.2',
	ciphers: 'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384',
} as const;

const ALERT = 21;
const RECORD_HEADER = 5;

export interface NodeTlsOptions {
	/** Device side: abort every handshake, as a phone that no longer knows the host does. */
	refuseHandshake?: boolean;
	/** Host side: leave TLS without close_notify, as go-ios does (default: send it, as libimobiledevice). */
	closeNotify?: boolean;
}

/** The host's SessionSecurity on node:tls: presents HostCertificate + HostPrivateKey (extractable). */
export function nodeTlsClient(options: NodeTlsOptions = {}): SessionSecurity {
	return {
		async startClient(channel: ByteChannel, record: PairRecord): Promise<SecureChannel> {
			const bridge = new RecordBridge(channel);
			const socket = tls.connect({
				socket: bridge.duplex,
				cert: text(record.hostCertificate),
				key: await privateKeyPem(record.hostPrivateKey),
				rejectUnauthorized: false,
				...PROFILE,
			});
			await settled(socket, 'secureConnect');
			return secureChannel(socket, bridge, options.closeNotify ?? true);
		},
	};
}

/** The device's DeviceSessionSecurity on node:tls. */
export function nodeTlsServer(options: NodeTlsOptions = {}): DeviceSessionSecurity {
	return {
		async startServer(channel: ByteChannel, credentials: DeviceTlsCredentials): Promise<SecureChannel> {
			const bridge = new RecordBridge(channel);
			const socket = new tls.TLSSocket(bridge.duplex, {
				isServer: true,
				cert: text(credentials.certificate),
				key: await privateKeyPem(credentials.privateKey),
				requestCert: true,
				rejectUnauthorized: false,
				...PROFILE,
			});
			try {
				await settled(socket, 'secure');
				const peer = socket.getPeerX509Certificate();
				const chain = peer === undefined ? [] : [new Uint8Array(peer.raw)];
				if (options.refuseHandshake || !(await clientCertificateSignedByRoot(chain, credentials.rootCertificate))) {
					throw new Error('client certificate not signed by the pair record root');
				}
			} catch (error) {
				socket.destroy();
				await channel.close();
				throw error;
			}
			return secureChannel(socket, bridge, false);
		},
	};
}

function secureChannel(socket: tls.TLSSocket, bridge: RecordBridge, closeNotify: boolean): SecureChannel {
	let ended = false;
	const readable = new ReadableStream<Uint8Array>({
		start(controller) {
			socket.on('data', (data: Buffer) => {
				if (!ended) controller.enqueue(new Uint8Array(data));
			});
			socket.once('close', () => {
				if (ended) return;
				ended = true;
				controller.close();
			});
			// Errors after the handshake (a write into a connection the peer already dropped) end the
			// readable; left unhandled they would take the process down.
			socket.on('error', (error) => {
				if (ended) return;
				ended = true;
				controller.error(error);
			});
		},
	});
	const writable = new WritableStream<Uint8Array>({
		write: (chunk) =>
			new Promise<void>((resolve, reject) => socket.write(chunk, (error) => (error ? reject(error) : resolve()))),
	});
	return {
		readable,
		writable,
		close: async () => {
			socket.destroy();
			await bridge.raw.close();
		},
		async detach() {
			if (closeNotify) {
				socket.end(); // close_notify, written through the bridge; the device's answer is not awaited
				await bridge.closeNotifySent;
			}
			bridge.stopTls();
			ended = true;
			socket.destroy();
			return bridge.plaintext();
		},
	};
}

/**
 * Between a raw ByteChannel and the Duplex node:tls runs on. Inbound bytes are passed on as whole
 * records only, so that TLS can stop at a record boundary; later bytes form the plaintext channel.
 */
class RecordBridge {
	readonly duplex: Duplex;
	readonly raw: ByteChannel;
	/** Settles once an alert record (our close_notify) has been written to the raw channel. */
	readonly closeNotifySent: Promise<void>;
	#onCloseNotifySent!: () => void;
	#tls = true;
	#pending = new Uint8Array(0);
	#plain: Uint8Array[] = [];
	#plainWaiter: (() => void) | undefined;
	#rawDone = false;
	readonly #writer: WritableStreamDefaultWriter<Uint8Array>;

	constructor(raw: ByteChannel) {
		this.raw = raw;
		this.closeNotifySent = new Promise((resolve) => (this.#onCloseNotifySent = resolve));
		this.#writer = raw.writable.getWriter();
		this.duplex = new Duplex({
			read: () => undefined,
			write: (chunk: Buffer, _encoding, callback) => {
				if (!this.#tls) return callback();
				const bytes = new Uint8Array(chunk);
				this.#writer.write(bytes).then(
					() => {
						// node:tls writes its close_notify as a write of its own.
						if (bytes[0] === ALERT) this.#onCloseNotifySent();
						callback();
					},
					callback,
				);
			},
			final: (callback) => callback(),
		});
		void this.#pump(raw.readable.getReader());
	}

	/** From now on the connection is plaintext; a partly received record belongs to it. */
	stopTls(): void {
		if (!this.#tls) return;
		this.#tls = false;
		if (this.#pending.length > 0) this.#plain.push(this.#pending);
		this.#pending = new Uint8Array(0);
		this.#wakePlain();
	}

	/** The connection after TLS: bytes received past the last record, then the rest of the stream. */
	plaintext(): ByteChannel {
		const readable = new ReadableStream<Uint8Array>({
			pull: async (controller) => {
				while (this.#plain.length === 0 && !this.#rawDone) {
					await new Promise<void>((resolve) => (this.#plainWaiter = resolve));
				}
				const next = this.#plain.shift();
				if (next !== undefined) controller.enqueue(next);
				else controller.close();
			},
		});
		const writable = new WritableStream<Uint8Array>({ write: (chunk) => this.#writer.write(chunk) });
		return { readable, writable, close: () => this.raw.close() };
	}

	async #pump(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
		try {
			for (;;) {
				const { value, done } = await reader.read();
				if (done) break;
				if (this.#tls) this.#takeRecords(value);
				else this.#plain.push(value);
				this.#wakePlain();
			}
		} catch {
			// the raw channel failed; both sides just see it end
		}
		this.#rawDone = true;
		if (this.#tls) this.duplex.push(null);
		this.#wakePlain();
	}

	#takeRecords(chunk: Uint8Array): void {
		const bytes = new Uint8Array(this.#pending.length + chunk.length);
		bytes.set(this.#pending);
		bytes.set(chunk, this.#pending.length);
		let at = 0;
		while (bytes.length - at >= RECORD_HEADER) {
			const end = at + RECORD_HEADER + ((bytes[at + 3]! << 8) | bytes[at + 4]!);
			if (end > bytes.length) break;
			this.duplex.push(bytes.slice(at, end));
			at = end;
		}
		this.#pending = bytes.slice(at);
	}

	#wakePlain(): void {
		this.#plainWaiter?.();
		this.#plainWaiter = undefined;
	}
}

function text(pem: Uint8Array): string {
	return new TextDecoder().decode(pem);
}

async function privateKeyPem(key: CryptoKey): Promise<string> {
	const der = Buffer.from(await crypto.subtle.exportKey('pkcs8', key));
	return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END PRIVATE KEY-----\n`;
}

function settled(socket: tls.TLSSocket, event: 'secure' | 'secureConnect'): Promise<void> {
	return new Promise((resolve, reject) => {
		socket.once(event, () => resolve());
		socket.on('error', reject);
		socket.once('close', () => reject(new Error('TLS connection closed during the handshake')));
	});
}
