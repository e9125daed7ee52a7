import { describe, expect, it } from 'vitest';
import { DeviceError, isDeviceError } from '../errors';
import { tlsDeviceSecurity } from '../../sim/lockdownd';
import { VirtualIPhone, type VirtualIPhoneOptions } from '../../sim/virtual-iphone';
import { backUpThroughTap, type TappedRun } from '../../testing/diagnostics/tapped-backup-node';
import { expectNothingSecret, PERSONAL_VALUES, secretsOf } from '../../testing/diagnostics/report-secrets-node';
import { buildDiagnosticReport } from './report';
import type { StepEntry, WireEntry, WireLayer } from './recorder';

const TEST_MS = 60_000;
const ENVIRONMENT = { userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/140.0.0.0', platform: 'Linux' };

interface ParsedReport {
	summary: string[];
	phone?: { model?: string; productType?: string; iosVersion?: string; udid?: string };
	error?: { code: string; message?: string; advice?: string };
	plan?: { total: { files: number } };
	result?: { outcome: string; copied: { files: number } };
	steps: StepEntry[];
	usbDevices: { vendorId: string; udid: string | null; configurations: unknown[] }[];
	wire: Record<WireLayer, { entries: WireEntry[] }>;
	counters: Record<string, number>;
}

async function phoneWith(options: VirtualIPhoneOptions = {}): Promise<VirtualIPhone> {
	return VirtualIPhone.create({
		security: tlsDeviceSecurity,
		cameraRoll: { profile: 'small', seed: 5 },
		...options,
		lockdown: { trust: { pendingPolls: 1 }, ...options.lockdown, values: { ...PERSONAL_VALUES } },
	});
}

async function reportOf(run: TappedRun): Promise<{ text: string; report: ParsedReport }> {
	const built = await buildDiagnosticReport({ recorder: run.recorder, environment: ENVIRONMENT, phone: run.phoneInfo, plan: run.plan, result: run.result, error: run.error });
	expect(built.mimeType).toBe('application/json');
	expect(built.fileName).toMatch(/^iphone-backup-report-[0-9T-]+Z\.json$/);
	return { text: built.text, report: JSON.parse(built.text) as ParsedReport };
}

/** Each outcome of each step, in order, as `step outcome` (and the detail, when there is one). */
function outcomes(report: ParsedReport): string[] {
	return report.steps.filter((step) => step.outcome !== 'started').map((step) => `${step.step} ${step.outcome}${step.detail ? ` ${step.detail}` : ''}`);
}

const whats = (report: ParsedReport, layer: WireLayer) => new Set(report.wire[layer].entries.map((entry) => entry.what));

async function expectPrivate(phone: VirtualIPhone, run: TappedRun, text: string): Promise<void> {
	const record = await run.store.get(phone.udid);
	expectNothingSecret(text, await secretsOf(phone, record));
}

describe('the report of a whole backup through the tap', () => {
	it.each(['packet', 'stream'] as const)('names every step, carries headers of every layer, and nothing secret (%s chunking)', { timeout: TEST_MS }, async (chunking) => {
		const phone = await phoneWith({ usb: { chunking, seed: 11 } });
		const run = await backUpThroughTap(phone);
		expect(run.result?.outcome).toBe('complete');
		const { text, report } = await reportOf(run);

		expect(report.summary[0]).toBe('No error was reported.');
		expect(report.phone).toMatchObject({ productType: run.phoneInfo!.productType, iosVersion: run.phoneInfo!.productVersion });
		expect(report.phone!.udid).toMatch(/^udid:[0-9a-f]{24}$/);
		// The device opened is the phone: the same keyed hash.
		expect(report.usbDevices.map((device) => device.udid)).toEqual([report.phone!.udid]);
		expect(report.usbDevices[0]!.vendorId).toBe('0x05ac');
		expect(report.result).toMatchObject({ outcome: 'complete', copied: { files: report.plan!.total.files } });

		const seen = outcomes(report);
		for (const step of ['open ok', 'configure ok', 'claim ok', 'version ok 2.0', 'trust waiting PairingDialogResponsePending', 'pairing ok', 'session ok', 'services ok', 'scan ok', 'plan ok', 'backup ok complete']) {
			expect(seen).toContain(step);
		}
		expect(report.steps.find((step) => step.step === 'pairing' && step.outcome === 'ok')!.ms).toBeGreaterThan(0);

		expect(whats(report, 'usb')).toEqual(new Set(['getDevices', 'open', 'selectConfiguration', 'claimInterface', 'transferIn', 'releaseInterface', 'close']));
		expect(report.wire.usbmux.entries.some((entry) => entry.what === 'TCP' && entry.conn?.endsWith('>49152') && typeof entry.win === 'number')).toBe(true);
		const lockdown = report.wire.lockdown.entries;
		expect(lockdown.map((entry) => entry.Request)).toEqual(expect.arrayContaining(['GetValue', 'Pair', 'StartSession']));
		expect(lockdown.find((entry) => entry.Request === 'StartSession' && entry.dir === 'in')).toMatchObject({ EnableSessionSSL: true });
		expect(report.wire.tls.entries[0]).toMatchObject({ what: 'start', on: 'lockdown' });
		expect(whats(report, 'tls')).toEqual(new Set(['start', 'handshake', 'change_cipher_spec', 'application_data']));
		const afc = report.wire.afc.entries;
		expect(afc.some((entry) => entry.what === 'FileRefOpen' && typeof entry.ext === 'string' && /^[A-Z0-9]+$/.test(entry.ext))).toBe(true);
		expect(afc.some((entry) => entry.what === 'FileRefRead' && entry.read === 4 * 1024 * 1024)).toBe(true);
		expect(afc.some((entry) => entry.what === 'Status' && entry.status === 'Success')).toBe(true);
		// Every header was followed: nothing went by unrecognised, however the transfers were cut.
		expect(Object.keys(report.counters).filter((name) => /unrecognised|unfollowed|diagnostics\.errors/.test(name))).toEqual([]);
		expect(report.counters['usbmux.in.bytes']).toBe(report.counters['usb.in.bytes']);

		await expectPrivate(phone, run, text);
	});
});

describe('the report of a failed backup', () => {
	it('names the cable pulled mid-backup: the step, the error and the transfers that failed', { timeout: TEST_MS }, async () => {
		const phone = await phoneWith();
		const run = await backUpThroughTap(phone, { beforeBackup: (p) => p.hardware.faults.unplugAfter(300_000) });
		expect(run.result?.outcome).toBe('stopped');
		const { text, report } = await reportOf(run);

		expect(report.error?.code).toBe('unplugged');
		expect(report.summary[0]).toMatch(/^Error at step "backup": unplugged: /);
		expect(outcomes(report)).toContain('backup failed unplugged');
		expect(report.wire.usb.entries.some((entry) => entry.what === 'transferIn' && entry.error === 'NetworkError')).toBe(true);
		await expectPrivate(phone, run, text);
	});

	it('names an IN endpoint that keeps stalling', { timeout: TEST_MS }, async () => {
		const phone = await phoneWith();
		const run = await backUpThroughTap(phone, { beforeBackup: (p) => p.hardware.faults.halt('in', 2) });
		const { text, report } = await reportOf(run);

		expect(report.error?.code).toBe('usb-transfer');
		expect(outcomes(report)).toContain('backup failed usb-transfer');
		expect(report.wire.usb.entries.filter((entry) => entry.what === 'transferIn' && entry.status === 'stall').length).toBeGreaterThan(0);
		expect(report.wire.usb.entries.some((entry) => entry.what === 'clearHalt' && entry.direction === 'in')).toBe(true);
		await expectPrivate(phone, run, text);
	});

	it('names the phone’s refusal to pair (“Don’t Trust”), in lockdown’s words', { timeout: TEST_MS }, async () => {
		const phone = await phoneWith({ lockdown: { trust: { pendingPolls: 1, answer: 'dont-trust' } } });
		const run = await backUpThroughTap(phone);
		expect(isDeviceError(run.error, 'trust-denied')).toBe(true);
		const { text, report } = await reportOf(run);

		expect(report.error?.code).toBe('trust-denied');
		expect(outcomes(report)).toContain('pairing failed UserDeniedPairing');
		expect(report.wire.lockdown.entries.some((entry) => entry.dir === 'in' && entry.Request === 'Pair' && entry.Error === 'UserDeniedPairing')).toBe(true);
		expect(report.wire.tls.entries).toEqual([]);
		await expectPrivate(phone, run, text);
	});
});

describe('what the app hands the report', () => {
	it('keeps the error’s words but not the names, paths or identifiers in them; the check would see them', { timeout: TEST_MS }, async () => {
		const phone = await phoneWith({ lockdown: { trust: { pendingPolls: 0, answer: 'dont-trust' } } });
		const run = await backUpThroughTap(phone);
		const file = [...phone.cameraRoll!.files()].find((f) => f.path.endsWith('.JPG'))!.path;
		run.recorder.note('backup', 'failed', `${file} on ${PERSONAL_VALUES.DeviceName}`);
		const error = new DeviceError('file-not-found', `There is no ${file} on ${PERSONAL_VALUES.DeviceName} (${phone.udid}).`, {
			advice: `Look for ${file.slice(file.lastIndexOf('/') + 1)} in Photos.`,
			cause: new Error(`stat ${file} failed`),
		});
		const built = await buildDiagnosticReport({ recorder: run.recorder, environment: ENVIRONMENT, phone: { udid: phone.udid, name: PERSONAL_VALUES.DeviceName }, error });
		const report = JSON.parse(built.text) as ParsedReport & { error: { causes: { message: string }[] } };

		expect(report.error).toMatchObject({
			code: 'file-not-found',
			message: 'There is no ‹*.JPG› on ‹iPhone name› (‹UDID›).',
			advice: 'Look for ‹*.JPG› in Photos.',
			causes: [{ name: 'Error', message: 'stat ‹*.JPG› failed' }],
		});
		expect(report.steps.at(-1)).toMatchObject({ step: 'backup', outcome: 'failed', detail: '‹*.JPG› on ‹iPhone name›' });
		const secrets = await secretsOf(phone, await run.store.get(phone.udid));
		expectNothingSecret(built.text, secrets);
		// The same check on the raw words finds them: it can fail.
		expect(() => expectNothingSecret(`${built.text} ${error.message}`, secrets)).toThrow();
	});
});
