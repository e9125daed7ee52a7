/**
 * The long fuzz run of every parser that reads the phone's bytes (src/fuzz; the quick run of the
 * same targets is part of `npm test`):
 *
 *   npm run fuzz                                   every target, 100,000 cases each, a fresh seed
 *   npm run fuzz -- --cases 20000 --target tls     targets whose name contains "tls"
 *   npm run fuzz -- --seed 123 --target afc.client --path 4711    replay one case, shrink it, print it
 *   npm run fuzz -- --list
 *
 * Targets run in worker threads (--jobs, default 2); a watchdog ends a worker whose case has not moved
 * for --hang-seconds and reports that case as a hang. Prints a table (cases, failures, seconds, slowest
 * case) and exits with 1 if any case broke its contract, printing the failing input in hex with the
 * seed and path that replay it.
 */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { loadSeedCorpus } from '../src/fuzz/corpus-node';
import {
	checkCase,
	formatFailure,
	formatInput,
	fuzzTarget,
	inputAt,
	shrinkFailure,
	type FuzzReport,
	type FuzzTarget,
} from '../src/fuzz/run';
import { createFuzzTargets } from '../src/fuzz/targets';

interface Job {
	target: string;
	cases: number;
	seed: number;
	timeLimitMs: number;
}

interface Shrunk {
	/** The case it was shrunk from. */
	from: number;
	path: string;
	problem: string;
	input: string;
}

type WorkerMessage =
	| { kind: 'ready' }
	| { kind: 'progress'; target: string; cases: number }
	| { kind: 'done'; report: FuzzReport; shrunk: Shrunk[] };

interface WorkerData {
	/** [case index, running flag] per worker slot, read by the watchdog. */
	progress: SharedArrayBuffer;
}

if (isMainThread) await main();
else await serve(workerData as WorkerData);

async function targetsOnce(): Promise<FuzzTarget[]> {
	return createFuzzTargets(await loadSeedCorpus());
}

/** The worker: runs one target at a time, as the main thread asks. */
async function serve({ progress }: WorkerData): Promise<void> {
	const targets = await targetsOnce();
	const slot = new Int32Array(progress);
	const port = parentPort!;
	const send = (message: WorkerMessage) => port.postMessage(message);
	port.on('message', async (job: Job) => {
		const target = targets.find((candidate) => candidate.name === job.target)!;
		let lastProgress = performance.now();
		Atomics.store(slot, 1, 1);
		const report = await fuzzTarget(target, {
			cases: job.cases,
			seed: job.seed,
			timeLimitMs: job.timeLimitMs,
			onCase: (index) => {
				Atomics.store(slot, 0, index);
				const now = performance.now();
				if (now - lastProgress > 5_000) {
					lastProgress = now;
					send({ kind: 'progress', target: target.name, cases: index });
				}
			},
		});
		// Shrinking replays cases without moving the index: the watchdog must not take it for a hang.
		Atomics.store(slot, 1, 0);
		const shrunk: Shrunk[] = [];
		for (const failure of report.examples) {
			if (failure.problem.startsWith('hangs')) continue;
			const smallest = await shrinkFailure(target, job.seed, String(failure.index), { timeLimitMs: job.timeLimitMs, timeBudgetMs: 60_000 });
			if (smallest !== undefined) {
				shrunk.push({ from: failure.index, path: smallest.path, problem: smallest.problem, input: formatInput(smallest.input, 1 << 20) });
			}
		}
		send({ kind: 'done', report, shrunk });
	});
	send({ kind: 'ready' });
}

function usage(message: string): never {
	console.error(message);
	console.error('usage: npm run fuzz -- [--cases N] [--target NAME] [--seed N] [--path P] [--jobs N] [--hang-seconds N] [--list]');
	process.exit(2);
}

function integer(text: string | undefined, fallback: number, name: string): number {
	if (text === undefined) return fallback;
	const value = Number(text);
	if (!Number.isSafeInteger(value) || value < 0) usage(`--${name} must be a whole number, not ${text}`);
	return value;
}

async function main(): Promise<void> {
	const { values } = parseArgs({
		options: {
			cases: { type: 'string' },
			target: { type: 'string', multiple: true },
			seed: { type: 'string' },
			path: { type: 'string' },
			jobs: { type: 'string' },
			'hang-seconds': { type: 'string' },
			'time-limit-ms': { type: 'string' },
			list: { type: 'boolean' },
		},
	});
	const targets = await targetsOnce();
	if (values.list) {
		for (const target of targets) console.log(`${target.name.padEnd(28)} ${target.description}`);
		return;
	}
	const filters = values.target ?? [];
	const chosen = targets.filter((target) => filters.length === 0 || filters.some((filter) => target.name === filter || target.name.includes(filter)));
	if (chosen.length === 0) usage(`no target matches ${filters.join(', ')} (see --list)`);
	const cases = integer(values.cases, 100_000, 'cases');
	const seed = integer(values.seed, Math.floor(Math.random() * 0x7fffffff), 'seed');
	const timeLimitMs = integer(values['time-limit-ms'], 10_000, 'time-limit-ms');

	if (values.path !== undefined) {
		if (chosen.length !== 1) usage('--path replays one case: name exactly one --target');
		process.exit(await replay(chosen[0]!, seed, values.path, timeLimitMs));
	}

	const jobs = Math.max(1, Math.min(integer(values.jobs, Math.min(2, availableParallelism()), 'jobs'), chosen.length));
	const hangMs = integer(values['hang-seconds'], 60, 'hang-seconds') * 1000;
	console.log(`fuzzing ${chosen.length} targets, ${cases} cases each, seed ${seed}, ${jobs} workers`);
	const started = performance.now();
	const results = await runAll(chosen, { cases, seed, timeLimitMs }, jobs, hangMs);
	printTable(results, (performance.now() - started) / 1000);
	const failed = results.filter((result) => result.report.failures > 0);
	for (const { report, shrunk } of failed) {
		for (const failure of report.examples) {
			console.log('');
			console.log(formatFailure(report.target, report.seed, failure));
			const smallest = shrunk.find((candidate) => candidate.from === failure.index);
			if (smallest !== undefined) console.log(`  smallest (--path ${smallest.path}): ${smallest.problem}\n  input ${smallest.input}`);
			console.log(`  replay: npm run fuzz -- --target ${report.target} --seed ${report.seed} --path ${smallest?.path ?? failure.index}`);
		}
	}
	process.exit(failed.length > 0 ? 1 : 0);
}

/** Runs one case again (shrinking it if it still fails) and prints its whole input. */
async function replay(target: FuzzTarget, seed: number, path: string, timeLimitMs: number): Promise<number> {
	const input = await inputAt(target, seed, path);
	const problem = await checkCase(target, input, timeLimitMs);
	console.log(`${target.name} --seed ${seed} --path ${path}: ${problem ?? 'keeps the contract'}`);
	console.log(`input ${formatInput(input, 1 << 20)}`);
	if (problem === undefined) return 0;
	const smallest = await shrinkFailure(target, seed, path, { timeLimitMs });
	if (smallest !== undefined && smallest.path !== path) {
		console.log(`smallest (--path ${smallest.path}): ${smallest.problem}`);
		console.log(`input ${formatInput(smallest.input, 1 << 20)}`);
	}
	return 1;
}

interface Result {
	report: FuzzReport;
	shrunk: Shrunk[];
}

function startWorker(progress: SharedArrayBuffer): Worker {
	// tsx's loader does not reach worker threads by itself on Node 20: register it, then load this file.
	const boot = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then(({ register }) => { register(); return import(${JSON.stringify(import.meta.url)}); });`;
	return new Worker(boot, { eval: true, workerData: { progress } satisfies WorkerData });
}

async function runAll(targets: FuzzTarget[], job: Omit<Job, 'target'>, jobs: number, hangMs: number): Promise<Result[]> {
	const queue = [...targets];
	const results = new Map<string, Result>();
	const lanes = Array.from({ length: jobs }, async () => {
		while (queue.length > 0) {
			const progress = new SharedArrayBuffer(8);
			const worker = startWorker(progress);
			// One worker runs targets until one hangs; then a fresh worker takes the rest.
			const hung = await new Promise<boolean>((resolve) => {
				let current: FuzzTarget | undefined;
				let lastIndex = -1;
				let lastMove = performance.now();
				const next = () => {
					current = queue.shift();
					if (current === undefined) {
						void worker.terminate();
						resolve(false);
						return;
					}
					lastIndex = -1;
					lastMove = performance.now();
					worker.postMessage({ ...job, target: current.name } satisfies Job);
				};
				const watchdog = setInterval(() => {
					const slot = new Int32Array(progress);
					if (current === undefined || Atomics.load(slot, 1) === 0) return;
					const index = Atomics.load(slot, 0);
					if (index !== lastIndex) {
						lastIndex = index;
						lastMove = performance.now();
					} else if (performance.now() - lastMove > hangMs) {
						clearInterval(watchdog);
						const target = current;
						void worker.terminate();
						void hangReport(target, job, index, hangMs).then((result) => {
							results.set(target.name, result);
							console.log(`${target.name}: HANG at case ${index}`);
							resolve(true);
						});
					}
				}, 1_000);
				worker.on('message', (message: WorkerMessage) => {
					if (message.kind === 'ready') next();
					else if (message.kind === 'progress') console.log(`  ${message.target}: ${message.cases} cases…`);
					else {
						results.set(message.report.target, { report: message.report, shrunk: message.shrunk });
						const { report } = message;
						console.log(`${report.target}: ${report.cases} cases, ${report.failures} failures, ${report.seconds.toFixed(1)} s`);
						next();
					}
				});
				worker.on('error', (error) => {
					clearInterval(watchdog);
					console.error(`a fuzz worker failed: ${error.stack ?? error}`);
					process.exit(2);
				});
				worker.on('exit', () => clearInterval(watchdog));
			});
			if (!hung) return;
		}
	});
	await Promise.all(lanes);
	return targets.map((target) => results.get(target.name)!).filter((result) => result !== undefined);
}

async function hangReport(target: FuzzTarget, job: Omit<Job, 'target'>, index: number, hangMs: number): Promise<Result> {
	const input = await inputAt(target, job.seed, String(index));
	return {
		report: {
			target: target.name,
			seed: job.seed,
			cases: index + 1,
			failures: 1,
			seconds: Number.NaN,
			slowestMs: hangMs,
			consoleMessages: 0,
			examples: [{ index, input, problem: `hangs: no progress for ${hangMs / 1000} s (the worker was stopped)`, count: 1 }],
		},
		shrunk: [],
	};
}

function printTable(results: Result[], wallSeconds: number): void {
	const rows = results.map(({ report }) => [
		report.target,
		String(report.cases),
		String(report.failures),
		Number.isNaN(report.seconds) ? '—' : report.seconds.toFixed(1),
		report.slowestMs.toFixed(1),
		String(report.consoleMessages),
	]);
	const total = results.reduce((sum, { report }) => sum + report.cases, 0);
	const failures = results.reduce((sum, { report }) => sum + report.failures, 0);
	const cpu = results.reduce((sum, { report }) => sum + (Number.isNaN(report.seconds) ? 0 : report.seconds), 0);
	rows.push(['total', String(total), String(failures), `${cpu.toFixed(1)} (wall ${wallSeconds.toFixed(1)})`, '', '']);
	const header = ['target', 'cases', 'failures', 'seconds', 'slowest case ms', 'console lines'];
	const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
	const line = (cells: string[]) => cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ');
	console.log('');
	console.log(line(header));
	console.log(widths.map((width) => '-'.repeat(width)).join('  '));
	for (const row of rows) console.log(line(row));
}
