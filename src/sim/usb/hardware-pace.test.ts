import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SimUsbHardware } from './hardware';
import { SimUsb } from './sim-usb';

const MUX_IN = 5;
const PACKET = 16 * 1024;

beforeEach(() => {
	vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
});

afterEach(() => {
	vi.useRealTimers();
});

/** A plugged phone whose device end has `packets` packets of PACKET bytes queued for the host. */
async function phoneWithData(bytesPerSecond: number | undefined, packets: number) {
	const hardware = new SimUsbHardware({ bytesPerSecond, inBufferBytes: packets * PACKET });
	const device = new SimUsb().plug(hardware, { granted: true });
	await device.open();
	await device.selectConfiguration(4);
	await device.claimInterface(1);
	const writer = hardware.deviceEnd.writable.getWriter();
	for (let i = 0; i < packets; i++) writer.write(new Uint8Array(PACKET).fill(i & 0xff)).catch(() => undefined); // fails once unplugged
	writer.releaseLock();
	return { hardware, device };
}

/** Keeps `depth` IN transfers in flight and counts the bytes they bring. */
function drain(device: USBDevice, depth: number) {
	const got = { bytes: 0 };
	const next = (): void =>
		void device.transferIn(MUX_IN, PACKET).then(
			(result) => {
				got.bytes += result.data?.byteLength ?? 0;
				next();
			},
			() => undefined,
		);
	for (let i = 0; i < depth; i++) next();
	return got;
}

describe('SimUsbHardware bytesPerSecond', () => {
	it('hands IN data to the host no faster than the cap, and all of it in the end', async () => {
		const rate = 1_000_000;
		const { hardware, device } = await phoneWithData(rate, 256); // 4 MiB: about 4.2 s at the cap
		const got = drain(device, 8);
		for (const seconds of [1, 2, 3]) {
			await vi.advanceTimersByTimeAsync(1000);
			// The bucket starts empty and allows at most one burst (~20 ms) plus one overdrawn transfer.
			expect(got.bytes).toBeLessThanOrEqual(seconds * rate + 64 * 1024 + PACKET);
			expect(got.bytes).toBeGreaterThanOrEqual(seconds * rate - 2 * PACKET);
		}
		await vi.advanceTimersByTimeAsync(2000);
		expect(got.bytes).toBe(256 * PACKET);
		hardware.unplug();
	});

	it('does not hold data back without a cap', async () => {
		const { hardware, device } = await phoneWithData(undefined, 64);
		const got = drain(device, 8);
		await vi.advanceTimersByTimeAsync(0);
		expect(got.bytes).toBe(64 * PACKET);
		hardware.unplug();
	});

	it('lets an unplug fail the transfers that wait for credit', async () => {
		const { hardware, device } = await phoneWithData(100_000, 64);
		const results = [device.transferIn(MUX_IN, PACKET), device.transferIn(MUX_IN, PACKET), device.transferIn(MUX_IN, PACKET)];
		hardware.unplug();
		const settled = await Promise.allSettled(results);
		expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected', 'rejected']);
	});
});
