import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isDeviceError, type DeviceError } from '../errors';
import { echoDeviceEnd } from '../../sim/usb/echo';
import { SimUsbHardware, type SimUsbTraceEvent } from '../../sim/usb/hardware';
import { linuxUsbmuxd, macosUsbmuxd, type SimUsbHolder } from '../../sim/usb/holder';
import { SimUsb } from '../../sim/usb/sim-usb';
import { CLAIM_PLANS, type ClaimProgress } from './claim-mux';
import type { HostOs } from './host-os';
import { openIPhone } from './open-iphone';

function phone(holder?: SimUsbHolder, activeConfiguration: number | null = 1) {
	const hardware = new SimUsbHardware({ activeConfiguration, ...(holder ? { heldBy: holder } : {}) });
	const trace: SimUsbTraceEvent[] = [];
	hardware.trace = (event) => trace.push(event);
	const usb = new SimUsb();
	const device = usb.plug(hardware, { granted: true });
	return { hardware, usb, device, trace };
}

async function connect(usb: USB, os: HostOs) {
	const progress: ClaimProgress[] = [];
	const outcome = await openIPhone(usb, { os, claimPauseMs: 1, onClaimProgress: (p) => progress.push(p) }).then(
		(transport) => ({ transport, error: undefined }),
		(error: unknown) => {
			if (!isDeviceError(error)) throw error;
			return { transport: undefined, error: error as DeviceError };
		},
	);
	return { ...outcome, progress };
}

/** The trace as short words: 'select 4', 'reset ok', 'reset refused', 'holder-evicted', 'in-submitted'… */
function kinds(trace: SimUsbTraceEvent[]): string[] {
	return trace.map((e) => {
		if (e.kind === 'select-configuration') return `select ${e.value}`;
		if (e.kind === 'reset') return `reset ${e.ok ? 'ok' : 'refused'}`;
		return e.kind;
	});
}
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('claiming the mux interface: every path ends in a connected phone or plain advice', () => {
	it('claims the active mux configuration without selecting a configuration', async () => {
		const { usb, device, trace } = phone(undefined, 4);
		const { transport, progress } = await connect(usb, 'linux');
		expect(transport).toBeDefined();
		expect(device.configuration?.interfaces[1]?.claimed).toBe(true);
		expect(kinds(trace).filter((k) => !k.startsWith('in-'))).toEqual([]);
		expect(progress).toEqual([{ kind: 'trying', method: 'claim', attempt: 1, attempts: 4 }]);
		await transport!.close();
	});

	it('on macOS takes the interface from the system’s usbmuxd by bouncing through a configuration without the mux', async () => {
		const { usb, hardware, device, trace } = phone(macosUsbmuxd(30));
		void echoDeviceEnd(hardware.deviceEnd);
		const { transport, progress } = await connect(usb, 'macos');
		expect(transport).toBeDefined();
		const changes = kinds(trace).filter((k) => !k.startsWith('in-') && !k.startsWith('out-'));
		expect(changes).toEqual(['holder-evicted', 'select 1', 'select 4']);
		expect(progress).toEqual([
			{ kind: 'trying', method: 'claim', attempt: 1, attempts: 6 },
			{ kind: 'trying', method: 'bounce', attempt: 2, attempts: 6 },
			{ kind: 'taken', method: 'bounce' },
		]);
		// The holder comes back too late: the page keeps the phone, and bytes cross.
		await wait(50);
		expect(hardware.heldByOtherProgram).toBe(false);
		expect(device.configuration?.interfaces[1]?.claimed).toBe(true);
		const writer = transport!.writable.getWriter();
		await writer.write(Uint8Array.of(7, 8, 9));
		const { value } = await transport!.readable.getReader().read();
		expect([...value!]).toEqual([7, 8, 9]);
		await transport!.close();
	});

	it('on Linux evicts usbmuxd with a reset and claims before it reattaches, without a configuration change', async () => {
		const { usb, hardware, device, trace } = phone(linuxUsbmuxd(30));
		const { transport, progress } = await connect(usb, 'linux');
		expect(transport).toBeDefined();
		expect(kinds(trace).filter((k) => !k.startsWith('in-'))).toEqual(['reset ok', 'holder-evicted']);
		expect(progress.at(-1)).toEqual({ kind: 'taken', method: 'reset' });
		await wait(50);
		expect(hardware.heldByOtherProgram).toBe(false);
		expect(device.configuration?.interfaces[1]?.claimed).toBe(true);
		await transport!.close();
	});

	it('on macOS, held for good: a bounded number of bounces, no reset, then the Mac’s advice and the device closed', async () => {
		const { usb, device, trace } = phone(macosUsbmuxd(0));
		const { error, progress } = await connect(usb, 'macos');
		expect(error?.code).toBe('usb-busy');
		expect(error?.advice).toMatch(/macOS keeps iPhones/);
		expect(error?.advice).toMatch(/Image Capture/);
		expect(kinds(trace).filter((k) => k.startsWith('select'))).toHaveLength(2 * CLAIM_PLANS.macos.bounces);
		expect(kinds(trace).some((k) => k.startsWith('reset'))).toBe(false);
		expect(progress.filter((p) => p.kind === 'trying')).toHaveLength(1 + CLAIM_PLANS.macos.bounces);
		expect(progress.some((p) => p.kind === 'taken')).toBe(false);
		expect(device.opened).toBe(false);
	});

	it('on Linux, held for good: a bounded number of resets, then the usbmuxd commands and the device closed', async () => {
		const { usb, device, trace } = phone(linuxUsbmuxd(0));
		const { error } = await connect(usb, 'linux');
		expect(error?.code).toBe('usb-busy');
		expect(error?.advice).toContain('sudo systemctl stop usbmuxd');
		expect(kinds(trace).filter((k) => k === 'reset ok')).toHaveLength(CLAIM_PLANS.linux.resets);
		expect(device.opened).toBe(false);
	});

	it('never retries a reset that failed (it would spoil the next configuration change in Chromium)', async () => {
		const { usb, trace } = phone(macosUsbmuxd(0));
		expect(CLAIM_PLANS.unknown.resets).toBeGreaterThan(1);
		const { error } = await connect(usb, 'unknown');
		expect(error?.code).toBe('usb-busy');
		const resets = kinds(trace).filter((k) => k.startsWith('reset'));
		expect(resets).toEqual(['reset refused']);
		// Nothing touched the device after the refused reset.
		expect(kinds(trace).at(-1)).toBe('reset refused');
	});

	it('on Windows tries once, does not fight Apple’s driver, and says at once that Windows cannot and what works', async () => {
		const { usb, trace } = phone(linuxUsbmuxd(0));
		const { error, progress } = await connect(usb, 'windows');
		expect(error?.code).toBe('usb-busy');
		expect(error?.message).toContain('Windows doesn’t let a browser reach');
		expect(error?.advice).toContain('does not change that');
		expect(error?.advice).toContain('Chromebook');
		expect(error?.advice).toContain('Windows Photos app');
		expect(kinds(trace).some((k) => k.startsWith('reset') || k.startsWith('select'))).toBe(false);
		expect(progress).toHaveLength(1);
	});

	it('on ChromeOS and Android leaves whatever app holds the phone alone and says to close it', async () => {
		for (const os of ['chromeos', 'android'] as const) {
			const { usb, trace } = phone(linuxUsbmuxd(0));
			const { error } = await connect(usb, os);
			expect(error?.code).toBe('usb-busy');
			expect(error?.advice).toMatch(/Close other/);
			expect(kinds(trace).some((k) => k.startsWith('reset'))).toBe(false);
		}
	});

	it('stops at once when the phone is unplugged between tries', async () => {
		const { usb, hardware, trace } = phone(linuxUsbmuxd(0));
		const opening = openIPhone(usb, {
			os: 'linux',
			claimPauseMs: 5,
			onClaimProgress: (p) => {
				if (p.kind === 'trying' && p.method === 'reset') hardware.unplug();
			},
		});
		await expect(opening).rejects.toMatchObject({ code: 'unplugged' });
		expect(kinds(trace).filter((k) => k.startsWith('reset'))).toEqual([]);
	});

	it('whatever holds the phone and whatever the OS: connected, or usb-busy with advice, within the plan', async () => {
		const holders = fc.record({
			onConfigurationChange: fc.constantFrom<'refuse' | 'yield'>('refuse', 'yield'),
			onReset: fc.constantFrom<'refuse' | 'yield'>('refuse', 'yield'),
			comesBackAfterMs: fc.constantFrom(0, 20),
		});
		await fc.assert(
			fc.asyncProperty(
				fc.option(holders, { nil: undefined }),
				fc.constantFrom<HostOs>('linux', 'macos', 'windows', 'chromeos', 'android', 'unknown'),
				fc.constantFrom<number | null>(null, 1, 4),
				async (holder, os, active) => {
					const { usb, device, trace } = phone(holder && { name: 'some program', ...holder }, active);
					const { transport, error } = await connect(usb, os);
					const plan = CLAIM_PLANS[os];
					const resets = kinds(trace).filter((k) => k.startsWith('reset'));
					expect(resets.length).toBeLessThanOrEqual(plan.resets);
					expect(resets.slice(0, -1)).not.toContain('reset refused');
					if (transport) {
						expect(device.configuration?.interfaces[1]?.claimed).toBe(true);
						await transport.close();
					} else {
						expect(holder).toBeDefined();
						expect(error?.code).toBe('usb-busy');
						expect(error?.advice).toBeTruthy();
						expect(device.opened).toBe(false);
					}
					// Won exactly when there is no holder, or one that comes back late and yields to a move in the plan.
					const winnable =
						holder === undefined ||
						(holder.comesBackAfterMs > 0 &&
							((plan.bounces > 0 && holder.onConfigurationChange === 'yield') ||
								(plan.resets > 0 && holder.onReset === 'yield')));
					expect(transport !== undefined).toBe(winnable);
				},
			),
			{ numRuns: 60 },
		);
	});
});
