import { describe, expect, it } from 'vitest';
import { SimUsbHardware, type SimUsbTraceEvent } from './hardware';
import { linuxUsbmuxd, macosUsbmuxd, type SimUsbHolder } from './holder';
import { SimUsb } from './sim-usb';

function held(holder: SimUsbHolder, activeConfiguration: number | null = 1) {
	const hardware = new SimUsbHardware({ activeConfiguration, heldBy: holder });
	const trace: SimUsbTraceEvent[] = [];
	hardware.trace = (event) => trace.push(event);
	const device = new SimUsb().plug(hardware, { granted: true });
	return { hardware, device, trace };
}

async function rejection(promise: Promise<unknown>): Promise<{ name: string; message: string }> {
	try {
		await promise;
	} catch (error) {
		const { name, message } = error as DOMException;
		return { name, message };
	}
	throw new Error('expected a rejection');
}

const CLAIM_REFUSED = { name: 'NetworkError', message: 'Unable to claim interface.' };
const CONFIGURATION_REFUSED = { name: 'NetworkError', message: 'Unable to set device configuration.' };
const RESET_REFUSED = { name: 'NetworkError', message: 'Unable to reset the device.' };
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('another program holding the mux interface', () => {
	it('selects the mux configuration when it takes the phone, as usbmuxd does, and holds its interface', async () => {
		const { hardware, device } = held(linuxUsbmuxd(), null);
		expect(hardware.activeConfiguration).toBe(4);
		expect(hardware.heldByOtherProgram).toBe(true);
		await device.open();
		expect(device.configuration?.configurationValue).toBe(4);
		expect(await rejection(device.claimInterface(1))).toEqual(CLAIM_REFUSED);
	});

	describe('on Linux', () => {
		it('refuses another handle’s configuration change while it holds the interface (EBUSY)', async () => {
			const { device } = held(linuxUsbmuxd());
			await device.open();
			expect(await rejection(device.selectConfiguration(1))).toEqual(CONFIGURATION_REFUSED);
			expect(device.configuration?.configurationValue).toBe(4);
		});

		it('is evicted by a reset, and a host that claims at once wins; the holder then stays away', async () => {
			const { hardware, device, trace } = held(linuxUsbmuxd(20));
			await device.open();
			await device.reset();
			expect(hardware.heldByOtherProgram).toBe(false);
			await device.claimInterface(1);
			await wait(40);
			expect(hardware.heldByOtherProgram).toBe(false);
			expect(device.configuration?.interfaces[1]?.claimed).toBe(true);
			expect(trace).toEqual([{ kind: 'reset', ok: true }, { kind: 'holder-evicted' }]);
		});

		it('comes back after its delay when nobody claimed the interface meanwhile', async () => {
			const { hardware, device } = held(linuxUsbmuxd(20));
			await device.open();
			await device.reset();
			expect(hardware.heldByOtherProgram).toBe(false);
			await wait(40);
			expect(hardware.heldByOtherProgram).toBe(true);
			expect(await rejection(device.claimInterface(1))).toEqual(CLAIM_REFUSED);
		});

		it('a holder that comes back at once can never be beaten', async () => {
			const { hardware, device } = held(linuxUsbmuxd(0));
			await device.open();
			await device.reset();
			expect(hardware.heldByOtherProgram).toBe(true);
			expect(await rejection(device.claimInterface(1))).toEqual(CLAIM_REFUSED);
		});
	});

	describe('on macOS', () => {
		it('yields to another handle’s configuration change; bouncing through a configuration without the mux wins it', async () => {
			const { hardware, device, trace } = held(macosUsbmuxd(20));
			await device.open();
			await device.selectConfiguration(1);
			expect(hardware.heldByOtherProgram).toBe(false);
			await device.selectConfiguration(4);
			await device.claimInterface(1);
			await wait(40);
			expect(hardware.heldByOtherProgram).toBe(false);
			expect(trace.map((e) => e.kind)).toEqual(['holder-evicted', 'select-configuration', 'select-configuration']);
		});

		it('does not reclaim while the active configuration has no mux, and does once it has', async () => {
			const { hardware, device } = held(macosUsbmuxd(10));
			await device.open();
			await device.selectConfiguration(1);
			await wait(25);
			expect(hardware.heldByOtherProgram).toBe(false);
			await device.selectConfiguration(3);
			await wait(25);
			expect(hardware.heldByOtherProgram).toBe(true);
		});

		it('refuses a reset while it holds the phone, and the failed reset spoils the handle’s next configuration change', async () => {
			const { hardware, device, trace } = held(macosUsbmuxd());
			await device.open();
			expect(await rejection(device.reset())).toEqual(RESET_REFUSED);
			expect(hardware.heldByOtherProgram).toBe(true);
			expect(await rejection(device.selectConfiguration(1))).toEqual(CONFIGURATION_REFUSED);
			await device.selectConfiguration(1);
			expect(trace.map((e) => e.kind)).toEqual(['reset', 'holder-evicted', 'select-configuration']);
		});

		it('a holder that comes back at once takes the interface again as soon as the mux configuration is back', async () => {
			const { hardware, device } = held(macosUsbmuxd(0));
			await device.open();
			await device.selectConfiguration(1);
			expect(hardware.heldByOtherProgram).toBe(false);
			await device.selectConfiguration(4);
			expect(hardware.heldByOtherProgram).toBe(true);
			expect(await rejection(device.claimInterface(1))).toEqual(CLAIM_REFUSED);
		});
	});

	it('stops coming back once the phone is unplugged', async () => {
		const { hardware, device } = held(linuxUsbmuxd(10));
		await device.open();
		await device.reset();
		hardware.unplug();
		await wait(25);
		expect(hardware.heldByOtherProgram).toBe(false);
	});
});
