import { isDeviceError } from '../errors';
import type { DeviceInfo, LockdownClient } from '../lockdown';
import { createPairRecord, withEscrowBag, type PairRecord } from '../pairing';
import { profileSystemBuid, type PairRecordStore } from '../store';
import type { IPhone } from './iphone';

export interface TrustOptions {
	/** Where pair records live (IndexedDB in the app). */
	store: PairRecordStore;
	/** The phone shows “Trust This Computer?” now: tell the person to tap Trust and enter the passcode. */
	onWaitingForTrust?: () => void;
	pollIntervalMs?: number;
	trustTimeoutMs?: number;
	signal?: AbortSignal;
}

export interface TrustedSession {
	lockdown: LockdownClient;
	record: PairRecord;
	info: DeviceInfo;
	/** True when this visit had to pair (the Trust question was asked). */
	paired: boolean;
}

/**
 * A lockdown session with the phone, pairing first if needed: a stored pair record is reused without
 * asking anything on the phone; a record the phone no longer accepts (it was reset, or "Trust" was
 * withdrawn in its settings) is replaced by pairing again.
 */
export async function openTrustedSession(iphone: IPhone, options: TrustOptions): Promise<TrustedSession> {
	const stored = await options.store.get(iphone.udid);
	if (stored) {
		const lockdown = await iphone.lockdown();
		try {
			await lockdown.startSession(stored);
			return { lockdown, record: stored, info: await lockdown.getDeviceInfo(), paired: false };
		} catch (error) {
			await lockdown.close().catch(() => undefined);
			if (!isDeviceError(error, 'pairing-forgotten')) throw error;
			await options.store.delete(iphone.udid);
		}
	}

	const lockdown = await iphone.lockdown();
	try {
		const devicePublicKey = await lockdown.getValue(undefined, 'DevicePublicKey');
		const wifiAddress = await lockdown.getValue(undefined, 'WiFiAddress').catch(() => undefined);
		let record = await createPairRecord(
			{
				devicePublicKeyPem: devicePublicKey instanceof Uint8Array ? devicePublicKey : new Uint8Array(0),
				udid: iphone.udid,
				wifiAddress: typeof wifiAddress === 'string' ? wifiAddress : undefined,
			},
			{ systemBuid: await profileSystemBuid(options.store) },
		);
		const { escrowBag } = await lockdown.pair(record, options);
		if (escrowBag) record = withEscrowBag(record, escrowBag);
		await options.store.put(record);
		await lockdown.startSession(record);
		return { lockdown, record, info: await lockdown.getDeviceInfo(), paired: true };
	} catch (error) {
		await lockdown.close().catch(() => undefined);
		throw error;
	}
}
