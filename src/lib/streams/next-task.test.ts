import { describe, expect, it } from 'vitest';
import { nextTask } from './next-task';

describe('nextTask', () => {
	it('settles after every microtask the current task queued, however deep the chain', async () => {
		const seen: string[] = [];
		const chain = async (depth: number): Promise<void> => {
			for (let i = 0; i < depth; i++) await Promise.resolve();
			seen.push(`chain ${depth}`);
		};
		const waited = nextTask().then(() => seen.push('next task'));
		void chain(1);
		void chain(50);
		await waited;
		expect(seen).toEqual(['chain 1', 'chain 50', 'next task']);
	});

	it('settles waiters in the order they asked', async () => {
		const order: number[] = [];
		await Promise.all([1, 2, 3].map((n) => nextTask().then(() => order.push(n))));
		expect(order).toEqual([1, 2, 3]);
	});
});
