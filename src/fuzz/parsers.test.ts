import { describe, expect, it } from 'vitest';
import { DeviceError } from '../lib/errors';
import { loadSeedCorpus } from './corpus-node';
import { fuzzInputs, type FuzzInput } from './mutate';
import { formatFailure, formatInput, fuzzTarget, inputAt, shrinkFailure, type FuzzReport, type FuzzTarget } from './run';
import { createFuzzTargets } from './targets';

/**
 * The quick run of the fuzz harness: every parser that reads the phone's bytes, a few hundred seeded
 * cases each (`npm run fuzz` is the long run of the same targets). A failure names the case and its
 * smallest form, for `npm run fuzz -- --target <name> --seed <seed> --path <path>`.
 */

const SEED = 20_250_601;
const targets = await createFuzzTargets(await loadSeedCorpus());

async function explain(target: FuzzTarget, report: FuzzReport): Promise<string> {
	const lines = report.examples.map((failure) => formatFailure(target.name, report.seed, failure));
	const first = report.examples[0];
	if (first !== undefined) {
		const smallest = await shrinkFailure(target, report.seed, String(first.index));
		if (smallest !== undefined) lines.push(`smallest (--path ${smallest.path}): ${smallest.problem}\n  input ${formatInput(smallest.input)}`);
	}
	return lines.join('\n');
}

describe('every device parser keeps its contract on mutated and random bytes', () => {
	it('has a target for each parser the harness is meant to cover', () => {
		expect(targets.map((target) => target.name)).toEqual([
			'usbmux.packets',
			'usbmux.client',
			'plist.xml',
			'plist.binary',
			'lockdown.plist-channel',
			'lockdown.client',
			'tls.records',
			'tls.handshake-messages',
			'tls.certificate-der',
			'tls.protected-records',
			'tls.client-handshake',
			'tls.session',
			'pairing.device-public-key',
			'afc.packets',
			'afc.client',
			'library.image-metadata',
			'library.embedded-thumbnail',
			'library.quicktime-metadata',
			'library.probe-file',
			'sim.usbmuxd-protocol',
		]);
	});

	it.each(targets.map((target) => [target.name, target] as const))('%s', async (_, target) => {
		const report = await fuzzTarget(target, { cases: target.quickCases, seed: SEED });
		expect(report.cases).toBe(target.quickCases);
		if (report.failures > 0) expect.fail(`${report.failures} of ${report.cases} cases broke the contract:\n${await explain(target, report)}`);
	}, 60_000);
});

/** Small targets with known faults: the harness must see each kind. */
function toy(run: (input: FuzzInput) => void | Promise<void>, overrides: Partial<FuzzTarget> = {}): FuzzTarget {
	return {
		name: 'toy',
		description: 'a parser with a planted fault',
		inputs: fuzzInputs({ seeds: [Uint8Array.from({ length: 32 }, (_, i) => i)], chunked: true, variants: 2 }),
		mayThrow: 'device-error',
		quickCases: 200,
		run,
		...overrides,
	};
}

const planted = (input: FuzzInput) => input.bytes.includes(0xee);

describe('the harness', () => {
	it('counts a throw that is not a DeviceError, and replays and shrinks it', async () => {
		const target = toy((input) => {
			if (planted(input)) throw new TypeError('planted');
			if (input.bytes.length > 40) throw new DeviceError('protocol', 'refused, as allowed');
		});
		const report = await fuzzTarget(target, { cases: 400, seed: 1 });
		expect(report.cases).toBe(400);
		expect(report.failures).toBeGreaterThan(0);
		const first = report.examples[0]!;
		expect(first.problem).toMatch(/^threw TypeError: planted/);
		expect(await inputAt(target, 1, String(first.index))).toEqual(first.input);
		const smallest = await shrinkFailure(target, 1, String(first.index));
		expect(smallest?.problem).toMatch(/^threw TypeError: planted/);
		expect(smallest!.input.bytes.length).toBeLessThanOrEqual(first.input.bytes.length);
	});

	it('counts any throw from a parser that promises never to throw', async () => {
		const target = toy(
			(input) => {
				if (planted(input)) throw new DeviceError('protocol', 'not allowed here');
			},
			{ mayThrow: 'nothing' },
		);
		const report = await fuzzTarget(target, { cases: 400, seed: 2 });
		expect(report.failures).toBeGreaterThan(0);
		expect(report.examples[0]!.problem).toMatch(/^threw DeviceError/);
	});

	it('counts a case that never settles as a hang', async () => {
		const target = toy((input) => (planted(input) ? new Promise<void>(() => undefined) : undefined));
		const report = await fuzzTarget(target, { cases: 300, seed: 3, timeLimitMs: 50 });
		expect(report.failures).toBeGreaterThan(0);
		expect(report.examples[0]!.problem).toMatch(/^hangs/);
	});

	it('counts an allocation past the bound', async () => {
		const target = toy(
			(input) => {
				if (planted(input)) new Uint8Array(1 << 20);
			},
			{ allocationBound: () => 1024 },
		);
		const report = await fuzzTarget(target, { cases: 400, seed: 4 });
		expect(report.failures).toBeGreaterThan(0);
		expect(report.examples[0]!.problem).toBe('allocated 1048576 bytes at once; its bound is 1024');
		expect(globalThis.Uint8Array.name).toBe('Uint8Array');
	});
});
