/**
 * CPU time of the bench's Chromium, from Linux's /proc: every thread of the browser process started
 * on the bench's profile and of its descendants (renderer, GPU, utility processes), grouped by what
 * the thread does. It shows whether a backup waits on something or has run out of cores. Elsewhere
 * than Linux there is no /proc, and no figure.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';

/** What each group of threads spent, in CPU seconds. */
export type CpuSplit = Record<CpuGroup, number>;
export type CpuGroup = 'workers' | 'page' | 'browser IO' | 'other';

export const CPU_GROUPS: Record<CpuGroup, string> = {
	workers: "the page's workers (device worker with the virtual iPhone, hash worker)",
	page: "the page's main thread",
	'browser IO': "the browser's IO thread and thread pool (folder writes and reads, messages)",
	other: 'everything else (compositor, GPU, other processes)',
};

/** /proc reports CPU times in USER_HZ ticks, which Linux fixes at 100 a second for user space. */
const TICKS_PER_SECOND = 100;

interface ThreadTime {
	group: CpuGroup;
	ticks: number;
}

/** Starts counting; the function returned gives the CPU seconds spent since. Undefined without /proc. */
export async function startCpuCount(profileDir: string): Promise<(() => Promise<CpuSplit>) | undefined> {
	if (!existsSync('/proc/self/task')) return undefined;
	const before = await threadTimes(profileDir);
	if (before.size === 0) return undefined;
	return async () => {
		const after = await threadTimes(profileDir);
		const split: CpuSplit = { workers: 0, page: 0, 'browser IO': 0, other: 0 };
		for (const [id, time] of after) split[time.group] += (time.ticks - (before.get(id)?.ticks ?? 0)) / TICKS_PER_SECOND;
		return split;
	};
}

async function threadTimes(profileDir: string): Promise<Map<string, ThreadTime>> {
	const processes = new Map<string, { parent: string; kind: string; ours: boolean }>();
	for (const pid of await readdir('/proc')) {
		if (!/^\d+$/.test(pid)) continue;
		const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
		const args = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => undefined);
		if (stat === undefined || args === undefined) continue;
		const parent = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1] ?? '';
		const kind = /--type=([a-z-]+)/.exec(args)?.[1] ?? 'browser';
		processes.set(pid, { parent, kind, ours: args.includes(`--user-data-dir=${profileDir}`) && kind === 'browser' });
	}
	// The browser process on our profile, and everything it started (through the zygote, too).
	const ours = new Set([...processes].filter(([, p]) => p.ours).map(([pid]) => pid));
	for (let grown = true; grown; ) {
		grown = false;
		for (const [pid, p] of processes) {
			if (!ours.has(pid) && ours.has(p.parent)) {
				ours.add(pid);
				grown = true;
			}
		}
	}
	const times = new Map<string, ThreadTime>();
	for (const pid of ours) {
		const kind = processes.get(pid)!.kind;
		const tids = await readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
		for (const tid of tids) {
			const stat = await readFile(`/proc/${pid}/task/${tid}/stat`, 'utf8').catch(() => undefined);
			if (stat === undefined) continue;
			const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
			const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
			const ticks = Number(fields[11]) + Number(fields[12]);
			times.set(`${pid}/${tid}`, { group: groupOf(kind, name, pid === tid), ticks });
		}
	}
	return times;
}

function groupOf(kind: string, thread: string, main: boolean): CpuGroup {
	if (kind === 'renderer' && thread.startsWith('DedicatedWorker')) return 'workers';
	if (kind === 'renderer' && main) return 'page';
	if (kind === 'browser' && (thread.startsWith('Chrome_IOThread') || thread.startsWith('ThreadPool'))) return 'browser IO';
	return 'other';
}
