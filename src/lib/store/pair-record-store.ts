import type { PairRecord } from '../pairing';
import { newUuid } from '../pairing/uuid';
import type { AppDatabase } from './database';
import { storageCall } from './storage-call';

/**
 * Where pair records live between visits, by UDID. Records go in and come out whole, private keys
 * included as non-extractable CryptoKeys; what comes out is a copy, usable as it is.
 */
export interface PairRecordStore {
	/** The record for this phone, or `undefined` when there is none (or only an unusable one). */
	get(udid: string): Promise<PairRecord | undefined>;
	/** Saves the record, replacing any earlier one for the same phone. */
	put(record: PairRecord): Promise<void>;
	/** Removes the record for this phone; nothing happens if there is none. */
	delete(udid: string): Promise<void>;
	/** Every usable record, oldest first. */
	list(): Promise<PairRecord[]>;
}

/** The store the app uses: the `pairRecords` table of the IndexedDB database. */
export class DexiePairRecordStore implements PairRecordStore {
	readonly #db: AppDatabase;

	constructor(db: AppDatabase) {
		this.#db = db;
	}

	async get(udid: string): Promise<PairRecord | undefined> {
		const row: unknown = await pairingCall('read', () => this.#db.pairRecords.get(udid));
		return isPairRecord(row) ? row : undefined;
	}

	async put(record: PairRecord): Promise<void> {
		await pairingCall('save', () => this.#db.pairRecords.put(record));
	}

	async delete(udid: string): Promise<void> {
		await pairingCall('delete', () => this.#db.pairRecords.delete(udid));
	}

	async list(): Promise<PairRecord[]> {
		const rows: unknown[] = await pairingCall('read', () => this.#db.pairRecords.toArray());
		return byCreation(rows.filter(isPairRecord));
	}
}

/** A store in memory, for tests and for a page that must not keep anything. Copies like IndexedDB does. */
export class MemoryPairRecordStore implements PairRecordStore {
	readonly #records = new Map<string, PairRecord>();

	async get(udid: string): Promise<PairRecord | undefined> {
		const record = this.#records.get(udid);
		return record && structuredClone(record);
	}

	async put(record: PairRecord): Promise<void> {
		this.#records.set(record.udid, structuredClone(record));
	}

	async delete(udid: string): Promise<void> {
		this.#records.delete(udid);
	}

	async list(): Promise<PairRecord[]> {
		return byCreation([...this.#records.values()].map((record) => structuredClone(record)));
	}
}

/**
 * The SystemBUID of this browser profile: the one its pair records already use (the newest, should
 * they differ), or a new one when there are none. lockdownd gets it in `Pair` and `StartSession`.
 */
export async function profileSystemBuid(store: PairRecordStore): Promise<string> {
	const records = await store.list();
	return records[records.length - 1]?.systemBuid ?? newUuid();
}

function byCreation(records: PairRecord[]): PairRecord[] {
	return records.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
}

/**
 * Whether a stored row is a record we can use. Rows are written only by `put`, but a database outlives
 * code versions and the browser may hand back something damaged; such a row is treated as absent, so
 * the app pairs again and the new record replaces it.
 */
function isPairRecord(row: unknown): row is PairRecord {
	if (typeof row !== 'object' || row === null) return false;
	const r = row as Record<keyof PairRecord, unknown>;
	return (
		typeof r.udid === 'string' &&
		typeof r.hostId === 'string' &&
		typeof r.systemBuid === 'string' &&
		r.rootCertificate instanceof Uint8Array &&
		r.hostCertificate instanceof Uint8Array &&
		r.deviceCertificate instanceof Uint8Array &&
		r.devicePublicKey instanceof Uint8Array &&
		isPrivateKey(r.rootPrivateKey) &&
		isPrivateKey(r.hostPrivateKey) &&
		(r.wifiMacAddress === undefined || typeof r.wifiMacAddress === 'string') &&
		(r.escrowBag === undefined || r.escrowBag instanceof Uint8Array) &&
		r.createdAt instanceof Date
	);
}

/** Duck-typed: `CryptoKey` is not a global in every environment this runs in. */
function isPrivateKey(value: unknown): boolean {
	if (typeof value !== 'object' || value === null) return false;
	const key = value as Partial<CryptoKey>;
	return key.type === 'private' && typeof key.algorithm === 'object' && Array.isArray(key.usages);
}

type StorageAction = 'read' | 'save' | 'delete';

const FAILURE_MESSAGES: Record<StorageAction, string> = {
	read: 'This browser could not read the saved pairings with your iPhone.',
	save: 'This browser could not save the pairing with your iPhone.',
	delete: 'This browser could not remove the saved pairing with your iPhone.',
};

function pairingCall<T>(action: StorageAction, call: () => Promise<T>): Promise<T> {
	return storageCall(FAILURE_MESSAGES[action], call);
}
