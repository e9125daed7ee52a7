/**
 * Node-only test glue: OpenSSL (through node:tls and the `openssl` command) playing lockdownd or the
 * host, joined to our TLS code through ByteChannels. Configured as tls.md §3.1 describes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duplex, PassThrough } from 'node:stream';
import tls from 'node:tls';
import { DeviceError } from '../../lib/errors';
import type { ByteChannel } from '../../lib/streams/byte-channel';

/** lockdownd's profile: TLS 1.2 only, ECDHE-RSA first, SHA-1-signed certificates allowed (SECLEVEL 0). */
export const LOCKDOWN_CIPHERS =
	'ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-SHA384:ECDHE-RSA-AES128-SHA256:' +
	'ECDHE-RSA-AES256-SHA:ECDHE-RSA-AES128-SHA:AES256-GCM-SHA384:AES128-GCM-SHA256:AES256-SHA:AES128-SHA:@SECLEVEL=0';

/** Two Node duplexes joined back to back in memory (Node 20 has no `stream.duplexPair`). */
export function nodeDuplexPair(): [Duplex, Duplex] {
	const aToB = new PassThrough();
	const bToA = new PassThrough();
	const a = Duplex.from({ readable: bToA, writable: aToB });
	const b = Duplex.from({ readable: aToB, writable: bToA });
	for (const end of [a, b]) end.on('error', () => undefined); // tear-down aborts are expected
	return [a, b];
}

/** A Node duplex (in-memory end or TCP socket) as a ByteChannel. */
export function byteChannelFromDuplex(duplex: Duplex): ByteChannel {
	let finished = false;
	const readable = new ReadableStream<Uint8Array>(
		{
			start(controller) {
				duplex.on('data', (chunk: Buffer) => {
					controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
					if ((controller.desiredSize ?? 0) <= 0) duplex.pause();
				});
				const end = () => {
					if (finished) return;
					finished = true;
					try {
						controller.close();
					} catch {
						// cancelled already
					}
				};
				duplex.on('end', end);
				duplex.on('close', end);
				duplex.on('error', (error) => {
					if (finished) return;
					finished = true;
					controller.error(new DeviceError('connection-reset', 'The connection was reset.', { cause: error }));
				});
			},
			pull() {
				duplex.resume();
			},
			cancel() {
				duplex.destroy();
			},
		},
		{ highWaterMark: 4 },
	);
	const writable = new WritableStream<Uint8Array>({
		write: (chunk) =>
			new Promise<void>((resolve, reject) =>
				duplex.write(chunk, (error) =>
					error ? reject(new DeviceError('connection-reset', 'The connection was reset.', { cause: error })) : resolve(),
				),
			),
		close: () => void duplex.end(),
		abort: () => void duplex.destroy(),
	});
	return {
		readable,
		writable,
		close: async () => void duplex.destroy(),
	};
}

export interface NodeServerOptions {
	key: string;
	cert: string;
	/** PEM root the client certificate must chain to. */
	ca: string;
	ciphers?: string;
	maxVersion?: tls.SecureVersion;
	/** OpenSSL's signature-algorithm list for ServerKeyExchange and CertificateRequest. */
	sigalgs?: string;
	onKeylog?: (line: string) => void;
}

/**
 * Node's TLS server (OpenSSL) set up like lockdownd, fed `duplex` as if it had just connected.
 * A never-listening tls.Server is needed: only sockets owned by a server evaluate client-cert trust.
 */
export function startNodeTlsServer(duplex: Duplex, options: NodeServerOptions): Promise<tls.TLSSocket> {
	const server = tls.createServer({
		key: options.key,
		cert: options.cert,
		ca: [options.ca],
		requestCert: true,
		rejectUnauthorized: true,
		minVersion: 'TLSv1.2',
		maxVersion: options.maxVersion ?? 'TLSv1.2',
		ciphers: options.ciphers ?? LOCKDOWN_CIPHERS,
		...(options.sigalgs === undefined ? {} : { sigalgs: options.sigalgs }),
	});
	if (options.onKeylog) server.on('keylog', (line: Buffer) => options.onKeylog?.(line.toString().trim()));
	return new Promise((resolve, reject) => {
		server.once('secureConnection', (socket: tls.TLSSocket) => {
			socket.on('error', () => undefined);
			resolve(socket);
		});
		server.once('tlsClientError', (error) => reject(error));
		server.emit('connection', duplex);
	});
}

/** Everything the `openssl s_server` run needs, in a temporary folder. */
export interface OpenSslServer {
	port: number;
	process: ChildProcess;
	/** What s_server printed so far. */
	output(): string;
	stop(): Promise<void>;
}

/**
 * `openssl s_server` like lockdownd: TLS 1.2 only, client certificate required (-Verify) and checked
 * against the root (-CAfile), the device's certificate and key. `-rev` answers each line reversed.
 */
export async function startOpenSslServer(files: { cert: string; key: string; ca: string }): Promise<OpenSslServer> {
	const folder = await mkdtemp(join(tmpdir(), 'tls-test-'));
	await Promise.all([
		writeFile(join(folder, 'device.crt'), files.cert),
		writeFile(join(folder, 'device.key'), files.key),
		writeFile(join(folder, 'root.crt'), files.ca),
	]);
	const child = spawn(
		'openssl',
		[
			's_server',
			'-accept', '127.0.0.1:0',
			'-naccept', '1',
			'-tls1_2',
			'-Verify', '1',
			'-verify_return_error',
			'-CAfile', join(folder, 'root.crt'),
			'-cert', join(folder, 'device.crt'),
			'-key', join(folder, 'device.key'),
			'-cipher', LOCKDOWN_CIPHERS,
			'-rev',
		],
		{ stdio: ['ignore', 'pipe', 'pipe'] },
	);
	let output = '';
	child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
	child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
	const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
	const port = await new Promise<number>((resolve, reject) => {
		const check = () => {
			const match = /ACCEPT\s+\S*:(\d+)/.exec(output);
			if (match) resolve(Number(match[1]));
		};
		child.stdout.on('data', check);
		child.once('exit', () => reject(new Error(`openssl s_server exited: ${output}`)));
	});
	return {
		port,
		process: child,
		output: () => output,
		stop: async () => {
			if (child.exitCode === null) child.kill();
			await exited;
			await rm(folder, { recursive: true, force: true });
		},
	};
}

export function connectTcp(port: number): Promise<net.Socket> {
	return new Promise((resolve, reject) => {
		const socket = net.connect({ host: '127.0.0.1', port }, () => resolve(socket));
		socket.once('error', reject);
	});
}
