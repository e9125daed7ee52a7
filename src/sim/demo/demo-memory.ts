import { Dexie, type Table } from 'dexie';
import type { DeviceKeys, TrustedHost } from '../lockdownd';

/** What the demo iPhone keeps across visits, as a real one does: its own key pair and the computers it trusts. */
export interface DemoPhoneMemory {
	deviceKeys: DeviceKeys;
	trustedHosts: TrustedHost[];
}

/** Where the demo iPhone keeps its memory. Failing to keep it only means "Trust This Computer?" again. */
export interface DemoMemory {
	load(): Promise<DemoPhoneMemory | undefined>;
	save(memory: DemoPhoneMemory): Promise<void>;
}

export const DEMO_DATABASE_NAME = 'demo-iphone';

interface MemoryRow extends DemoPhoneMemory {
	id: 'phone';
}

/**
 * The demo phone's memory in a database of its own, not the app's: it stands for what is stored on
 * the phone, which "Forget this iPhone" in the app does not reach (the app unpairs, and the phone then
 * forgets the computer itself).
 */
export class DexieDemoMemory implements DemoMemory {
	readonly #db: Dexie & { phone: Table<MemoryRow, string> };

	constructor(name: string = DEMO_DATABASE_NAME) {
		const db = new Dexie(name) as Dexie & { phone: Table<MemoryRow, string> };
		db.version(1).stores({ phone: 'id' });
		this.#db = db;
	}

	async load(): Promise<DemoPhoneMemory | undefined> {
		try {
			const row = await this.#db.phone.get('phone');
			if (!row || !(row.deviceKeys?.privateKey instanceof Uint8Array) || !Array.isArray(row.trustedHosts)) return undefined;
			return { deviceKeys: row.deviceKeys, trustedHosts: row.trustedHosts };
		} catch {
			return undefined; // no IndexedDB (a private window, Node): a phone that remembers nothing
		}
	}

	async save(memory: DemoPhoneMemory): Promise<void> {
		await this.#db.phone.put({ id: 'phone', ...memory }).catch(() => undefined);
	}
}
