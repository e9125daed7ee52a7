import 'fake-indexeddb/auto';
import { Dexie } from 'dexie';
import { beforeAll, describe, expect, it } from 'vitest';
import { isDeviceError } from '../errors';
import { createPairRecord, pairRequestRecord, withEscrowBag, type PairRecord } from '../pairing';
import { X509Certificate } from '../pairing/x509';
import { phoneKey } from '../pairing/test-support-node';
import {
	AppDatabase,
	DATABASE_NAME,
	DexiePairRecordStore,
	MemoryPairRecordStore,
	forgetDevice,
	forgetFileMetadata,
	loadFileMetadata,
	METADATA_READERS,
	profileSystemBuid,
	saveFileMetadata,
	type PairRecordStore,
} from './index';

const FIRST = '00008030-001A35E02E38802E';
const SECOND = '00008110-000A1B2C3D4E5F60';

let first: PairRecord;
let second: PairRecord;

beforeAll(async () => {
	const key = phoneKey().pkcs1Pem;
	first = withEscrowBag(
		await createPairRecord({ devicePublicKeyPem: key, udid: FIRST, wifiAddress: 'aa:bb:cc:dd:ee:ff' }, { now: new Date('2026-01-01T00:00:00Z') }),
		crypto.getRandomValues(new Uint8Array(32)),
	);
	second = await createPairRecord({ devicePublicKeyPem: key, udid: SECOND }, { systemBuid: first.systemBuid, now: new Date('2026-02-01T00:00:00Z') });
});

let databases = 0;
/** A fresh database per test, so tests do not see each other's records. */
function freshDatabase(): AppDatabase {
	return new AppDatabase(`test-${++databases}`);
}

/** The host key signs, and what it signs checks out with the host certificate's key. */
async function hostKeySigns(record: PairRecord): Promise<boolean> {
	const message = new TextEncoder().encode('proof');
	const signature = await crypto.subtle.sign('RSASSA-PKCS1-v1_5', record.hostPrivateKey, message);
	const certificate = new X509Certificate(new TextDecoder().decode(record.hostCertificate));
	const publicKey = await certificate.publicKey.export({ name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, ['verify']);
	return crypto.subtle.verify('RSASSA-PKCS1-v1_5', publicKey, signature, message);
}

const implementations: [string, () => PairRecordStore][] = [
	['Dexie on IndexedDB', () => new DexiePairRecordStore(freshDatabase())],
	['in memory', () => new MemoryPairRecordStore()],
];

describe.each(implementations)('PairRecordStore %s', (_name, makeStore) => {
	it('gives a record back whole, with keys that still sign and still cannot be exported', async () => {
		const store = makeStore();
		await store.put(first);
		const back = await store.get(FIRST);
		expect(back).toBeDefined();
		expect(back).not.toBe(first);
		expect(back!.hostPrivateKey).not.toBe(first.hostPrivateKey);
		expect(pairRequestRecord(back!)).toEqual(pairRequestRecord(first));
		expect(back!.escrowBag).toEqual(first.escrowBag);
		expect(back!.devicePublicKey).toEqual(first.devicePublicKey);
		expect(back!.createdAt.getTime()).toBe(first.createdAt.getTime());
		expect(back!.wifiMacAddress).toBe('aa:bb:cc:dd:ee:ff');
		for (const key of [back!.hostPrivateKey, back!.rootPrivateKey]) {
			expect(key.extractable).toBe(false);
			await expect(crypto.subtle.exportKey('pkcs8', key)).rejects.toThrow();
		}
		expect(await hostKeySigns(back!)).toBe(true);
	});

	it('gets nothing for an unknown phone, replaces on put, lists oldest first, deletes', async () => {
		const store = makeStore();
		expect(await store.get(FIRST)).toBeUndefined();
		await store.put(second);
		await store.put(first);
		expect((await store.list()).map((record) => record.udid)).toEqual([FIRST, SECOND]);
		const replacement = { ...first, hostId: 'REPLACED' };
		await store.put(replacement);
		expect((await store.get(FIRST))?.hostId).toBe('REPLACED');
		expect(await store.list()).toHaveLength(2);
		await store.delete(FIRST);
		expect(await store.get(FIRST)).toBeUndefined();
		expect((await store.list()).map((record) => record.udid)).toEqual([SECOND]);
		await store.delete('never-seen');
	});

	it('keeps its own copy: changing a record after put or after get changes nothing stored', async () => {
		const store = makeStore();
		const mine = withEscrowBag(first, new Uint8Array(32));
		await store.put(mine);
		mine.escrowBag![0] = 0xff;
		const back = await store.get(FIRST);
		expect(back!.escrowBag![0]).toBe(0);
		back!.escrowBag![0] = 0xee;
		expect((await store.get(FIRST))!.escrowBag![0]).toBe(0);
	});

	it('forgetDevice removes that phone only', async () => {
		const store = makeStore();
		await store.put(first);
		await store.put(second);
		await forgetDevice(store, FIRST);
		expect(await store.get(FIRST)).toBeUndefined();
		expect((await store.get(SECOND))?.udid).toBe(SECOND);
		await forgetDevice(store, FIRST);
	});

	it('profileSystemBuid reuses the records’ SystemBUID, or makes one', async () => {
		const store = makeStore();
		const fresh = await profileSystemBuid(store);
		expect(fresh).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/);
		expect(fresh).not.toBe(first.systemBuid);
		await store.put(first);
		expect(await profileSystemBuid(store)).toBe(first.systemBuid);
	});
});

describe('AppDatabase', () => {
	it('is version 4 of the "iphone-backup" database: pair records by UDID, the backup tables, file metadata, settings', async () => {
		const db = new AppDatabase();
		await db.open();
		expect(db.name).toBe(DATABASE_NAME);
		expect(DATABASE_NAME).toBe('iphone-backup');
		expect(db.verno).toBe(4);
		expect(db.tables.map((table) => table.name).sort()).toEqual(['backupFiles', 'backupRuns', 'destinations', 'devices', 'fileMetadata', 'pairRecords', 'settings']);
		expect(db.settings.schema.primKey.keyPath).toBe('key');
		expect(db.fileMetadata.schema.primKey.keyPath).toBe('udid');
		expect(db.pairRecords.schema.primKey.keyPath).toBe('udid');
		expect(db.backupFiles.schema.primKey.keyPath).toEqual(['backup', 'key']);
		db.close();
	});

	it('upgrades a version 1 database in place: its pair records stay', async () => {
		const name = `upgrade-${++databases}`;
		const old = new Dexie(name);
		old.version(1).stores({ pairRecords: 'udid' });
		await old.table('pairRecords').put(first);
		old.close();
		const db = new AppDatabase(name);
		const back = await new DexiePairRecordStore(db).get(FIRST);
		expect(db.verno).toBe(4);
		expect(back?.hostId).toBe(first.hostId);
		expect(await hostKeySigns(back!)).toBe(true);
		expect(await db.backupFiles.count()).toBe(0);
		db.close();
	});

	it('keeps records across connections, as a reload of the page would', async () => {
		const name = `reload-${++databases}`;
		const before = new AppDatabase(name);
		await new DexiePairRecordStore(before).put(first);
		before.close();
		const after = new AppDatabase(name);
		const back = await new DexiePairRecordStore(after).get(FIRST);
		expect(back?.hostId).toBe(first.hostId);
		expect(await hostKeySigns(back!)).toBe(true);
		after.close();
	});

	it('treats a damaged row as absent, so the phone is simply paired again', async () => {
		const db = freshDatabase();
		const { hostPrivateKey: _dropped, ...withoutKey } = first;
		await db.pairRecords.put(withoutKey as PairRecord);
		await db.table('pairRecords').put({ udid: SECOND, hostId: 42 });
		const store = new DexiePairRecordStore(db);
		expect(await store.get(FIRST)).toBeUndefined();
		expect(await store.list()).toEqual([]);
		await store.put(first);
		expect((await store.get(FIRST))?.hostId).toBe(first.hostId);
	});

	it('turns a database failure into a DeviceError "storage" in plain words', async () => {
		const db = freshDatabase();
		const store = new DexiePairRecordStore(db);
		await store.put(first);
		db.close();
		for (const attempt of [store.get(FIRST), store.put(second), store.delete(FIRST), store.list()]) {
			const error = await attempt.then(
				() => undefined,
				(failure: unknown) => failure,
			);
			expect(isDeviceError(error, 'storage'), String(error)).toBe(true);
			expect((error as { advice?: string }).advice).toMatch(/private window/);
		}
	});

	it('says so when the disk or the site’s storage is full', async () => {
		const db = freshDatabase();
		const table = db.pairRecords as { put: (record: PairRecord) => Promise<string> };
		table.put = () => Promise.reject(new DOMException('quota', 'QuotaExceededError'));
		const error = await new DexiePairRecordStore(db).put(first).then(
			() => undefined,
			(failure: unknown) => failure,
		);
		expect(isDeviceError(error, 'storage')).toBe(true);
		expect((error as { advice?: string }).advice).toMatch(/Free some space/);
	});
});

describe('file metadata remembered per iPhone', () => {
	it('keeps one map per iPhone across connections, replaces it whole, and forgets it', async () => {
		const name = `metadata-${++databases}`;
		const db = new AppDatabase(name);
		expect((await loadFileMetadata(db, FIRST)).size).toBe(0);
		const date = { epochMs: 1_700_000_000_000, offsetMinutes: 60, floating: false, source: 'exif' as const };
		await saveFileMetadata(db, FIRST, new Map([['/DCIM/100APPLE/IMG_0001.HEIC\u00001\u00002\u00003', { captureDate: date, liveId: 'L' }]]));
		db.close();
		const again = new AppDatabase(name);
		const entries = await loadFileMetadata(again, FIRST);
		expect([...entries.values()]).toEqual([{ captureDate: date, liveId: 'L' }]);
		await saveFileMetadata(again, FIRST, new Map([['other', {}]]));
		expect([...(await loadFileMetadata(again, FIRST)).keys()]).toEqual(['other']);
		await forgetFileMetadata(again, FIRST);
		expect((await loadFileMetadata(again, FIRST)).size).toBe(0);
		again.close();
	});

	it('reads again what older date readers remembered', async () => {
		const db = new AppDatabase(`metadata-${++databases}`);
		await db.fileMetadata.put({ udid: FIRST, readers: METADATA_READERS - 1, entries: JSON.stringify([['a', {}]]), updatedAt: new Date() });
		expect((await loadFileMetadata(db, FIRST)).size).toBe(0);
		await saveFileMetadata(db, FIRST, new Map([['a', {}]]));
		expect((await loadFileMetadata(db, FIRST)).size).toBe(1);
		db.close();
	});
});
