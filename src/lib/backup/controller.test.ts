import { describe, expect, it } from 'vitest';
import { BackupController } from './controller';
import { SpeedMeter } from './progress';

describe('BackupController', () => {
	it('lets work proceed, holds it while paused, and releases it on resume', async () => {
		const control = new BackupController();
		await control.proceed();
		const changes: boolean[] = [];
		control.onPauseChange((paused) => changes.push(paused));
		control.pause();
		control.pause();
		let released = false;
		const waiting = control.proceed().then(() => (released = true));
		await Promise.resolve();
		await new Promise((resolve) => setImmediate(resolve));
		expect(released).toBe(false);
		control.resume();
		await waiting;
		expect(released).toBe(true);
		expect(changes).toEqual([true, false]);
	});

	it('rejects waiting and later work with the cancel reason, also while paused', async () => {
		const control = new BackupController();
		control.pause();
		const waiting = control.proceed();
		const reason = new DOMException('stop', 'AbortError');
		control.cancel(reason);
		await expect(waiting).rejects.toBe(reason);
		await expect(control.proceed()).rejects.toBe(reason);
		expect(control.signal.aborted).toBe(true);
		control.pause();
		expect(control.paused).toBe(false); // nothing to pause once cancelled
	});
});

describe('SpeedMeter', () => {
	it('averages over the last seconds, and starts over after a pause', () => {
		const meter = new SpeedMeter();
		meter.reset(0);
		meter.add(1_000_000, 500);
		expect(meter.bytesPerSecond).toBeUndefined(); // less than a second seen
		for (let t = 1_000; t <= 20_000; t += 1_000) meter.add(1_000_000, t);
		expect(meter.bytesPerSecond).toBeCloseTo(1_000_000);
		for (let t = 21_000; t <= 40_000; t += 1_000) meter.add(4_000_000, t);
		expect(meter.bytesPerSecond).toBeCloseTo(4_000_000); // the older, slower part has left the window
		meter.reset(100_000);
		expect(meter.bytesPerSecond).toBeUndefined();
		meter.add(3_000_000, 102_000);
		expect(meter.bytesPerSecond).toBeCloseTo(1_500_000);
	});
});
