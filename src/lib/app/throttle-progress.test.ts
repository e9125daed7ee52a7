import { describe, expect, it } from 'vitest';
import { throttleProgress } from './throttle-progress';

describe('throttleProgress', () => {
	it('passes the first report of each stage and then one per interval', () => {
		let clock = 0;
		const seen: string[] = [];
		const report = throttleProgress<{ stage: string; done: number }>((p) => seen.push(`${p.stage}:${p.done}`), {
			intervalMs: 100,
			now: () => clock,
		});
		for (let done = 0; done < 10; done++) {
			report({ stage: 'listing', done });
			clock += 30;
		}
		report({ stage: 'reading-dates', done: 0 });
		report({ stage: 'reading-dates', done: 1 });
		clock += 100;
		report({ stage: 'reading-dates', done: 2 });
		expect(seen).toEqual(['listing:0', 'listing:4', 'listing:8', 'reading-dates:0', 'reading-dates:2']);
	});
});
