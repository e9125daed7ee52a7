import tls from 'node:tls';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isDeviceError } from '../errors';
import {
	ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	startTlsClient,
	startTlsServer,
	type TlsChannel,
	type TlsClientOptions,
} from './index';
import { readBytes, writeAll } from '../../testing/tls/channel-tools';
import {
	byteChannelFromDuplex,
	connectTcp,
	nodeDuplexPair,
	startNodeTlsServer,
	startOpenSslServer,
	type NodeServerOptions,
	type OpenSslServer,
} from '../../testing/tls/node-harness';
import { createTestPki, privateKeyPem, signedByRoot, toPem, type TestPki } from '../../testing/tls/test-pki';

let pki: TestPki;
let devicePem: { key: string; cert: string; ca: string };
beforeAll(async () => {
	pki = await createTestPki();
	devicePem = {
		key: await privateKeyPem(pki.device.privateKey),
		cert: toPem(pki.device.certificate, 'CERTIFICATE'),
		ca: toPem(pki.root.certificate, 'CERTIFICATE'),
	};
});

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
	for (const cleanup of cleanups.splice(0)) await cleanup();
});

function clientOptions(overrides: Partial<TlsClientOptions> = {}): TlsClientOptions {
	return {
		certificate: pki.host.certificate,
		privateKey: pki.host.privateKey,
		serverPublicKey: pki.device.publicKeyInfo,
		...overrides,
	};
}

/** Our client against Node's OpenSSL server set up like lockdownd, over an in-memory pipe. */
async function againstNodeServer(client: Partial<TlsClientOptions> = {}, server: Partial<NodeServerOptions> = {}) {
	const [ours, theirs] = nodeDuplexPair();
	cleanups.push(() => {
		ours.destroy();
		theirs.destroy();
	});
	const serverKeylog: string[] = [];
	const clientKeylog: string[] = [];
	const socket = startNodeTlsServer(theirs, { ...devicePem, onKeylog: (line) => serverKeylog.push(line), ...server });
	socket.catch(() => undefined);
	const channel = await startTlsClient(
		byteChannelFromDuplex(ours),
		clientOptions({ onKeyLog: (line) => clientKeylog.push(line), ...client }),
	);
	return { channel, socket: await socket, serverKeylog, clientKeylog };
}

/** The server echoes what it receives, upper-cased. */
async function expectEcho(channel: TlsChannel, socket: tls.TLSSocket): Promise<void> {
	socket.on('data', (data: Buffer) => socket.write(data.toString().toUpperCase()));
	await writeAll(channel, encoder.encode('hello lockdownd'));
	expect(decoder.decode(await readBytes(channel.readable, 15))).toBe('HELLO LOCKDOWND');
}

describe('our client against Node’s OpenSSL server configured like lockdownd', () => {
	for (const [suite, name] of [
		[ECDHE_RSA_WITH_AES_128_GCM_SHA256, 'ECDHE-RSA-AES128-GCM-SHA256'],
		[ECDHE_RSA_WITH_AES_256_GCM_SHA384, 'ECDHE-RSA-AES256-GCM-SHA384'],
	] as const) {
		it(`handshakes with ${name}, is authorized, and derives OpenSSL’s master secret`, async () => {
			const { channel, socket, serverKeylog, clientKeylog } = await againstNodeServer({ cipherSuites: [suite] });
			expect(socket.authorized).toBe(true);
			expect(socket.getProtocol()).toBe('TLSv1.2');
			expect(socket.getCipher().name).toBe(name);
			expect(channel.session).toMatchObject({ cipherSuite: name, extendedMasterSecret: true });
			// SSLKEYLOGFILE lines: same client random, same master secret.
			expect(clientKeylog).toHaveLength(1);
			expect(serverKeylog.map((line) => line.toLowerCase())).toContain(clientKeylog[0]!.toLowerCase());
			await expectEcho(channel, socket);
			// Many records to OpenSSL: it must decrypt every one.
			socket.removeAllListeners('data');
			const big = new Uint8Array(200_000).map((_, index) => index % 251);
			const received: Buffer[] = [];
			const arrived = new Promise<void>((resolve) => {
				let count = 0;
				socket.on('data', (data: Buffer) => {
					received.push(data);
					count += data.length;
					if (count >= big.length) resolve();
				});
			});
			await writeAll(channel, big);
			await arrived;
			expect(Buffer.concat(received).equals(Buffer.from(big))).toBe(true);
		});
	}

	it('is accepted with a SHA-1-signed host certificate (old pair records)', async () => {
		const { socket } = await againstNodeServer({ certificate: pki.hostSha1Certificate });
		expect(socket.authorized).toBe(true);
	});

	it('ends at TLS 1.2 with a server that also offers TLS 1.3, on P-384 if the server wants it', async () => {
		const { channel, socket } = await againstNodeServer({}, { maxVersion: 'TLSv1.3' });
		expect(socket.getProtocol()).toBe('TLSv1.2');
		await expectEcho(channel, socket);

		const p384 = await againstP384();
		expect(p384.session.namedGroup).toBe('P-384');
	});

	it('signs with PSS when the server asks only for PSS, given a PSS import of the key', async () => {
		const pss = await crypto.subtle.importKey(
			'pkcs8',
			await crypto.subtle.exportKey('pkcs8', pki.extractableHost.privateKey),
			{ name: 'RSA-PSS', hash: 'SHA-256' },
			false,
			['sign'],
		);
		const pkcs1 = pki.extractableHost.privateKey;
		const { channel, socket } = await againstNodeServer(
			{ certificate: pki.extractableHost.certificate, privateKey: [pkcs1, pss] },
			{ sigalgs: 'RSA-PSS+SHA256' },
		);
		expect(socket.authorized).toBe(true);
		expect(channel.session.ownSignatureScheme).toBe('rsa_pss_rsae_sha256');
		expect(channel.session.requestedSignatureSchemes).toEqual(['rsa_pss_rsae_sha256']);
	});

	it('fails with a clear TLS error when the server refuses our certificate', async () => {
		await expect(
			againstNodeServer({ certificate: pki.stranger.certificate, privateKey: pki.stranger.privateKey }),
		).rejects.toSatisfy((error) => isDeviceError(error, 'tls'));
	});

	it('refuses the server when it is not the paired device', async () => {
		await expect(againstNodeServer({ serverPublicKey: pki.extractableHost.publicKeyInfo })).rejects.toMatchObject({
			code: 'tls',
			message: expect.stringMatching(/not the iPhone this computer was paired with/),
		});
	});
});

async function againstP384(): Promise<TlsChannel> {
	const [ours, theirs] = nodeDuplexPair();
	cleanups.push(() => {
		ours.destroy();
		theirs.destroy();
	});
	const server = tls.createServer({
		key: devicePem.key,
		cert: devicePem.cert,
		ca: [devicePem.ca],
		requestCert: true,
		rejectUnauthorized: true,
		minVersion: 'TLSv1.2',
		maxVersion: 'TLSv1.2',
		ecdhCurve: 'secp384r1',
	});
	server.emit('connection', theirs);
	return startTlsClient(byteChannelFromDuplex(ours), clientOptions());
}

describe('our client against `openssl s_server` configured like lockdownd', () => {
	let server: OpenSslServer | undefined;
	afterEach(async () => {
		await server?.stop();
		server = undefined;
	});

	it('handshakes over TCP with a verified client certificate and exchanges data', async () => {
		server = await startOpenSslServer(devicePem);
		const socket = await connectTcp(server.port);
		const channel = await startTlsClient(byteChannelFromDuplex(socket), clientOptions());
		// -rev answers each line reversed.
		await writeAll(channel, encoder.encode('hello lockdownd\n'));
		const reply = decoder.decode(await readBytes(channel.readable, 16));
		expect(reply).toBe('dnwodkcol olleh\n');
		expect(channel.session.version).toBe('TLSv1.2');
		expect(server.output()).toMatch(/Verification: OK|verify return:1/);
		await channel.close();
	});

	it('is refused by s_server when our certificate does not chain to the root', async () => {
		server = await startOpenSslServer(devicePem);
		const socket = await connectTcp(server.port);
		await expect(
			startTlsClient(
				byteChannelFromDuplex(socket),
				clientOptions({ certificate: pki.stranger.certificate, privateKey: pki.stranger.privateKey }),
			),
		).rejects.toSatisfy((error) => isDeviceError(error, 'tls'));
	});
});

describe('Node’s OpenSSL client against our server', () => {
	async function nodeClientAgainstOurServer(clientOptions: Partial<tls.ConnectionOptions> = {}) {
		const [ours, theirs] = nodeDuplexPair();
		cleanups.push(() => {
			ours.destroy();
			theirs.destroy();
		});
		const serverKeylog: string[] = [];
		const server = startTlsServer(byteChannelFromDuplex(ours), {
			certificate: pki.device.certificate,
			privateKey: pki.device.privateKey,
			verifyClientCertificate: (chain) => signedByRoot(chain[0]!, pki.root.certificate),
			onKeyLog: (line) => serverKeylog.push(line),
		});
		server.catch(() => undefined);
		const clientKeylog: string[] = [];
		const socket = tls.connect({
			socket: theirs,
			key: await privateKeyPem(pki.extractableHost.privateKey),
			cert: toPem(pki.extractableHost.certificate, 'CERTIFICATE'),
			ca: [toPem(pki.root.certificate, 'CERTIFICATE')],
			checkServerIdentity: () => undefined,
			minVersion: 'TLSv1.2',
			maxVersion: 'TLSv1.3',
			...clientOptions,
		});
		socket.on('error', () => undefined);
		socket.on('keylog', (line: Buffer) => clientKeylog.push(line.toString().trim()));
		const connected = new Promise<void>((resolve, reject) => {
			socket.once('secureConnect', () => resolve());
			socket.once('error', reject);
			socket.once('close', () => reject(new Error('closed')));
		});
		connected.catch(() => undefined);
		return { server, socket, connected, serverKeylog, clientKeylog };
	}

	it('handshakes at TLS 1.2 (though the client offers 1.3), trusts our certificate, and agrees on keys', async () => {
		const { server, socket, connected, serverKeylog, clientKeylog } = await nodeClientAgainstOurServer();
		const channel = await server;
		await connected;
		expect(socket.authorized).toBe(true); // our DeviceCertificate chains to the root for OpenSSL
		expect(socket.getProtocol()).toBe('TLSv1.2');
		expect(channel.session.peerCertificates[0]).toEqual(pki.extractableHost.certificate);
		expect(clientKeylog.map((line) => line.toLowerCase())).toContain(serverKeylog[0]!.toLowerCase());

		socket.write('from node');
		expect(decoder.decode(await readBytes(channel.readable, 9))).toBe('from node');
		const reply = new Promise<string>((resolve) => socket.once('data', (data: Buffer) => resolve(data.toString())));
		await writeAll(channel, encoder.encode('from our server'));
		expect(await reply).toBe('from our server');
	});

	for (const ciphers of ['ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES256-GCM-SHA384']) {
		it(`agrees on ${ciphers} when that is all the client offers`, async () => {
			const { server, socket, connected } = await nodeClientAgainstOurServer({ ciphers, maxVersion: 'TLSv1.2' });
			const channel = await server;
			await connected;
			expect(socket.getCipher().name).toBe(ciphers);
			expect(channel.session.cipherSuite).toBe(ciphers);
		});
	}

	it('refuses a Node client without a certificate', async () => {
		const { server } = await nodeClientAgainstOurServer({ key: undefined, cert: undefined });
		await expect(server).rejects.toMatchObject({ code: 'tls', message: expect.stringMatching(/sent no certificate/) });
	});
});
