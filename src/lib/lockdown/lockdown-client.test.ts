import { createPublicKey } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createChannelPair, type ByteChannel } from '../streams/byte-channel';
import { createDeviceIdentity, type DeviceIdentity } from '../../sim/lockdownd/device-identity';
import type { ServiceRegistry } from '../../sim/lockdownd/service-registry';
import { SimLockdownd, type SimLockdowndOptions } from '../../sim/lockdownd/sim-lockdownd';
import { makePairRecord, type TestPairRecord } from '../../testing/sim/lockdownd/make-pair-record';
import { nodeTlsClient, nodeTlsServer } from '../../testing/sim/lockdownd/node-tls';
import { DEFAULT_LOCKDOWN_LABEL, LockdownClient, MAX_INFO_TEXT, type LockdownClientOptions } from './lockdown-client';
import { PlistChannel } from './plist-channel';
import { tlsSessionSecurity } from './tls-session-security';
import type { SessionSecurity } from './session-security';
import type { PlistDict } from '../plist/value';

let identity: DeviceIdentity;
let paired: TestPairRecord;
let other: TestPairRecord;

beforeAll(async () => {
	identity = await createDeviceIdentity({ DeviceName: 'Ada’s iPhone', ProductVersion: '18.5' });
	[paired, other] = await Promise.all([
		makePairRecord(identity.keyPair.publicKey),
		makePairRecord(identity.keyPair.publicKey),
	]);
});

const afc: ServiceRegistry = (name) =>
	name === 'com.apple.afc'
		? { port: 51126, enableServiceSSL: false }
		: name === 'com.apple.mobile.diagnostics_relay'
			? { port: 51793, enableServiceSSL: true }
			: name === 'com.apple.mobilebackup2'
				? { error: 'ServiceProhibited' }
				: undefined;

interface Setup {
	sim: SimLockdownd;
	requests: PlistDict[];
	prompts: number;
	connect(options?: LockdownClientOptions): { client: LockdownClient; hostToDevice: Uint8Array[]; served: Promise<void> };
}

function setup(options: Partial<SimLockdowndOptions> = {}): Setup {
	const requests: PlistDict[] = [];
	const state: Setup = {
		sim: new SimLockdownd({
			identity,
			services: afc,
			security: nodeTlsServer(),
			onRequest: (request) => void requests.push(request),
			onTrustPromptShown: () => void state.prompts++,
			...options,
		}),
		requests,
		prompts: 0,
		connect(clientOptions = {}) {
			const [host, device] = createChannelPair();
			const hostToDevice: Uint8Array[] = [];
			const served = state.sim.serve(tap(device, hostToDevice));
			const client = new LockdownClient(host, { security: nodeTlsClient(), ...clientOptions });
			return { client, hostToDevice, served };
		},
	};
	return state;
}

/** The device end of a channel, recording every byte the host sent. */
function tap(channel: ByteChannel, seen: Uint8Array[]): ByteChannel {
	const record = new TransformStream<Uint8Array, Uint8Array>({
		transform(chunk, controller) {
			seen.push(chunk.slice());
			controller.enqueue(chunk);
		},
	});
	void channel.readable.pipeTo(record.writable).catch(() => undefined);
	return { readable: record.readable, writable: channel.writable, close: () => channel.close() };
}

function asText(chunks: Uint8Array[]): string {
	return chunks.map((chunk) => new TextDecoder('latin1').decode(chunk)).join('');
}

async function pairedSetup(options: Partial<SimLockdowndOptions> = {}) {
	const state = setup({ trust: { pendingPolls: 0 }, ...options });
	const { client } = state.connect();
	await client.pair(paired.record, { pollIntervalMs: 0 });
	return state;
}

describe('LockdownClient ⇄ SimLockdownd, before pairing', () => {
	it('QueryType answers com.apple.mobile.lockdown, and every request carries Request and Label', async () => {
		const { connect, requests } = setup();
		const { client } = connect();
		expect(await client.queryType()).toBe('com.apple.mobile.lockdown');
		expect(requests).toEqual([{ Label: DEFAULT_LOCKDOWN_LABEL, Request: 'QueryType' }]);
	});

	it('reads the values needed for pairing', async () => {
		const { client } = setup().connect();
		const info = await client.getDeviceInfo();
		expect(info).toMatchObject({
			deviceName: 'Ada’s iPhone',
			productType: 'iPhone16,1',
			productVersion: '18.5',
			uniqueDeviceId: identity.values.UniqueDeviceID,
			wifiAddress: identity.values.WiFiAddress,
		});
		const pem = new TextDecoder().decode(info.devicePublicKey);
		expect(pem.startsWith('-----BEGIN RSA PUBLIC KEY-----\n')).toBe(true);
		const spki = createPublicKey({ key: pem, format: 'pem', type: 'pkcs1' }).export({ type: 'spki', format: 'der' });
		expect(new Uint8Array(spki)).toEqual(identity.publicKeySpki);
	});

	it('is refused other values and domains until a session runs', async () => {
		const { client } = setup().connect();
		await expect(client.getValue(undefined, 'SerialNumber')).rejects.toMatchObject({ code: 'device-refused' });
		await expect(client.getDiskUsage()).rejects.toMatchObject({ code: 'device-refused' });
		await expect(client.startService('com.apple.afc')).rejects.toMatchObject({ code: 'device-refused' });
		const all = (await client.getValue()) as PlistDict;
		expect(all.UniqueDeviceID).toBe(identity.values.UniqueDeviceID);
		expect(all.SerialNumber).toBeUndefined();
	});

	it('gives undefined for a value the phone does not have', async () => {
		const state = await pairedSetup();
		const { client } = state.connect();
		await client.startSession(paired.record);
		expect(await client.getValue(undefined, 'NoSuchKey')).toBeUndefined();
	});
});

describe('pairing and the Trust dialog', () => {
	it('polls while the question is on screen, then stores the escrow bag the phone returns', async () => {
		const state = setup({ trust: { pendingPolls: 2, answer: 'trust' } });
		const { client } = state.connect();
		let waiting = 0;
		const result = await client.pair(paired.record, { pollIntervalMs: 0, onWaitingForTrust: () => void waiting++ });
		expect(waiting).toBe(1);
		expect(state.prompts).toBe(1);
		expect(result.escrowBag).toHaveLength(32);
		expect(result.escrowBag).toEqual(state.sim.escrowBagOf(paired.record.hostId));
		const pairs = state.requests.filter((request) => request.Request === 'Pair');
		expect(pairs).toHaveLength(3);
		expect(pairs[0]).toMatchObject({
			Label: DEFAULT_LOCKDOWN_LABEL,
			ProtocolVersion: '2',
			PairingOptions: { ExtendedPairingErrors: true },
		});
		const sent = pairs[0]!.PairRecord as PlistDict;
		expect(Object.keys(sent).sort()).toEqual([
			'DeviceCertificate',
			'HostCertificate',
			'HostID',
			'RootCertificate',
			'SystemBUID',
		]);
	});

	it('a locked phone: “Unlock your iPhone”, and no question on screen', async () => {
		const state = setup({ trust: { locked: true } });
		const { client } = state.connect();
		const failure = client.pair(paired.record, { pollIntervalMs: 0 });
		await expect(failure).rejects.toMatchObject({ code: 'locked', message: 'Unlock your iPhone, then try again.' });
		expect(state.prompts).toBe(0);
		state.sim.trustDialog.unlock();
		await expect(client.pair(paired.record, { pollIntervalMs: 0 })).resolves.toBeDefined();
	});

	it('“Don’t Trust”: trust-denied with advice to replug, until the phone is plugged in again', async () => {
		const state = setup({ trust: { pendingPolls: 1, answer: 'dont-trust' } });
		const { client } = state.connect();
		const denied = await client.pair(paired.record, { pollIntervalMs: 0 }).catch((error: unknown) => error);
		expect(denied).toMatchObject({ code: 'trust-denied' });
		expect((denied as { advice: string }).advice).toMatch(/unplug/i);
		await expect(client.pair(paired.record, { pollIntervalMs: 0 })).rejects.toMatchObject({ code: 'trust-denied' });
		state.sim.trustDialog.replug();
		state.sim.trustDialog.setBehaviour({ answer: 'trust' });
		await expect(client.pair(paired.record, { pollIntervalMs: 0 })).resolves.toBeDefined();
		expect(state.sim.trustedHostIds).toEqual([paired.record.hostId]);
	});

	it('gives up with a timeout when nobody answers in time', async () => {
		const { client } = setup({ trust: { pendingPolls: 1000 } }).connect();
		await expect(client.pair(paired.record, { pollIntervalMs: 1, trustTimeoutMs: 0 })).rejects.toMatchObject({
			code: 'timeout',
		});
	});

	it('stops waiting when the signal aborts', async () => {
		const { client } = setup({ trust: { pendingPolls: 1000 } }).connect();
		const controller = new AbortController();
		const pairing = client.pair(paired.record, {
			pollIntervalMs: 60_000,
			onWaitingForTrust: () => controller.abort(),
			signal: controller.signal,
		});
		await expect(pairing).rejects.toMatchObject({ code: 'connection-closed' });
	});

	it('the phone refuses a record whose device certificate is not signed by its root', async () => {
		const forged = await makePairRecord(identity.keyPair.publicKey, { foreignDeviceCertificateSigner: true });
		const state = setup({ trust: { pendingPolls: 0 } });
		await expect(state.connect().client.pair(forged.record)).rejects.toMatchObject({
			code: 'device-refused',
			message: expect.stringContaining('InvalidPairRecord'),
		});
		expect(state.prompts).toBe(0);
	});

	it('the phone refuses a record made for another device’s key', async () => {
		const stranger = await createDeviceIdentity();
		const wrong = await makePairRecord(stranger.keyPair.publicKey);
		const { client } = setup({ trust: { pendingPolls: 0 } }).connect();
		await expect(client.pair(wrong.record)).rejects.toMatchObject({ message: expect.stringContaining('InvalidPairRecord') });
	});

	it('ValidatePair: fine for the paired host, pairing-forgotten for another', async () => {
		const state = await pairedSetup();
		const { client } = state.connect();
		await expect(client.validatePair(paired.record)).resolves.toBeUndefined();
		await expect(client.validatePair(other.record)).rejects.toMatchObject({ code: 'pairing-forgotten' });
	});

	it('a phone that forgot this computer: StartSession gives pairing-forgotten', async () => {
		const state = await pairedSetup();
		state.sim.forgetAllHosts();
		const { client } = state.connect();
		const error = await client.startSession(paired.record).catch((e: unknown) => e);
		expect(error).toMatchObject({ code: 'pairing-forgotten', message: 'Your iPhone no longer trusts this computer.' });
		expect(client.sessionId).toBeUndefined();
	});

	it('a phone that takes StartSession and then drops the TLS handshake: pairing-forgotten', async () => {
		const state = await pairedSetup();
		state.sim.forgetAllHosts('drop-tls');
		// The page's own TLS client: the phone's close reaches it as a failed handshake.
		const { client } = state.connect({ security: tlsSessionSecurity });
		const error = await client.startSession(paired.record).catch((e: unknown) => e);
		expect(error).toMatchObject({ code: 'pairing-forgotten', message: 'Your iPhone no longer trusts this computer.' });
		expect(client.sessionId).toBeUndefined();
	});

	it('Unpair makes the phone forget the host', async () => {
		const state = await pairedSetup();
		const { client } = state.connect();
		await client.unpair(paired.record.hostId);
		expect(state.sim.trustedHostIds).toEqual([]);
		await expect(client.startSession(paired.record)).rejects.toMatchObject({ code: 'pairing-forgotten' });
	});
});

describe('sessions', () => {
	it('StartSession moves into TLS; values, disk usage and services inside; StopSession back to plaintext', async () => {
		const state = await pairedSetup();
		const { client, hostToDevice } = state.connect();
		const session = await client.startSession(paired.record);
		expect(session.encrypted).toBe(true);
		expect(session.sessionId).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/);
		// The StartSession request went out in plaintext, everything after it is TLS.
		const startSession = hostToDevice.findIndex((chunk) => asText([chunk]).includes('StartSession'));
		expect(startSession).toBeGreaterThanOrEqual(0);
		const sentBeforeTls = startSession + 1;

		expect(await client.getValue(undefined, 'SerialNumber')).toBe(identity.values.SerialNumber);
		expect(await client.getDiskUsage()).toEqual({
			totalDiskCapacity: identity.values.diskUsage.TotalDiskCapacity,
			totalDataCapacity: identity.values.diskUsage.TotalDataCapacity,
			totalDataAvailable: identity.values.diskUsage.TotalDataAvailable,
			amountDataAvailable: identity.values.diskUsage.AmountDataAvailable,
		});
		expect(await client.startService('com.apple.afc')).toEqual({ port: 51126, enableServiceSSL: false });
		expect(await client.startService('com.apple.mobile.diagnostics_relay')).toEqual({
			port: 51793,
			enableServiceSSL: true,
		});
		await expect(client.startService('com.apple.nothing')).rejects.toMatchObject({ code: 'service-unavailable' });
		await expect(client.startService('com.apple.mobilebackup2')).rejects.toMatchObject({
			code: 'service-unavailable',
		});

		// Everything inside the session went out encrypted.
		const inSession = asText(hostToDevice.slice(sentBeforeTls));
		expect(inSession).not.toContain('StartService');
		expect(inSession).not.toContain('com.apple.afc');
		expect(hostToDevice[sentBeforeTls]![0]).toBe(0x16); // a TLS handshake record: the ClientHello

		await client.stopSession();
		expect(client.sessionId).toBeUndefined();
		const sentAfterTls = hostToDevice.length;
		expect(await client.queryType()).toBe('com.apple.mobile.lockdown');
		expect(asText(hostToDevice.slice(sentAfterTls))).toContain('<string>QueryType</string>');
		await expect(client.getValue(undefined, 'SerialNumber')).rejects.toMatchObject({ code: 'device-refused' });

		// And a second session on the same connection.
		await client.startSession(paired.record);
		expect(await client.getValue(undefined, 'SerialNumber')).toBe(identity.values.SerialNumber);
		await client.stopSession();
	});

	it('a host that leaves TLS without close_notify (as go-ios does) goes on in plaintext too', async () => {
		const state = await pairedSetup();
		const { client } = state.connect({ security: nodeTlsClient({ closeNotify: false }) });
		await client.startSession(paired.record);
		await client.stopSession();
		expect(await client.queryType()).toBe('com.apple.mobile.lockdown');
		await client.startSession(paired.record);
		expect(await client.getValue(undefined, 'SerialNumber')).toBe(identity.values.SerialNumber);
	});

	it('sends the escrow bag with StartService when given one', async () => {
		const bags: (Uint8Array | undefined)[] = [];
		const state = await pairedSetup({
			services: (_name, { escrowBag }) => {
				bags.push(escrowBag);
				return { port: 49316, enableServiceSSL: false };
			},
		});
		const { client } = state.connect();
		await client.startSession(paired.record);
		const escrowBag = state.sim.escrowBagOf(paired.record.hostId)!;
		await client.startService('com.apple.afc', { escrowBag });
		expect(bags).toEqual([escrowBag]);
	});

	it('maps a locked phone refusing a service to “locked”', async () => {
		const state = await pairedSetup({ services: () => ({ error: 'PasswordProtected' }) });
		const { client } = state.connect();
		await client.startSession(paired.record);
		await expect(client.startService('com.apple.afc')).rejects.toMatchObject({ code: 'locked' });
	});

	it('a device that aborts the TLS handshake ends the connection with a DeviceError', async () => {
		const state = await pairedSetup({ security: nodeTlsServer({ refuseHandshake: true }) });
		const { client, served } = state.connect();
		const outcome = await client
			.startSession(paired.record)
			.then(() => client.getValue(undefined, 'SerialNumber'))
			.catch((error: unknown) => error);
		expect(outcome).toMatchObject({ name: 'DeviceError' });
		await served;
	});

	it('without session TLS on the device, the session stays in plaintext', async () => {
		const state = await pairedSetup({ security: undefined });
		const { client } = state.connect();
		expect((await client.startSession(paired.record)).encrypted).toBe(false);
		expect(await client.getValue(undefined, 'SerialNumber')).toBe(identity.values.SerialNumber);
		await client.stopSession();
	});
});

describe('replies the client does not accept', () => {
	function fakeDevice(answer: (request: PlistDict) => PlistDict | undefined) {
		const [host, device] = createChannelPair();
		const plist = new PlistChannel(device);
		void (async () => {
			for (;;) {
				const request = await plist.receiveOrEnd().catch(() => undefined);
				if (request === undefined) return;
				const reply = answer(request);
				if (reply !== undefined) await plist.send(reply);
			}
		})();
		return host;
	}

	it('times out when the phone does not answer', async () => {
		const client = new LockdownClient(fakeDevice(() => undefined), { replyTimeoutMs: 5 });
		await expect(client.queryType()).rejects.toMatchObject({ code: 'timeout' });
	});

	it('times out when the phone stops taking data: the request never leaves', async () => {
		const stuck: ByteChannel = {
			readable: new ReadableStream<Uint8Array>(),
			writable: new WritableStream<Uint8Array>({ write: () => new Promise<void>(() => undefined) }),
			close: async () => undefined,
		};
		const client = new LockdownClient(stuck, { replyTimeoutMs: 5 });
		await expect(client.queryType()).rejects.toMatchObject({ code: 'timeout' });
	});

	it('times out when the phone takes the session and then never finishes the TLS handshake', async () => {
		const silentTls: SessionSecurity = { startClient: () => new Promise<never>(() => undefined) };
		const client = new LockdownClient(
			fakeDevice(() => ({ Request: 'StartSession', SessionID: 'X', EnableSessionSSL: true })),
			{ security: silentTls, replyTimeoutMs: 5 },
		);
		await expect(client.startSession(paired.record)).rejects.toMatchObject({ code: 'timeout' });
	});

	it('cuts a device name of any length, as a phone may lie about it', async () => {
		const client = new LockdownClient(
			fakeDevice((request) => {
				const key = String(request.Key);
				if (key === 'DevicePublicKey') return { Request: 'GetValue', Key: key, Value: new Uint8Array(8) };
				return { Request: 'GetValue', Key: key, Value: key === 'DeviceName' ? 'N'.repeat(900_000) : `v-${key}` };
			}),
		);
		const info = await client.getDeviceInfo();
		expect(info.deviceName).toBe('N'.repeat(MAX_INFO_TEXT));
		expect(info.productType).toBe('v-ProductType');
	});

	it('a reply to another request is a protocol error', async () => {
		const client = new LockdownClient(fakeDevice(() => ({ Request: 'GetValue', Value: 'x' })));
		await expect(client.queryType()).rejects.toMatchObject({ code: 'protocol' });
	});

	it('a StartService reply without a valid port is a protocol error', async () => {
		const client = new LockdownClient(fakeDevice(() => ({ Request: 'StartService', Port: 70000 })));
		await expect(client.startService('com.apple.afc')).rejects.toMatchObject({ code: 'protocol' });
	});

	it('old-style Result: Failure is an error', async () => {
		const client = new LockdownClient(fakeDevice(() => ({ Request: 'ValidatePair', Result: 'Failure' })));
		await expect(client.validatePair(paired.record)).rejects.toMatchObject({ code: 'device-refused' });
	});

	it('StartSession asking for TLS without a TLS implementation is refused plainly', async () => {
		const client = new LockdownClient(
			fakeDevice(() => ({ Request: 'StartSession', SessionID: 'X', EnableSessionSSL: true })),
			{ security: undefined },
		);
		await expect(client.startSession(paired.record)).rejects.toMatchObject({ code: 'protocol' });
	});

	it('requests never overlap on the connection', async () => {
		const seen: string[] = [];
		const client = new LockdownClient(
			fakeDevice((request) => {
				seen.push(String(request.Key));
				return { Request: 'GetValue', Key: request.Key!, Value: `v-${String(request.Key)}` };
			}),
		);
		const values = await Promise.all(['A', 'B', 'C'].map((key) => client.getValue(undefined, key)));
		expect(values).toEqual(['v-A', 'v-B', 'v-C']);
		expect(seen).toEqual(['A', 'B', 'C']);
	});
});
