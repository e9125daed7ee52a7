import type { ByteChannel } from '../lib/streams/byte-channel';
import { ClientHandshake, type TlsClientOptions } from '../lib/tls/client-handshake';
import { startTlsServer } from '../lib/tls/index';
import { interpose } from '../testing/tls/channel-tools';
import { createTestPki } from '../testing/tls/test-pki';
import { runTls } from '../lib/tls/tls-connection';

/**
 * A real TLS 1.2 handshake between our client and our server, recorded byte for byte in both
 * directions: seeds for the record-layer and handshake fuzzers. The client's random is fixed, so the
 * server's signed key exchange stays valid when its bytes are replayed to a new client built with
 * `fixedRandomClient`: mutations then reach past the signature check, into the client flight and
 * Finished.
 */
export interface TlsRecording {
	clientOptions: TlsClientOptions;
	/** Everything the server sent: its handshake flight, ChangeCipherSpec, Finished, a data record, close_notify. */
	fromServer: Uint8Array;
	/** Everything the client sent. */
	fromClient: Uint8Array;
	/** DER certificates: the root, the host's, the device's. */
	certificates: Uint8Array[];
	/** SubjectPublicKeyInfo DER of the root, host and device keys. */
	publicKeys: Uint8Array[];
}

/** A client handshake whose 32-byte random is always the same (it draws it when constructed). */
export function fixedRandomClient(options: TlsClientOptions): ClientHandshake {
	const crypto = globalThis.crypto;
	Object.defineProperty(crypto, 'getRandomValues', {
		value: <T extends ArrayBufferView | null>(array: T): T => {
			if (array !== null) new Uint8Array(array.buffer, array.byteOffset, array.byteLength).fill(0x5a);
			return array;
		},
		configurable: true,
		writable: true,
	});
	try {
		return new ClientHandshake(options);
	} finally {
		delete (crypto as { getRandomValues?: unknown }).getRandomValues;
	}
}

function concat(parts: Uint8Array[]): Uint8Array {
	const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
	let at = 0;
	for (const part of parts) {
		out.set(part, at);
		at += part.length;
	}
	return out;
}

async function readAll(channel: ByteChannel): Promise<void> {
	const reader = channel.readable.getReader();
	while (!(await reader.read()).done);
}

export async function recordTlsHandshake(): Promise<TlsRecording> {
	const pki = await createTestPki();
	const fromServer: Uint8Array[] = [];
	const fromClient: Uint8Array[] = [];
	const { client, server } = interpose(
		(chunk) => {
			fromClient.push(chunk.slice());
			return [chunk];
		},
		(chunk) => {
			fromServer.push(chunk.slice());
			return [chunk];
		},
	);
	const clientOptions: TlsClientOptions = {
		certificate: pki.host.certificate,
		privateKey: pki.host.privateKey,
		serverPublicKey: pki.device.publicKeyInfo,
	};
	const [clientSession, serverSession] = await Promise.all([
		runTls(client, fixedRandomClient(clientOptions)),
		startTlsServer(server, {
			certificate: pki.device.certificate,
			privateKey: pki.device.privateKey,
			verifyClientCertificate: () => true,
		}),
	]);
	const writer = serverSession.writable.getWriter();
	await writer.write(new TextEncoder().encode('fuzz seed: application data from the phone'));
	writer.releaseLock();
	const reader = clientSession.readable.getReader();
	await reader.read();
	reader.releaseLock();
	await serverSession.writable.close();
	await readAll(clientSession).catch(() => undefined);
	await clientSession.close();
	await serverSession.close();
	return {
		clientOptions,
		fromServer: concat(fromServer),
		fromClient: concat(fromClient),
		certificates: [pki.root.certificate, pki.host.certificate, pki.device.certificate],
		publicKeys: [pki.root.publicKeyInfo, pki.host.publicKeyInfo, pki.device.publicKeyInfo],
	};
}
