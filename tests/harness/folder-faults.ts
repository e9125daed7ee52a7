import type { Page } from '@playwright/test';
import type { FolderFault, FolderFaultMessage, FolderFaultStrike } from './realm/folder-faults';

export type { FolderFault, FolderFaultStrike } from './realm/folder-faults';

/** The realm that writes the backup: the app's device worker. */
const DEVICE_WORKER = /\/device\.worker[-.]/;

/**
 * The test's end of the fault-injecting folder (./realm/folder-faults.ts): sets a fault in every realm
 * of a page's origin over the harness's BroadcastChannel, and waits until the device worker has it, so
 * what the test does next meets the fault. Test support only.
 */
export class FolderFaults {
	readonly channel: string;

	constructor(channel: string) {
		this.channel = channel;
	}

	/**
	 * Sets `fault` (`{ kind: 'none' }`: space freed, permission granted again) and answers where the
	 * previous fault struck in the device worker.
	 */
	async set(page: Page, fault: FolderFault): Promise<FolderFaultStrike[]> {
		return page.evaluate(
			({ channel, fault, realm }) =>
				new Promise<FolderFaultStrike[]>((resolve) => {
					const port = new BroadcastChannel(channel);
					const id = crypto.randomUUID();
					port.onmessage = (event: MessageEvent<FolderFaultMessage>) => {
						const message = event.data;
						if (message.type !== 'ack' || message.id !== id || !new RegExp(realm).test(message.realm)) return;
						port.close();
						resolve([...message.strikes]);
					};
					port.postMessage({ type: 'set', id, fault } satisfies FolderFaultMessage);
				}),
			{ channel: this.channel, fault, realm: DEVICE_WORKER.source },
		);
	}
}
