import { beforeAll, describe, expect, it } from 'vitest';
import { isDeviceError } from '../errors';
import { concatBytes, equalBytes } from '../bytes';
import {
	ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	startTlsClient,
	startTlsServer,
	type TlsChannel,
	type TlsClientOptions,
	type TlsServerOptions,
} from './index';
import { RecordDeframer } from './record-layer';
import { byteByByte, interpose, readBytes, type Tap } from '../../testing/tls/channel-tools';
import { clientOptionsFor, createTestPki, serverOptionsFor, type TestPki } from '../../testing/tls/test-pki';

let pki: TestPki;
beforeAll(async () => {
	pki = await createTestPki();
});

const encoder = new TextEncoder();
const decoder = new TextDecoder();

const clientOptions = (overrides: Partial<TlsClientOptions> = {}) => clientOptionsFor(pki, overrides);
const serverOptions = (overrides: Partial<TlsServerOptions> = {}) => serverOptionsFor(pki, overrides);

async function connect(
	options: { client?: Partial<TlsClientOptions>; server?: Partial<TlsServerOptions>; toServer?: Tap; toClient?: Tap } = {},
): Promise<{ client: TlsChannel; server: TlsChannel }> {
	const link = interpose(options.toServer, options.toClient);
	const [client, server] = await Promise.all([
		startTlsClient(link.client, clientOptions(options.client)),
		startTlsServer(link.server, serverOptions(options.server)),
	]);
	return { client, server };
}

async function connectExpectingFailure(
	options: { client?: Partial<TlsClientOptions>; server?: Partial<TlsServerOptions> } = {},
): Promise<{ client: unknown; server: unknown }> {
	const link = interpose();
	const [client, server] = await Promise.allSettled([
		startTlsClient(link.client, clientOptions(options.client)),
		startTlsServer(link.server, serverOptions(options.server)),
	]);
	expect(client.status).toBe('rejected');
	expect(server.status).toBe('rejected');
	return {
		client: client.status === 'rejected' ? client.reason : undefined,
		server: server.status === 'rejected' ? server.reason : undefined,
	};
}

/** Random bytes of any length (getRandomValues gives at most 64 KiB a call). */
function randomBytes(length: number): Uint8Array {
	const out = new Uint8Array(length);
	for (let offset = 0; offset < length; offset += 65_536) crypto.getRandomValues(out.subarray(offset, offset + 65_536));
	return out;
}

async function send(channel: TlsChannel, ...chunks: Uint8Array[]): Promise<void> {
	const writer = channel.writable.getWriter();
	for (const chunk of chunks) await writer.write(chunk);
	writer.releaseLock();
}

describe('our client and our server', () => {
	it('keep the client’s private key non-extractable', async () => {
		expect(pki.host.privateKey.extractable).toBe(false);
		await expect(crypto.subtle.exportKey('pkcs8', pki.host.privateKey)).rejects.toThrow();
		await expect(crypto.subtle.exportKey('jwk', pki.host.privateKey)).rejects.toThrow();
	});

	for (const [suite, name] of [
		[ECDHE_RSA_WITH_AES_128_GCM_SHA256, 'ECDHE-RSA-AES128-GCM-SHA256'],
		[ECDHE_RSA_WITH_AES_256_GCM_SHA384, 'ECDHE-RSA-AES256-GCM-SHA384'],
	] as const) {
		it(`agree on ${name} and carry data both ways`, async () => {
			const { client, server } = await connect({ client: { cipherSuites: [suite] } });
			for (const side of [client, server]) {
				expect(side.session).toMatchObject({
					version: 'TLSv1.2',
					cipherSuite: name,
					namedGroup: 'P-256',
					extendedMasterSecret: true,
				});
			}
			expect(client.session.peerCertificates).toEqual([pki.device.certificate]);
			expect(server.session.peerCertificates).toEqual([pki.host.certificate]);
			expect(client.session.ownSignatureScheme).toBe('rsa_pkcs1_sha256');
			expect(server.session.peerSignatureScheme).toBe('rsa_pkcs1_sha256');

			const up = randomBytes(100_000);
			const down = randomBytes(70_000);
			void send(client, up);
			void send(server, down);
			expect(equalBytes(await readBytes(server.readable, up.length), up)).toBe(true);
			expect(equalBytes(await readBytes(client.readable, down.length), down)).toBe(true);
		});
	}

	it('split large writes into records of at most 16 KiB and keep them in order', async () => {
		const sizes: number[] = [];
		const deframer = new RecordDeframer();
		let established = false;
		const watch: Tap = (chunk) => {
			deframer.push(chunk);
			for (let record = deframer.next(); record !== undefined; record = deframer.next()) {
				if (established && record.type === 23) sizes.push(record.fragment.length - 8 - 16);
			}
			return [chunk];
		};
		const { client, server } = await connect({ toServer: watch });
		established = true;
		const big = randomBytes(1024 * 1024 + 5);
		const small = [Uint8Array.of(1), Uint8Array.of(2, 3), randomBytes(40_000)];
		void send(client, big, ...small);
		const total = big.length + small.reduce((n, chunk) => n + chunk.length, 0);
		expect(equalBytes(await readBytes(server.readable, total), concatBytes([big, ...small]))).toBe(true);
		expect(Math.max(...sizes)).toBe(16_384);
		expect(sizes.slice(0, 65)).toEqual([...Array<number>(64).fill(16_384), 5]);
	});

	it('survive delivery one byte at a time, both ways', async () => {
		const { client, server } = await connect({ toServer: byteByByte, toClient: byteByByte });
		void send(client, encoder.encode('ping'));
		expect(decoder.decode(await readBytes(server.readable, 4))).toBe('ping');
		void send(server, encoder.encode('pong!'));
		expect(decoder.decode(await readBytes(client.readable, 5))).toBe('pong!');
	});

	it('let the caller reuse its buffer as soon as a write resolves', async () => {
		const { client, server } = await connect();
		const buffer = encoder.encode('original bytes');
		const writer = client.writable.getWriter();
		await writer.write(buffer);
		buffer.fill(0);
		expect(decoder.decode(await readBytes(server.readable, buffer.length))).toBe('original bytes');
	});

	it('honour the client’s suite preference and a PSS-only client key', async () => {
		const pss = await crypto.subtle.importKey(
			'pkcs8',
			await crypto.subtle.exportKey('pkcs8', pki.extractableHost.privateKey),
			{ name: 'RSA-PSS', hash: 'SHA-256' },
			false,
			['sign'],
		);
		const { client, server } = await connect({
			client: { certificate: pki.extractableHost.certificate, privateKey: [pss], cipherSuites: [ECDHE_RSA_WITH_AES_256_GCM_SHA384] },
		});
		expect(client.session.ownSignatureScheme).toBe('rsa_pss_rsae_sha256');
		expect(server.session.peerSignatureScheme).toBe('rsa_pss_rsae_sha256');
		expect(server.session.cipherSuite).toBe('ECDHE-RSA-AES256-GCM-SHA384');
	});

	it('accept a SHA-1-signed host certificate, as old pair records have', async () => {
		const { server } = await connect({ client: { certificate: pki.hostSha1Certificate } });
		expect(server.session.peerCertificates[0]).toEqual(pki.hostSha1Certificate);
	});

	it('end the peer’s readable when one side closes its writable (close_notify)', async () => {
		const { client, server } = await connect();
		await send(client, encoder.encode('last words'));
		await client.writable.close();
		const reader = server.readable.getReader();
		expect(decoder.decode((await reader.read()).value)).toBe('last words');
		expect((await reader.read()).done).toBe(true);
		// The server answered with its own close_notify, which ends the client's side too.
		expect((await client.readable.getReader().read()).done).toBe(true);
		await server.writable.close(); // nothing left to say: just flushes
	});

	it('say goodbye on close() and end the peer’s stream cleanly', async () => {
		const { client, server } = await connect();
		await client.close();
		const reader = server.readable.getReader();
		expect((await reader.read()).done).toBe(true);
		await client.close(); // twice is fine
	});
});

describe('failing handshakes between our client and our server', () => {
	it('the server refuses a client certificate its check rejects, and the client hears why', async () => {
		const { client, server } = await connectExpectingFailure({ server: { verifyClientCertificate: () => false } });
		expect(client).toMatchObject({ code: 'tls', message: expect.stringMatching(/alert “bad certificate”/) });
		expect((client as { advice?: string }).advice).toMatch(/Trust/);
		expect(server).toMatchObject({
			code: 'tls',
			message: 'The secure connection from the computer failed: its certificate is not one this device trusts.',
		});
	});

	it('a client certificate the root never signed is refused', async () => {
		const { client } = await connectExpectingFailure({
			client: { certificate: pki.stranger.certificate, privateKey: pki.stranger.privateKey },
		});
		expect(isDeviceError(client, 'tls')).toBe(true);
	});

	it('the client refuses a server that is not the paired device', async () => {
		const { client, server } = await connectExpectingFailure({ client: { serverPublicKey: pki.stranger.publicKeyInfo } });
		expect(client).toMatchObject({ code: 'tls', message: expect.stringMatching(/not the iPhone this computer was paired with/) });
		expect(server).toMatchObject({ code: 'tls', message: expect.stringMatching(/bad certificate/) });
	});

	it('a check that throws counts as a refusal', async () => {
		const { server } = await connectExpectingFailure({
			server: {
				verifyClientCertificate: () => {
					throw new Error('broken check');
				},
			},
		});
		expect(server).toMatchObject({ code: 'tls', message: expect.stringMatching(/could not be checked/) });
	});

	it('refuses bad options before touching the channel', async () => {
		const link = interpose();
		await expect(startTlsClient(link.client, clientOptions({ serverPublicKey: Uint8Array.of(1, 2, 3) }))).rejects.toMatchObject({
			code: 'tls',
			message: expect.stringMatching(/expected key is not a valid public key/),
		});
		const pem = new TextEncoder().encode('-----BEGIN CERTIFICATE-----');
		await expect(startTlsClient(link.client, clientOptions({ certificate: pem }))).rejects.toMatchObject({
			message: expect.stringMatching(/not a valid DER certificate/),
		});
		const verifyOnly = (await crypto.subtle.generateKey(
			{ name: 'RSASSA-PKCS1-v1_5', modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
			false,
			['sign', 'verify'],
		)) as CryptoKeyPair;
		await expect(startTlsClient(link.client, clientOptions({ privateKey: verifyOnly.publicKey }))).rejects.toMatchObject({
			code: 'tls',
			message: expect.stringMatching(/not an RSA signing key/),
		});
		// The channel is still usable: nothing took its reader.
		expect(link.client.readable.locked).toBe(false);
	});
});

describe('handing the channel back (detach)', () => {
	/** Holds everything the server sends once armed, until `marker` has gone by: one chunk then. */
	function coalescing(marker: string): { tap: Tap; arm(): void } {
		let armed = false;
		let held: Uint8Array[] = [];
		const tap: Tap = (chunk) => {
			if (!armed) return [chunk];
			held.push(chunk);
			const joined = concatBytes(held);
			if (!decoder.decode(joined.subarray(Math.max(0, joined.length - marker.length))).endsWith(marker)) return [];
			held = [];
			armed = false;
			return [joined];
		};
		return { tap, arm: () => void (armed = true) };
	}

	it('StopSession as libimobiledevice does it: close_notify sent, no wait; the answering one is checked and dropped', async () => {
		const toClient = coalescing('PLAIN-1');
		const { client, server } = await connect({ toClient: toClient.tap });
		void send(client, encoder.encode('StopSession'));
		expect(decoder.decode(await readBytes(server.readable, 11))).toBe('StopSession');
		void send(server, encoder.encode('ok'));
		expect(decoder.decode(await readBytes(client.readable, 2))).toBe('ok');

		// From here the client gets the server's close_notify and its first plaintext in one chunk.
		toClient.arm();
		const plain = await client.detach();
		const serverReader = server.readable.getReader();
		expect((await serverReader.read()).done).toBe(true); // the client's close_notify arrived (and was answered)
		serverReader.releaseLock();
		const serverPlain = await server.detach();
		const serverWriter = serverPlain.writable.getWriter();
		await serverWriter.write(encoder.encode('PLAIN-1'));

		expect(decoder.decode(await readBytes(plain.readable, 7))).toBe('PLAIN-1');
		const clientWriter = plain.writable.getWriter();
		await clientWriter.write(encoder.encode('PLAIN-2'));
		expect(decoder.decode(await readBytes(serverPlain.readable, 7))).toBe('PLAIN-2');
		// A read TLS had under way when it let go now delivers to the plain channel.
		await serverWriter.write(encoder.encode('PLAIN-3'));
		expect(decoder.decode(await readBytes(plain.readable, 7))).toBe('PLAIN-3');

		await expect(client.writable.getWriter().write(Uint8Array.of(1))).rejects.toMatchObject({ code: 'tls' });
		await expect(client.detach()).rejects.toMatchObject({ code: 'tls' });
	});

	it('StopSession as lockdownd does it: the device says nothing, and drops the host’s close_notify', async () => {
		const { client: host, server: device } = await connect();
		await send(host, encoder.encode('StopSession'));
		expect(decoder.decode(await readBytes(device.readable, 11))).toBe('StopSession');
		await send(device, encoder.encode('ok'));
		const devicePlain = await device.detach({ closeNotify: 'none' });
		expect(decoder.decode(await readBytes(host.readable, 2))).toBe('ok');
		const hostPlain = await host.detach();
		await hostPlain.writable.getWriter().write(encoder.encode('GetValue'));
		expect(decoder.decode(await readBytes(devicePlain.readable, 8))).toBe('GetValue');
		await devicePlain.writable.getWriter().write(encoder.encode('value'));
		expect(decoder.decode(await readBytes(hostPlain.readable, 5))).toBe('value');
	});

	it('can wait for the peer’s close_notify (exchange), then go on in plaintext', async () => {
		const { client, server } = await connect();
		const clientPlain = client.detach({ closeNotify: 'exchange' });
		const serverReader = server.readable.getReader();
		expect((await serverReader.read()).done).toBe(true); // answers the client's close_notify
		const plain = await clientPlain;
		const serverPlain = await server.detach();
		await serverPlain.writable.getWriter().write(encoder.encode('after'));
		expect(decoder.decode(await readBytes(plain.readable, 5))).toBe('after');
	});

	it('ends the wait of an exchange when the channel is closed meanwhile: the detach is refused', async () => {
		const { client } = await connect();
		// The server is not reading, so it never answers the client's close_notify.
		const waiting = client.detach({ closeNotify: 'exchange' });
		await client.close();
		await expect(waiting).rejects.toMatchObject({ code: 'tls', message: expect.stringMatching(/already closed or handed back/) });
	});

	it('lets only one of two overlapping detaches hand the channel back, with nothing of it lost', async () => {
		const { client, server } = await connect();
		const waiting = client.detach({ closeNotify: 'exchange' });
		const plain = await client.detach({ closeNotify: 'none' });
		const serverReader = server.readable.getReader();
		expect((await serverReader.read()).done).toBe(true); // the first detach's close_notify, answered
		await expect(waiting).rejects.toMatchObject({ code: 'tls', message: expect.stringMatching(/already closed or handed back/) });
		serverReader.releaseLock();
		const serverPlain = await server.detach();
		await serverPlain.writable.getWriter().write(encoder.encode('after'));
		expect(decoder.decode(await readBytes(plain.readable, 5))).toBe('after');
	});

	it('passes on plaintext that only looks like a close_notify', async () => {
		const { client, server } = await connect();
		const [clientPlain, serverPlain] = await Promise.all([client.detach({ closeNotify: 'none' }), server.detach({ closeNotify: 'none' })]);
		const lookalike = new Uint8Array([21, 3, 3, 0, 26, ...new Array<number>(26).fill(0xab), ...encoder.encode('tail')]);
		await serverPlain.writable.getWriter().write(lookalike);
		expect([...(await readBytes(clientPlain.readable, lookalike.length))]).toEqual([...lookalike]);
	});

	it('drops TLS at once for handshake-only services, keeping bytes that came with the last record', async () => {
		const toClient = coalescing('PLAIN');
		const link = interpose(undefined, toClient.tap);
		const clientPromise = startTlsClient(link.client, clientOptions());
		const server = await startTlsServer(link.server, serverOptions());
		// The server's last handshake record is still held by the tap: it will arrive with the plaintext.
		toClient.arm();
		const serverPlain = await server.detach({ closeNotify: 'none' });
		await serverPlain.writable.getWriter().write(encoder.encode('PLAIN'));
		const client = await clientPromise;
		const plain = await client.detach({ closeNotify: 'none' });
		expect(decoder.decode(await readBytes(plain.readable, 5))).toBe('PLAIN');
	});
});
