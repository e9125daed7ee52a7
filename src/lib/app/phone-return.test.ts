import { describe, expect, it } from 'vitest';
import { DeviceError } from '../errors';
import { waitForPhone } from './phone-return';

/** A clock the test moves: each look costs `step` milliseconds. */
function clock(step: number) {
	let now = 0;
	return { now: () => now, tick: () => (now += step) };
}

describe('waiting for a phone whose cable came out', () => {
	it('returns the phone once a look finds it, after looks that found nothing or a phone not ready yet', async () => {
		const looks: (string | DeviceError | undefined)[] = [
			undefined,
			new DeviceError('unplugged', 'gone again while opened'),
			new DeviceError('timeout', 'its usbmux not started yet'),
			'phone',
		];
		let n = 0;
		const phone = await waitForPhone({
			attempt: async () => {
				const look = looks[n++];
				if (look instanceof DeviceError) throw look;
				return look;
			},
			signal: new AbortController().signal,
			timeoutMs: 60_000,
			pollMs: 1,
		});
		expect(phone).toBe('phone');
		expect(n).toBe(4);
	});

	it('ends within its bound with plain words when the phone never comes back', async () => {
		const time = clock(500);
		let looks = 0;
		const waited = waitForPhone({
			attempt: async () => {
				looks++;
				time.tick();
				return undefined;
			},
			signal: new AbortController().signal,
			timeoutMs: 2_000,
			pollMs: 1,
			now: time.now,
		});
		await expect(waited).rejects.toMatchObject({
			code: 'unplugged',
			message: 'The iPhone was disconnected and did not come back within 2 seconds.',
		});
		expect(looks).toBe(4);
	});

	it('stops at once on a failure another look cannot cure', async () => {
		let looks = 0;
		const waited = waitForPhone({
			attempt: async () => {
				looks++;
				throw new DeviceError('usb-busy', 'Another program on this computer is using the iPhone.');
			},
			signal: new AbortController().signal,
			timeoutMs: 60_000,
			pollMs: 1,
		});
		await expect(waited).rejects.toMatchObject({ code: 'usb-busy' });
		expect(looks).toBe(1);
	});

	it('stops when the person cancels', async () => {
		const cancel = new AbortController();
		const waited = waitForPhone({ attempt: async () => undefined, signal: cancel.signal, timeoutMs: 60_000, pollMs: 10_000 });
		setTimeout(() => cancel.abort(new Error('cancelled')), 5);
		await expect(waited).rejects.toThrow('cancelled');
	});
});
