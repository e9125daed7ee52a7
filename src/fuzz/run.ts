import fc from 'fast-check';
import { isDeviceError } from '../lib/errors';
import { toHex } from '../lib/bytes';
import { AllocationWatch, ConsoleWatch, ContractViolation, HangError, withTimeLimit } from './contract';
import type { FuzzInput } from './mutate';

/** One parser under fuzzing, with the contract it keeps. */
export interface FuzzTarget {
	/** `area.parser`, e.g. `usbmux.packets`: what `--target` matches. */
	readonly name: string;
	/** What is fed to what, in a few words (printed by `npm run fuzz -- --list`). */
	readonly description: string;
	readonly inputs: fc.Arbitrary<FuzzInput>;
	/**
	 * `device-error`: the parser may refuse the bytes with a `DeviceError`; `nothing`: it documents that it
	 * never throws (the metadata readers, which yield less metadata instead).
	 */
	readonly mayThrow: 'device-error' | 'nothing';
	/** The largest single buffer the parser may allocate for this input, when it has a stated bound. */
	readonly allocationBound?: (input: FuzzInput) => number;
	/** Feeds the parser and checks what it returns (throwing `ContractViolation` when it is wrong). */
	readonly run: (input: FuzzInput) => void | Promise<void>;
	/** Cases in the quick run inside `npm test`. */
	readonly quickCases: number;
}

export interface FuzzFailure {
	/** The case's index in the run: with the seed, `--path` replays it. */
	index: number;
	input: FuzzInput;
	problem: string;
	/** Failures of the same kind (same problem, numbers aside) in the run, this one included. */
	count: number;
}

export interface FuzzReport {
	target: string;
	seed: number;
	cases: number;
	failures: number;
	seconds: number;
	/** The slowest case, in ms (a case close to the time limit is a hang waiting to happen). */
	slowestMs: number;
	/** Lines the parser wrote to the console (not a failure; printed nowhere). */
	consoleMessages: number;
	/** The first failure of each kind (up to `keepExamples` kinds), in the order they happened. */
	examples: FuzzFailure[];
}

export interface FuzzOptions {
	cases: number;
	seed: number;
	/** How long one case may take to settle before it counts as a hang (async parsers only). */
	timeLimitMs?: number;
	/** Kinds of failure kept in the report, one example each (all failures are counted). */
	keepExamples?: number;
	/** Called as each case starts (the long run's watchdog reads it). */
	onCase?: (index: number) => void;
}

const DEFAULT_TIME_LIMIT_MS = 10_000;

export interface CaseOutcome {
	/** What broke the contract; `undefined` when the parser kept it. */
	problem: string | undefined;
	consoleMessages: number;
}

/** The contract check for one case: `undefined` when the parser kept it, else what went wrong. */
export async function checkCase(target: FuzzTarget, input: FuzzInput, timeLimitMs?: number): Promise<string | undefined> {
	return (await runCase(target, input, timeLimitMs)).problem;
}

export async function runCase(target: FuzzTarget, input: FuzzInput, timeLimitMs = DEFAULT_TIME_LIMIT_MS): Promise<CaseOutcome> {
	const consoleWatch = ConsoleWatch.start();
	const watch = target.allocationBound === undefined ? undefined : AllocationWatch.start();
	let problem: string | undefined;
	try {
		const result = target.run(input);
		if (result !== undefined) await withTimeLimit(result, timeLimitMs);
	} catch (error) {
		if (error instanceof ContractViolation) problem = error.message;
		else if (error instanceof HangError) problem = `hangs: ${error.message}`;
		else if (!(target.mayThrow === 'device-error' && isDeviceError(error))) problem = `threw ${describeError(error)}`;
	} finally {
		watch?.stop();
		consoleWatch.stop();
	}
	if (problem === undefined && watch !== undefined) {
		const bound = target.allocationBound!(input);
		if (watch.largest > bound) problem = `allocated ${watch.largest} bytes at once; its bound is ${bound}`;
	}
	return { problem, consoleMessages: consoleWatch.messages };
}

/**
 * Runs `cases` cases of `target` from `seed`. Every case runs, failures are counted rather than ending
 * the run, and case `index` is what `fc.check` with `{ seed, path: String(index) }` generates.
 */
/** What tells failures apart: the problem without its numbers (lengths, offsets, positions). */
function kindOf(problem: string): string {
	return problem.replace(/\d+/g, 'N');
}

export async function fuzzTarget(target: FuzzTarget, options: FuzzOptions): Promise<FuzzReport> {
	const examples = new Map<string, FuzzFailure>();
	const keep = options.keepExamples ?? 5;
	let index = 0;
	let failures = 0;
	let slowestMs = 0;
	let consoleMessages = 0;
	const started = performance.now();
	const property = fc.asyncProperty(target.inputs, async (input) => {
		const caseIndex = index++;
		options.onCase?.(caseIndex);
		const caseStarted = performance.now();
		const { problem, consoleMessages: printed } = await runCase(target, input, options.timeLimitMs);
		consoleMessages += printed;
		slowestMs = Math.max(slowestMs, performance.now() - caseStarted);
		if (problem !== undefined) {
			failures++;
			const kind = kindOf(problem);
			const known = examples.get(kind);
			if (known !== undefined) known.count++;
			else if (examples.size < keep) examples.set(kind, { index: caseIndex, input, problem, count: 1 });
		}
	});
	const details = await fc.check(property, { numRuns: options.cases, seed: options.seed });
	if (details.failed) throw new Error(`the fuzz runner itself failed on ${target.name}: ${String(details.errorInstance)}`);
	return {
		target: target.name,
		seed: options.seed,
		cases: index,
		failures,
		seconds: (performance.now() - started) / 1000,
		slowestMs,
		consoleMessages,
		examples: [...examples.values()],
	};
}

/** The input of case `index` of a run from `seed`, without running it. */
export async function inputAt(target: FuzzTarget, seed: number, path: string): Promise<FuzzInput> {
	let found: FuzzInput | undefined;
	await fc.check(
		fc.property(target.inputs, (input) => {
			found = input;
		}),
		{ seed, path, numRuns: 1 },
	);
	if (found === undefined) throw new Error(`no case at path ${path}`);
	return found;
}

/**
 * Replays case `path` of a run and lets fast-check shrink it: the smallest input that still breaks the
 * contract, with its own path.
 */
export async function shrinkFailure(
	target: FuzzTarget,
	seed: number,
	path: string,
	options: { timeLimitMs?: number; timeBudgetMs?: number } = {},
): Promise<{ input: FuzzInput; problem: string; path: string } | undefined> {
	const { timeLimitMs, timeBudgetMs } = options;
	let lastProblem = '';
	const details = await fc.check(
		fc.asyncProperty(target.inputs, async (input) => {
			const problem = await checkCase(target, input, timeLimitMs);
			if (problem !== undefined) {
				lastProblem = problem;
				return false;
			}
			return true;
		}),
		{ seed, path, numRuns: Number(path.split(':')[0]) + 1, ...(timeBudgetMs === undefined ? {} : { interruptAfterTimeLimit: timeBudgetMs }) },
	);
	if (!details.failed || details.counterexample === null) return undefined;
	const [input] = details.counterexample;
	const problem = (await checkCase(target, input, timeLimitMs)) ?? lastProblem;
	return { input, problem, path: details.counterexamplePath ?? path };
}

/** An error in one line: its name, message, and the first place in our own code it passed through. */
export function describeError(error: unknown): string {
	if (error instanceof Error) {
		const frames = (error.stack ?? '').split('\n').filter((line) => line.trim().startsWith('at '));
		const ours = frames.find((line) => line.includes('/src/lib/') && !line.includes('/src/fuzz/')) ?? frames[0];
		const where = ours?.trim().replace(/^at /, '').replace(/[^\s(]*\/src\/lib\//, 'src/lib/');
		return `${error.name}: ${error.message}${where === undefined ? '' : ` (at ${where})`}`;
	}
	return `a non-Error value: ${String(error)}`;
}

/** A failing input in words: its bytes in hex (the head of long ones), its chunk cuts and variant. */
export function formatInput(input: FuzzInput, maxBytes = 2048): string {
	const shown = input.bytes.subarray(0, maxBytes);
	const more = input.bytes.length > maxBytes ? ` … (${input.bytes.length} bytes in all)` : '';
	const cuts = input.cuts.length > 0 ? `, cut at [${input.cuts.join(', ')}]` : '';
	return `${input.bytes.length} bytes${cuts}, variant ${input.variant}: ${toHex(shown)}${more}`;
}

export function formatFailure(target: string, seed: number, failure: FuzzFailure): string {
	const times = failure.count > 1 ? ` (${failure.count} cases of this kind)` : '';
	return [
		`${target} case ${failure.index} (--seed ${seed} --path ${failure.index}): ${failure.problem}${times}`,
		`  input ${formatInput(failure.input)}`,
	].join('\n');
}
