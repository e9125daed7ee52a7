import { AfcClient, type AfcClientOptions } from '../afc';
import type { LockdownClient, PairRecord } from '../lockdown';
import type { IPhone } from './iphone';

export const AFC_SERVICE = 'com.apple.afc';

/**
 * The phone's files: AFC started with the session's lockdown (the escrow bag offered, and dropped if
 * the phone turns it down), in TLS when the phone asks for it.
 */
export async function openFileService(
	iphone: IPhone,
	session: { lockdown: LockdownClient; record: PairRecord },
	options: AfcClientOptions = {},
): Promise<AfcClient> {
	return new AfcClient(await iphone.startService(session, AFC_SERVICE), options);
}
