import { describe, expect, it } from 'vitest';
import { createChannelPair } from './byte-channel';

describe('createChannelPair', () => {
	it('carries bytes both ways and ends both directions on close', async () => {
		const [a, b] = createChannelPair();
		const aw = a.writable.getWriter();
		const bw = b.writable.getWriter();
		const ar = a.readable.getReader();
		const br = b.readable.getReader();
		void aw.write(new Uint8Array([1, 2]));
		void bw.write(new Uint8Array([3]));
		expect((await br.read()).value).toEqual(new Uint8Array([1, 2]));
		expect((await ar.read()).value).toEqual(new Uint8Array([3]));
		await b.close();
		expect((await ar.read()).done).toBe(true);
		expect((await br.read()).done).toBe(true);
		await expect(aw.write(new Uint8Array([9]))).rejects.toBeDefined();
	});
});
