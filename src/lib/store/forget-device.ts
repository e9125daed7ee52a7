import type { PairRecordStore } from './pair-record-store';

/**
 * "Forget this iPhone": removes what this browser keeps about the phone, starting with its pair
 * record (and with it the private keys, which exist nowhere else). Removing the pairing on the phone
 * (lockdownd `Unpair`) is the lockdown client's job; the caller does it first, while the record is
 * still here to prove who we are. Forgetting a phone we do not know is not an error.
 */
export async function forgetDevice(store: PairRecordStore, udid: string): Promise<void> {
	await store.delete(udid);
}
