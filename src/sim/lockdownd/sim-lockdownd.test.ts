import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { isDeviceError } from '../../lib/errors';
import { tlsSessionSecurity } from '../../lib/lockdown/tls-session-security';
import { LockdownClient } from '../../lib/lockdown/lockdown-client';
import { pairRecordForDevice } from '../../lib/lockdown/pair-record';
import { PlistChannel } from '../../lib/lockdown/plist-channel';
import { encodePlistFrame } from '../../lib/lockdown/plist-frame';
import { bytesToBase64 } from '../../lib/plist/xml';
import type { PlistDict } from '../../lib/plist/value';
import { createChannelPair } from '../../lib/streams/byte-channel';
import { createDeviceIdentity, exportDeviceKeys, type DeviceIdentity } from './device-identity';
import { clientCertificateSignedByRoot } from './pair-record-check';
import { SimLockdownd, type SimLockdowndOptions, type TrustedHost } from './sim-lockdownd';
import { makePairRecord, type TestPairRecord } from '../../testing/sim/lockdownd/make-pair-record';
import { nodeTlsServer } from '../../testing/sim/lockdownd/node-tls';
import { TrustDialog } from './trust-dialog';

const fixture = (name: string) =>
	new Uint8Array(
		readFileSync(new URL(`../../../../shared/fixtures/bytes/appium-ios-device/${name}`, import.meta.url)),
	);

let identity: DeviceIdentity;
let record: TestPairRecord;

beforeAll(async () => {
	identity = await createDeviceIdentity({ ProductVersion: '12.3.1' });
	record = await makePairRecord(identity.keyPair.publicKey);
});

/** A raw plist connection to the simulator, as any host (not only ours) would have. */
function open(sim: SimLockdownd) {
	const [host, device] = createChannelPair();
	const served = sim.serve(device);
	const plist = new PlistChannel(host);
	const ask = async (request: PlistDict) => {
		await plist.send(request);
		return plist.receive();
	};
	return { host, plist, ask, served };
}

function newSim(options: Partial<SimLockdowndOptions> = {}) {
	return new SimLockdownd({ identity, trust: { pendingPolls: 0 }, ...options });
}

async function pairedSim(options: Partial<SimLockdowndOptions> = {}) {
	const sim = newSim(options);
	const { ask } = open(sim);
	const reply = await ask({
		Request: 'Pair',
		PairRecord: pairRecordForDevice(record.record),
		ProtocolVersion: '2',
	});
	expect(reply.EscrowBag).toBeInstanceOf(Uint8Array);
	return sim;
}

describe('replies byte for byte like a real iPhone (appium-ios-device fixtures)', () => {
	async function rawReply(request: PlistDict): Promise<Uint8Array[]> {
		const [host, device] = createChannelPair();
		void newSim().serve(device);
		const { prefix, body } = encodePlistFrame(request);
		await host.writable.getWriter().write(new Uint8Array([...prefix, ...body]));
		const reader = host.readable.getReader();
		const chunks: Uint8Array[] = [];
		// Two writes: the length prefix, then the body.
		for (let i = 0; i < 2; i++) chunks.push((await reader.read()).value!);
		return chunks;
	}

	it('QueryType', async () => {
		const [prefix, body] = await rawReply({ Label: 'test', Request: 'QueryType' });
		expect(prefix).toHaveLength(4);
		expect(new Uint8Array([...prefix!, ...body!])).toEqual(fixture('lockdownquerytypemessage.bin'));
	});

	it('GetValue ProductVersion', async () => {
		const [prefix, body] = await rawReply({ Key: 'ProductVersion', Label: 'test', Request: 'GetValue' });
		expect(new Uint8Array([...prefix!, ...body!])).toEqual(fixture('lockdowngetvaluemessage.bin'));
	});
});

describe('requests checked the way lockdownd checks them', () => {
	it('an unknown or missing Request is refused', async () => {
		const { ask } = open(newSim());
		expect(await ask({ Request: 'Reboot' })).toEqual({ Error: 'InvalidRequest', Request: 'Reboot' });
		expect(await ask({ Label: 'x' })).toEqual({ Error: 'InvalidRequest' });
	});

	it('GetValue before pairing: only the pre-pairing keys, GetProhibited for the rest', async () => {
		const { ask } = open(newSim());
		const all = await ask({ Request: 'GetValue' });
		expect(Object.keys(all.Value as PlistDict).sort()).toEqual([
			'BuildVersion',
			'DeviceClass',
			'DeviceName',
			'DevicePublicKey',
			'ProductType',
			'ProductVersion',
			'ProtocolVersion',
			'TimeIntervalSince1970',
			'TimeZone',
			'UniqueDeviceID',
			'WiFiAddress',
		]);
		expect(await ask({ Request: 'GetValue', Key: 'SerialNumber' })).toEqual({
			Error: 'GetProhibited',
			Key: 'SerialNumber',
			Request: 'GetValue',
		});
		expect(await ask({ Request: 'GetValue', Domain: 'com.apple.disk_usage' })).toMatchObject({
			Error: 'GetProhibited',
			Domain: 'com.apple.disk_usage',
		});
	});

	it('DevicePublicKey is PEM "RSA PUBLIC KEY" data, as real devices give it', async () => {
		const { ask } = open(newSim());
		const { Value } = await ask({ Request: 'GetValue', Key: 'DevicePublicKey' });
		expect(Value).toBeInstanceOf(Uint8Array);
		expect(bytesToBase64(Value as Uint8Array).startsWith('LS0tLS1CRUdJTiBSU0EgUFVCTElDIEtFWS0tLS0t')).toBe(true);
	});

	it('Pair: the record must be there, with a HostID and certificates that check out', async () => {
		const { ask } = open(newSim());
		expect(await ask({ Request: 'Pair' })).toEqual({ Error: 'MissingPairRecord', Request: 'Pair' });
		const { HostID: _hostId, ...withoutHostId } = pairRecordForDevice(record.record);
		expect(await ask({ Request: 'Pair', PairRecord: withoutHostId })).toMatchObject({ Error: 'MissingHostID' });
		const garbage = { ...pairRecordForDevice(record.record), RootCertificate: new Uint8Array([1, 2, 3]) };
		expect(await ask({ Request: 'Pair', PairRecord: garbage })).toMatchObject({ Error: 'InvalidPairRecord' });
		const swapped = {
			...pairRecordForDevice(record.record),
			DeviceCertificate: pairRecordForDevice(record.record).HostCertificate!,
		};
		expect(await ask({ Request: 'Pair', PairRecord: swapped })).toMatchObject({ Error: 'InvalidPairRecord' });
	});

	it('a host that is already trusted pairs again without a question', async () => {
		let prompts = 0;
		const sim = await pairedSim({ onTrustPromptShown: () => void prompts++ });
		prompts = 0;
		const { ask } = open(sim);
		const reply = await ask({ Request: 'Pair', PairRecord: pairRecordForDevice(record.record) });
		expect(reply.EscrowBag).toEqual(sim.escrowBagOf(record.record.hostId));
		expect(prompts).toBe(0);
	});

	it('StartSession: HostID required and known; one session per connection', async () => {
		const sim = await pairedSim();
		const { ask } = open(sim);
		expect(await ask({ Request: 'StartSession' })).toEqual({ Error: 'MissingHostID', Request: 'StartSession' });
		expect(await ask({ Request: 'StartSession', HostID: 'NOT-PAIRED' })).toMatchObject({ Error: 'InvalidHostID' });
		const started = await ask({
			Request: 'StartSession',
			HostID: record.record.hostId,
			SystemBUID: record.record.systemBuid,
		});
		expect(started).toMatchObject({ EnableSessionSSL: false, Request: 'StartSession' });
		expect(await ask({ Request: 'StartSession', HostID: record.record.hostId })).toMatchObject({
			Error: 'SessionActive',
		});
	});

	it('StopSession and StartService need a session; StopSession needs its SessionID', async () => {
		const sim = await pairedSim({ services: () => ({ port: 49316, enableServiceSSL: false }) });
		const { ask } = open(sim);
		expect(await ask({ Request: 'StopSession', SessionID: 'X' })).toMatchObject({ Error: 'SessionInactive' });
		expect(await ask({ Request: 'StartService', Service: 'com.apple.afc' })).toMatchObject({
			Error: 'SessionInactive',
		});
		const { SessionID } = await ask({ Request: 'StartSession', HostID: record.record.hostId });
		expect(await ask({ Request: 'StartService' })).toMatchObject({ Error: 'MissingService' });
		expect(await ask({ Request: 'StartService', Service: 'com.apple.afc' })).toEqual({
			Port: 49316,
			Request: 'StartService',
			Service: 'com.apple.afc',
		});
		expect(await ask({ Request: 'StopSession' })).toMatchObject({ Error: 'MissingSessionID' });
		expect(await ask({ Request: 'StopSession', SessionID: 'WRONG' })).toMatchObject({ Error: 'InvalidSessionID' });
		expect(await ask({ Request: 'StopSession', SessionID: SessionID! })).toEqual({ Request: 'StopSession' });
	});

	it('GetValue in a session: any global key, the disk-usage domain, MissingValue otherwise', async () => {
		const sim = await pairedSim();
		const { ask } = open(sim);
		await ask({ Request: 'StartSession', HostID: record.record.hostId });
		expect(await ask({ Request: 'GetValue', Key: 'SerialNumber' })).toMatchObject({
			Value: identity.values.SerialNumber,
		});
		expect(
			await ask({ Request: 'GetValue', Domain: 'com.apple.disk_usage', Key: 'TotalDiskCapacity' }),
		).toEqual({
			Domain: 'com.apple.disk_usage',
			Key: 'TotalDiskCapacity',
			Request: 'GetValue',
			Value: identity.values.diskUsage.TotalDiskCapacity,
		});
		expect(await ask({ Request: 'GetValue', Domain: 'com.apple.nothing' })).toMatchObject({
			Error: 'MissingValue',
		});
	});

	it('pairings are the phone’s, shared by all its connections', async () => {
		const sim = await pairedSim();
		const { ask } = open(sim);
		expect(await ask({ Request: 'StartSession', HostID: record.record.hostId })).toMatchObject({
			Request: 'StartSession',
		});
		sim.forgetHost(record.record.hostId);
		expect(await open(sim).ask({ Request: 'StartSession', HostID: record.record.hostId })).toMatchObject({
			Error: 'InvalidHostID',
		});
	});

	it('a phone made again with the trusted hosts and keys it kept knows the computer without a question', async () => {
		let kept: TrustedHost[] = [];
		const first = await pairedSim({ onTrustChanged: (hosts) => (kept = hosts) });
		expect(kept.map((host) => host.record.hostId)).toEqual([record.record.hostId]);
		const keys = await exportDeviceKeys(identity);
		let prompts = 0;
		const again = await SimLockdownd.create({
			trust: { pendingPolls: 0 },
			deviceKeys: keys,
			trustedHosts: kept,
			onTrustPromptShown: () => void prompts++,
			onTrustChanged: (hosts) => (kept = hosts),
		});
		expect(again.identity.publicKeySpki).toEqual(identity.publicKeySpki);
		const { ask } = open(again);
		expect(await ask({ Request: 'StartSession', HostID: record.record.hostId })).toMatchObject({ Request: 'StartSession' });
		expect(again.escrowBagOf(record.record.hostId)).toEqual(first.escrowBagOf(record.record.hostId));
		expect(prompts).toBe(0);
		// Unpair is remembered too.
		const { ask: other } = open(again);
		expect(await other({ Request: 'Unpair', PairRecord: { HostID: record.record.hostId } })).toEqual({ Request: 'Unpair' });
		expect(kept).toEqual([]);
	});

	it('Goodbye is answered, then the connection ends', async () => {
		const { ask, plist, served } = open(newSim());
		expect(await ask({ Request: 'Goodbye' })).toEqual({ Request: 'Goodbye' });
		await served;
		expect(await plist.receiveOrEnd()).toBeUndefined();
	});

	it('a malformed message drops the connection', async () => {
		const errors: unknown[] = [];
		const [host, device] = createChannelPair();
		const served = newSim({ onConnectionError: (error) => void errors.push(error) }).serve(device);
		const writer = host.writable.getWriter();
		await writer.write(new Uint8Array([0, 0, 0, 5, 1, 2, 3, 4, 5]));
		await served;
		expect(errors).toHaveLength(1);
		expect(isDeviceError(errors[0], 'protocol')).toBe(true);
	});

	it('an oversized length prefix drops the connection without waiting for the body', async () => {
		const errors: unknown[] = [];
		const [host, device] = createChannelPair();
		const served = newSim({ onConnectionError: (error) => void errors.push(error) }).serve(device);
		await host.writable.getWriter().write(new Uint8Array([0x7f, 0xff, 0xff, 0xff]));
		await served;
		expect(isDeviceError(errors[0], 'too-large')).toBe(true);
	});
});

describe('session TLS on the device', () => {
	it('refuses a host whose certificate is not signed by the paired root', async () => {
		const sim = await pairedSim({ security: nodeTlsServer() });
		const impostor = await makePairRecord(identity.keyPair.publicKey);
		const [host, device] = createChannelPair();
		const served = sim.serve(device);
		const client = new LockdownClient(host, { security: tlsSessionSecurity });
		// Right HostID, but the host certificate and key come from another root.
		const outcome = await client
			.startSession({ ...impostor.record, hostId: record.record.hostId })
			.then(() => client.getValue(undefined, 'SerialNumber'))
			.catch((error: unknown) => error);
		expect(isDeviceError(outcome)).toBe(true);
		await served;
	});
});

describe('clientCertificateSignedByRoot', () => {
	const der = (pem: Uint8Array) =>
		Uint8Array.from(
			atob(
				new TextDecoder()
					.decode(pem)
					.replace(/-----[^-]+-----/g, '')
					.replace(/\s/g, ''),
			),
			(c) => c.charCodeAt(0),
		);

	it('accepts the host certificate and the root itself, refuses others', async () => {
		const { hostCertificate, rootCertificate, deviceCertificate } = record.record;
		expect(await clientCertificateSignedByRoot([der(hostCertificate)], rootCertificate)).toBe(true);
		expect(await clientCertificateSignedByRoot([der(rootCertificate)], rootCertificate)).toBe(true);
		const stranger = await makePairRecord(identity.keyPair.publicKey);
		expect(await clientCertificateSignedByRoot([der(stranger.record.hostCertificate)], rootCertificate)).toBe(false);
		expect(await clientCertificateSignedByRoot([der(deviceCertificate)], stranger.record.rootCertificate)).toBe(false);
		expect(await clientCertificateSignedByRoot([], rootCertificate)).toBe(false);
		expect(await clientCertificateSignedByRoot([new Uint8Array([1, 2, 3])], rootCertificate)).toBe(false);
	});
});

describe('TrustDialog', () => {
	it('pending for N polls, then the answer; “Don’t Trust” sticks until replug', () => {
		fc.assert(
			fc.property(fc.nat(6), fc.constantFrom('trust' as const, 'dont-trust' as const), (polls, answer) => {
				let shown = 0;
				const dialog = new TrustDialog({ pendingPolls: polls, answer }, () => void shown++);
				for (let i = 0; i < polls; i++) expect(dialog.ask()).toBe('pending');
				expect(dialog.ask()).toBe(answer === 'trust' ? 'trusted' : 'denied');
				expect(shown).toBe(1);
				if (answer === 'dont-trust') {
					expect(dialog.ask()).toBe('denied');
					dialog.replug();
					expect(dialog.ask()).toBe(polls === 0 ? 'denied' : 'pending');
				} else {
					expect(dialog.showing).toBe(false);
				}
			}),
		);
	});

	it('a locked phone shows nothing until unlocked', () => {
		let shown = 0;
		const dialog = new TrustDialog({ locked: true, pendingPolls: 0 }, () => void shown++);
		expect(dialog.ask()).toBe('locked');
		expect(shown).toBe(0);
		dialog.unlock();
		expect(dialog.ask()).toBe('trusted');
		dialog.lock();
		expect(dialog.ask()).toBe('locked');
	});
});
