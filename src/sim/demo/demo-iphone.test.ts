import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { IPhone, openTrustedSession } from '../../lib/iphone';
import { tlsSessionSecurity } from '../../lib/lockdown';
import { MemoryPairRecordStore } from '../../lib/store';
import { createDemoUsb } from './demo-iphone';
import { DexieDemoMemory } from './demo-memory';

const noMedia = async () => new Response(null, { status: 404 });

/** One visit: the demo phone made anew (as on a page load), connected with the browser's stored pairing. */
async function visit(store: MemoryPairRecordStore, memory?: DexieDemoMemory) {
	const { usb } = await createDemoUsb(noMedia, '{"profile":"small"}', memory);
	const iphone = await IPhone.open(usb, { security: tlsSessionSecurity });
	let asked = 0;
	try {
		const session = await openTrustedSession(iphone, { store, pollIntervalMs: 1, onWaitingForTrust: () => asked++ });
		return { paired: session.paired, asked };
	} finally {
		await iphone.close();
	}
}

describe('the demo iPhone across visits', () => {
	it('remembers the computer it trusts, and its own keys, in its memory', async () => {
		const store = new MemoryPairRecordStore();
		const memory = new DexieDemoMemory('demo-iphone-test-remembers');
		expect(await visit(store, memory)).toEqual({ paired: true, asked: 1 });
		expect(await visit(store, memory)).toEqual({ paired: false, asked: 0 });
		const kept = await memory.load();
		expect(kept?.trustedHosts).toHaveLength(1);
	});

	it('without a memory it asks "Trust This Computer?" on every visit', async () => {
		const store = new MemoryPairRecordStore();
		expect(await visit(store)).toEqual({ paired: true, asked: 1 });
		expect(await visit(store)).toEqual({ paired: true, asked: 1 });
	});
});
