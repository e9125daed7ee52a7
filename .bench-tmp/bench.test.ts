import { it } from 'vitest';
import { createChannelPair } from '../src/lib/streams/byte-channel';
import { startTlsClient, startTlsServer } from '../src/lib/tls/index';
import { createTestPki, signedByRoot } from '../src/lib/tls/testing/test-pki';

it('bench', async () => {
	const pki = await createTestPki();
	const [a, b] = createChannelPair();
	const [client, server] = await Promise.all([
		startTlsClient(a, { certificate: pki.host.certificate, privateKey: pki.host.privateKey, serverPublicKey: pki.device.publicKeyInfo, cipherSuites: [0xc02f] }),
		startTlsServer(b, { certificate: pki.device.certificate, privateKey: pki.device.privateKey, verifyClientCertificate: () => true }),
	]);
	const total = 64 * 1024 * 1024;
	const chunk = new Uint8Array(64 * 1024);
	const t0 = performance.now();
	const writer = client.writable.getWriter();
	const w = (async () => { for (let s = 0; s < total; s += chunk.length) await writer.write(chunk); })();
	const reader = server.readable.getReader();
	let got = 0; let n = 0;
	while (got < total) { const { value } = await reader.read(); got += value!.length; n++; }
	await w;
	const dt = (performance.now() - t0) / 1000;
	console.log(`client->server ${(total / 1e6 / dt).toFixed(0)} MB/s, ${n} chunks`);
	const sw = server.writable.getWriter(); const cr = client.readable.getReader();
	const t1 = performance.now();
	const w2 = (async () => { for (let s = 0; s < total; s += chunk.length) await sw.write(chunk); })();
	got = 0;
	while (got < total) { const { value } = await cr.read(); got += value!.length; }
	await w2;
	console.log(`server->client ${(total / 1e6 / ((performance.now() - t1) / 1000)).toFixed(0)} MB/s`);
}, 120000);
