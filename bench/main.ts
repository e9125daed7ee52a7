import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, statSync, readdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem, platform, release } from 'node:os';
import { join } from 'node:path';
import { BASE_URL, BenchBrowser, type DemoSetup } from './browser';
import { CPU_GROUPS, type CpuGroup } from './cpu-time';
import { runPeers } from './peers';
import { runStages } from './stages';

const ROOT = new URL('..', import.meta.url).pathname;
const GiB = 2 ** 30;
/** ~1 GiB with a real phone's mix: the `typical` profile cut to 200 items (306 files, 0.99 GiB). */
const ROLL: DemoSetup = { profile: { base: 'typical', items: 200 } };
const USB2 = 40_000_000;

export interface Figure {
	group: string;
	name: string;
	value: number | undefined;
	unit: string;
	target?: { op: '>=' | '<='; value: number };
	note?: string;
}

const met = (f: Figure) =>
	f.target === undefined || f.value === undefined ? undefined : f.target.op === '>=' ? f.value >= f.target.value : f.value <= f.target.value;

/** `huge`: only the huge-roll figures of `scale` (connect, scan and plan, twice), without the 1 GiB backup before them. */
const PARTS = ['throughput', 'stages', 'scale', 'huge', 'memory', 'peers'] as const;
type Part = (typeof PARTS)[number];

export async function main(args: string[]): Promise<void> {
	const only = args.find((a) => a.startsWith('--only='))?.slice(7).split(',') as Part[] | undefined;
	const run = (part: Part) => !only || only.includes(part);
	const figures: Figure[] = [];
	const add = (figure: Figure) => {
		figures.push(figure);
		const ok = met(figure);
		console.log(`  ${figure.group} · ${figure.name}: ${fmt(figure.value)} ${figure.unit}${ok === undefined ? '' : ok ? ' ✓' : ' ✗'}`);
	};

	await ensureBuild();
	const preview = await ensurePreview();
	const browser = await BenchBrowser.launch();
	const started = Date.now();
	try {
		if (run('throughput') || run('scale')) {
			console.log('1. throughput, 1 GiB camera roll, uncapped…');
			const uncapped = await browser.backup(ROLL, { folder: 'bench-uncapped' });
			add({ group: '1 throughput', name: `end to end, uncapped (${uncapped.files} files, ${(uncapped.bytes / GiB).toFixed(2)} GiB)`, value: uncapped.bytes / uncapped.backupSeconds / 1e6, unit: 'MB/s', target: { op: '>=', value: 150 } });
			if (uncapped.cpu !== undefined) {
				const cores = cpus().length;
				const used = Object.values(uncapped.cpu).reduce((sum, seconds) => sum + seconds, 0);
				const split = (Object.keys(CPU_GROUPS) as CpuGroup[]).map((group) => `${group} ${fmt(uncapped.cpu![group])} s`).join(', ');
				add({ group: '2 stages', name: `CPU time of that backup, all of Chromium's threads (${cores} cores × ${fmt(uncapped.backupSeconds)} s = ${fmt(cores * uncapped.backupSeconds)} core-seconds there were)`, value: used, unit: 'core-s', note: split });
				add({ group: '2 stages', name: `the most that CPU time allows, with every core busy all the time (${cores} cores)`, value: uncapped.bytes / (used / cores) / 1e6, unit: 'MB/s' });
			}
			add({ group: '5 responsiveness', name: 'longest main-thread task during that backup (longtask observer; 0 = none ≥ 50 ms)', value: uncapped.longestTaskMs, unit: 'ms', target: { op: '<=', value: 50 } });
			add({ group: '5 responsiveness', name: 'longest gap of a 0 ms timer loop on the page during that backup', value: uncapped.longestTimerGapMs, unit: 'ms' });
			add({ group: '3 scale', name: 'IndexedDB bytes per backed-up file (1 GiB roll)', value: uncapped.indexedDbBytes / uncapped.files, unit: 'B/file' });
			const again = await browser.open(ROLL, 'bench-uncapped');
			const plan = await browser.plan();
			add({ group: '3 scale', name: `second run, 1 GiB roll (${uncapped.files} files backed up): connect, scan + plan`, value: again.scanSeconds + plan.planSeconds, unit: 's', note: plan.summary.replace(/\s+/g, ' ').trim() });
			await browser.removeFolder('bench-uncapped');

			if (run('throughput')) {
				console.log('1. throughput, capped at 40 MB/s…');
				const capped = await browser.backup({ ...ROLL, bytesPerSecond: USB2 }, { folder: 'bench-capped' });
				const rate = capped.bytes / capped.backupSeconds / 1e6;
				add({ group: '1 throughput', name: `end to end, simulator capped at ${USB2 / 1e6} MB/s: ${fmt(rate)} MB/s, share of the cap`, value: (100 * rate) / (USB2 / 1e6), unit: '%', target: { op: '>=', value: 95 } });
				await browser.removeFolder('bench-capped');
			}
		}
		if (run('stages')) {
			console.log('2. where the time goes: each stage alone on the same roll…');
			await browser.page.goto('/');
			const stages = await runStages(browser.page, ROLL);
			const rate = (stage: { bytes: number; seconds: number }) => stage.bytes / stage.seconds / 1e6;
			add({ group: '2 stages', name: `usbmux + AFC reading only (demo iPhone in the worker, ${(stages.afc.bytes / GiB).toFixed(2)} GiB)`, value: rate(stages.afc), unit: 'MB/s' });
			add({ group: '2 stages', name: 'hashing only (SHA-256 + XXH3-128 in the hash worker, 4 MiB chunks moved; SHA-256 from WebCrypto up to 32 MiB)', value: rate(stages.hash), unit: 'MB/s' });
			add({ group: '2 stages', name: 'writing only (OPFS, the engine\'s pending files, 4 MiB chunks)', value: rate(stages.write), unit: 'MB/s' });
			add({ group: '2 stages', name: 'read-back only (OPFS file stream + XXH3-128 in the worker)', value: stages.write.bytes / stages.write.readBackSeconds! / 1e6, unit: 'MB/s' });
		}
		if (run('scale') || run('huge')) {
			console.log('3. scale, huge profile…');
			const opened = await browser.open({ profile: 'huge' }, 'bench-huge');
			const plan = await browser.plan();
			add({ group: '3 scale', name: 'huge profile (~30,000 items): connect, scan and plan', value: opened.scanSeconds + plan.planSeconds, unit: 's', target: { op: '<=', value: 10 }, note: `scan ${fmt(opened.scanSeconds)} s, plan ${fmt(plan.planSeconds)} s` });
			// A first backup of `huge` is 236 GB: the second run here follows the first scan, not a backup. It
			// reads what a second run reads from the phone (listings and stats; no file is new to the scan),
			// but plans against an empty folder.
			const again = await browser.open({ profile: 'huge' }, 'bench-huge');
			const replan = await browser.plan();
			add({ group: '3 scale', name: 'huge profile, second run (after the first scan, no backup between: capture dates remembered, plan against an empty folder): connect, scan and plan', value: again.scanSeconds + replan.planSeconds, unit: 's', target: { op: '<=', value: 5 }, note: `scan ${fmt(again.scanSeconds)} s, plan ${fmt(replan.planSeconds)} s` });
			await browser.removeFolder('bench-huge');
		}
		if (run('memory')) {
			console.log('4. memory, a 5 GiB video…');
			const video = await browser.backup({ profile: { base: 'small', items: 8, longVideos: [5 * GiB] } }, { folder: 'bench-video', watchHeap: true });
			add({ group: '4 memory', name: 'peak JS heap of the device worker, 5 GiB video', value: video.heapPeak!.device / 2 ** 20, unit: 'MiB', target: { op: '<=', value: 200 } });
			add({ group: '4 memory', name: 'peak JS heap of device + hash workers together', value: video.heapPeak!.workers / 2 ** 20, unit: 'MiB' });
			add({ group: '4 memory', name: `(that backup's throughput, ${(video.bytes / GiB).toFixed(2)} GiB)`, value: video.bytes / video.backupSeconds / 1e6, unit: 'MB/s' });
			await browser.removeFolder('bench-video');
		}
	} finally {
		await browser.close();
	}
	if (run('peers')) {
		console.log('6. side by side: ifuse + cp and our stack in Node…');
		for (const figure of await runPeers()) add(figure);
	}
	preview?.kill();

	const machine = {
		cpus: cpus().length,
		cpuModel: cpus()[0]?.model ?? 'unknown',
		memoryGiB: Math.round(totalmem() / GiB),
		os: `${platform()} ${release()}`,
		node: process.version,
		chromium: browser.version,
	};
	printTable(figures, machine);
	await mkdir(join(ROOT, 'bench'), { recursive: true });
	await writeFile(
		join(ROOT, 'bench/results.json'),
		JSON.stringify({ date: new Date().toISOString(), machine, seconds: (Date.now() - started) / 1000, figures: figures.map((f) => ({ ...f, met: met(f) })) }, null, 2) + '\n',
	);
	console.log('written bench/results.json');
}

function fmt(value: number | undefined): string {
	if (value === undefined) return '—';
	return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

function printTable(figures: Figure[], machine: Record<string, unknown>): void {
	const rows = figures.map((f) => {
		const ok = met(f);
		return [f.group, f.name, `${fmt(f.value)} ${f.unit}`, f.target ? `${f.target.op === '>=' ? '≥' : '≤'} ${f.target.value} ${f.unit}` : '', ok === undefined ? '' : ok ? 'yes' : 'NO'];
	});
	const head = ['#', 'figure', 'value', 'target', 'met?'];
	console.log(`\nmachine: ${Object.entries(machine).map(([k, v]) => `${k} ${v}`).join(', ')}\n`);
	console.log(`| ${head.join(' | ')} |\n|${head.map(() => '---').join('|')}|`);
	for (const row of rows) console.log(`| ${row.join(' | ')} |`);
}

/** Builds the page unless build/ is newer than every source file. */
async function ensureBuild(): Promise<void> {
	const built = join(ROOT, 'build/index.html');
	const newest = (dir: string): number =>
		readdirSync(dir, { withFileTypes: true }).reduce((max, entry) => {
			const path = join(dir, entry.name);
			return Math.max(max, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
		}, 0);
	const sources = Math.max(newest(join(ROOT, 'src')), newest(join(ROOT, 'static')));
	if (existsSync(built) && statSync(built).mtimeMs > sources) return;
	console.log('building the page…');
	await exec('npx', ['vite', 'build']);
}

/**
 * Starts `vite preview` on 127.0.0.1:4173 (or APP_PORT) unless one answers there already; the caller
 * stops it. Vite itself, not `npx`: killing npx would leave the server running.
 */
async function ensurePreview(): Promise<ChildProcess | undefined> {
	if (await answers()) return undefined;
	const child = spawn(join(ROOT, 'node_modules/.bin/vite'), ['preview', '--host', '127.0.0.1', '--port', String(process.env.APP_PORT ?? 4173), '--strictPort'], { cwd: ROOT, stdio: 'ignore' });
	for (let i = 0; i < 100; i++) {
		if (await answers()) return child;
		await new Promise((resolve) => setTimeout(resolve, 200));
	}
	child.kill();
	throw new Error(`vite preview did not answer on ${BASE_URL}`);
}

async function answers(): Promise<boolean> {
	return fetch(BASE_URL).then((r) => r.ok, () => false);
}

function exec(command: string, args: string[]): Promise<void> {
	return new Promise((resolve, reject) => {
		const child = spawn(command, args, { cwd: ROOT, stdio: 'inherit' });
		child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited with ${code}`))));
	});
}
