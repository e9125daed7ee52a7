import { describe, expect, it } from 'vitest';
import 'fake-indexeddb/auto';
import { AfcClient } from '../afc';
import { isDeviceError } from '../errors';
import { tlsSessionSecurity } from '../lockdown';
import { tlsDeviceSecurity, type DeviceSessionSecurity } from '../../sim/lockdownd';
import { nodeTlsServer } from '../../testing/sim/lockdownd/node-tls';
import { SimUsb } from '../../sim/usb';
import { VirtualIPhone, type VirtualIPhoneOptions } from '../../sim/virtual-iphone';
import { AppDatabase, DexiePairRecordStore, MemoryPairRecordStore } from '../store';
import { IPhone } from './iphone';
import { AFC_SERVICE, openFileService } from './file-service';
import { openTrustedSession } from './trusted-session';

async function connect(phone: VirtualIPhone) {
	const usb = new SimUsb();
	usb.plug(phone.hardware, { granted: true });
	return IPhone.open(usb, { security: tlsSessionSecurity });
}

const servers: [string, DeviceSessionSecurity][] = [
	['our TLS server', tlsDeviceSecurity],
	["OpenSSL's TLS server", nodeTlsServer()],
];

describe.each(servers)('a trusted session with the virtual iPhone (%s)', (_, security) => {
	const create = (options: VirtualIPhoneOptions = {}) =>
		VirtualIPhone.create({ security, lockdown: { trust: { pendingPolls: 2 } }, ...options });

	it('pairs after the Trust question, runs TLS, starts AFC, and reuses the record without asking again', async () => {
		const phone = await create();
		const store = new MemoryPairRecordStore();
		let asked = 0;
		const iphone = await connect(phone);
		const first = await openTrustedSession(iphone, { store, onWaitingForTrust: () => asked++, pollIntervalMs: 1 });
		expect(first.paired).toBe(true);
		expect(asked).toBe(1);
		expect(first.info.uniqueDeviceId).toBe(phone.udid);
		const service = await first.lockdown.startService('com.apple.afc');
		const afc = new AfcClient(await iphone.connect(service.port));
		expect(await afc.list('/DCIM')).toContain('100APPLE');
		await iphone.close();

		const again = await connect(phone);
		const second = await openTrustedSession(again, { store, onWaitingForTrust: () => asked++, pollIntervalMs: 1 });
		expect(second.paired).toBe(false);
		expect(asked).toBe(1);
		expect(second.info.deviceName).toBe(first.info.deviceName);
		await again.close();
		expect(phone.mux.violations).toEqual([]);
	});

	it('pairs again when the phone has forgotten this computer', async () => {
		const phone = await create();
		const store = new MemoryPairRecordStore();
		const iphone = await connect(phone);
		const first = await openTrustedSession(iphone, { store, pollIntervalMs: 1 });
		phone.lockdownd.forgetAllHosts();
		await first.lockdown.close();
		const second = await openTrustedSession(iphone, { store, pollIntervalMs: 1 });
		expect(second.paired).toBe(true);
		expect(second.record.hostId).not.toBe(first.record.hostId);
		await iphone.close();
	});

	it('pairs again, with the Trust question, when the phone takes the session and then drops the TLS handshake', async () => {
		const phone = await create();
		const store = new MemoryPairRecordStore();
		const iphone = await connect(phone);
		const first = await openTrustedSession(iphone, { store, pollIntervalMs: 1 });
		await first.lockdown.close();
		phone.lockdownd.forgetHost(first.record.hostId, 'drop-tls');
		let asked = 0;
		const second = await openTrustedSession(iphone, { store, onWaitingForTrust: () => asked++, pollIntervalMs: 1 });
		expect(second.paired).toBe(true);
		expect(asked).toBe(1);
		expect((await store.get(phone.udid))?.hostId).toBe(second.record.hostId);
		const files = await openFileService(iphone, second);
		expect(await files.list('/DCIM')).toContain('100APPLE');
		await iphone.close();
	});

	it('opens AFC in TLS with the pair record when StartService answers EnableServiceSSL', async () => {
		const phone = await create({ services: { afcServiceSsl: true } });
		const iphone = await connect(phone);
		const session = await openTrustedSession(iphone, { store: new MemoryPairRecordStore(), pollIntervalMs: 1 });
		expect(await session.lockdown.startService(AFC_SERVICE)).toMatchObject({ enableServiceSSL: true });
		const files = await openFileService(iphone, session, { replyTimeoutMs: 5_000 });
		expect(await files.list('/DCIM')).toContain('100APPLE');
		expect((await files.stat('/DCIM')).kind).toBe('directory');
		await iphone.close();
		expect(phone.afcSessions.length).toBe(1);
		expect(phone.mux.violations).toEqual([]);
	});

	it('offers the escrow bag, and starts AFC without it when the phone turns it down', async () => {
		const requests: unknown[] = [];
		const phone = await create({ services: { rejectEscrowBag: 'MissingValue' }, lockdown: { trust: { pendingPolls: 0 }, onRequest: (r) => void requests.push(r) } });
		const iphone = await connect(phone);
		const session = await openTrustedSession(iphone, { store: new MemoryPairRecordStore(), pollIntervalMs: 1 });
		expect(session.record.escrowBag).toBeDefined();
		const files = await openFileService(iphone, session);
		expect(await files.list('/DCIM')).toContain('100APPLE');
		const starts = requests.filter((r) => (r as { Request?: unknown }).Request === 'StartService');
		expect(starts.map((r) => (r as { EscrowBag?: unknown }).EscrowBag !== undefined)).toEqual([true, false]);
		await iphone.close();
	});

	it('says "Don’t Trust" and "locked" in plain words', async () => {
		const denied = await create({ lockdown: { trust: { pendingPolls: 1, answer: 'dont-trust' } } });
		const deniedError = await openTrustedSession(await connect(denied), { store: new MemoryPairRecordStore(), pollIntervalMs: 1 }).catch((e: unknown) => e);
		expect(isDeviceError(deniedError, 'trust-denied')).toBe(true);

		const locked = await create({ lockdown: { trust: { locked: true } } });
		const lockedError = await openTrustedSession(await connect(locked), { store: new MemoryPairRecordStore(), pollIntervalMs: 1 }).catch((e: unknown) => e);
		expect(isDeviceError(lockedError, 'locked')).toBe(true);
	});
});

describe('a pair record kept in IndexedDB', () => {
	it('is reused after the database is closed and opened again, with keys that cannot be exported', async () => {
		const phone = await VirtualIPhone.create({ security: tlsDeviceSecurity });
		const name = `pairing-${crypto.randomUUID()}`;
		const db = new AppDatabase(name);
		const iphone = await connect(phone);
		await openTrustedSession(iphone, { store: new DexiePairRecordStore(db), pollIntervalMs: 1 });
		await iphone.close();
		db.close();

		const reopened = new AppDatabase(name);
		const store = new DexiePairRecordStore(reopened);
		const record = await store.get(phone.udid);
		expect(record).toBeDefined();
		await expect(crypto.subtle.exportKey('pkcs8', record!.hostPrivateKey)).rejects.toThrow();
		const again = await connect(phone);
		const session = await openTrustedSession(again, { store, pollIntervalMs: 1 });
		expect(session.paired).toBe(false);
		await again.close();
		reopened.close();
	});
});
