import { describe, expect, it } from 'vitest';
import { backUpWholeStack, withinBound } from '../testing/sim/hostile/whole-stack-node';
import { expectTrueCopies } from '../testing/sim/hostile/backup-checks-node';
import { tlsDeviceSecurity } from './lockdownd';
import { VirtualIPhone, type VirtualIPhoneOptions } from './virtual-iphone';

const BOUND_MS = 45_000;
const TEST_MS = 60_000;

async function backUp(options: VirtualIPhoneOptions = {}) {
	const phone = await VirtualIPhone.create({ security: tlsDeviceSecurity, lockdown: { trust: { pendingPolls: 0 } }, ...options });
	const run = await withinBound(backUpWholeStack(phone), BOUND_MS, 'the backup');
	return { phone, run };
}

describe('a whole backup from the strict virtual iPhone', () => {
	it('is complete from a phone with the default, strict afcd, which never had to refuse a request', { timeout: TEST_MS }, async () => {
		const { phone, run } = await backUp();
		expect(run.error).toBeUndefined();
		expect(run.result).toMatchObject({ outcome: 'complete', failed: [], inICloud: [] });
		await expectTrueCopies(run, phone);
		expect(phone.afcSessions.length).toBeGreaterThan(0);
		for (const session of phone.afcSessions) expect(session.refused).toBe(0);
	});

	it('is complete from a phone that refuses pipelined requests with IO_ERROR, no file taken for iCloud', { timeout: TEST_MS }, async () => {
		const { phone, run } = await backUp({ afc: { pipelining: { mode: 'refuse' } } });
		expect(run.error).toBeUndefined();
		expect(run.result).toMatchObject({ outcome: 'complete', failed: [], inICloud: [] });
		expect(run.scan!.skipped).toEqual([]);
		await expectTrueCopies(run, phone);
		expect(phone.afcSessions.some((session) => session.refused > 0)).toBe(true);
	});
});
