import { describe, expect, it } from 'vitest';
import { isDeviceError } from './errors';
import { loadAppChunk, wrapAppWorker } from './app-code';

/** What a page sees of a worker: messages it never answers, and the events a failed load fires. */
class SilentWorker extends EventTarget {
	terminated = false;
	postMessage(): void {}
	terminate(): void {
		this.terminated = true;
	}
}

interface Service {
	work(): Promise<number>;
}

describe('wrapAppWorker', () => {
	it('fails pending and later calls with app-updated when the script cannot be loaded', async () => {
		const worker = new SilentWorker();
		const service = wrapAppWorker<Service>(worker as unknown as Worker);
		const pending = service.work();
		worker.dispatchEvent(new Event('error'));
		await expect(pending).rejects.toSatisfy((error) => isDeviceError(error, 'app-updated'));
		await expect(service.work()).rejects.toSatisfy((error) => isDeviceError(error, 'app-updated'));
		expect(worker.terminated).toBe(true);
	});

	it('leaves a running worker alone when code inside it throws', async () => {
		const worker = new SilentWorker();
		const service = wrapAppWorker<Service>(worker as unknown as Worker);
		const thrownInside = Object.assign(new Event('error'), { message: 'Uncaught TypeError' });
		worker.dispatchEvent(thrownInside);
		const outcome = await Promise.race([service.work().then(() => 'answered', () => 'failed'), new Promise((resolve) => setTimeout(resolve, 50, 'waiting'))]);
		expect(outcome).toBe('waiting');
		expect(worker.terminated).toBe(false);
	});
});

describe('loadAppChunk', () => {
	it('turns a chunk that cannot be fetched into app-updated, with advice to reload', async () => {
		const failed = loadAppChunk(() => Promise.reject(new TypeError('Failed to fetch dynamically imported module: /x.js')));
		await expect(failed).rejects.toSatisfy((error) => isDeviceError(error, 'app-updated') && /Reload the page/.test(error.advice ?? ''));
	});

	it('hands a loaded chunk through', async () => {
		await expect(loadAppChunk(() => Promise.resolve({ answer: 42 }))).resolves.toEqual({ answer: 42 });
	});
});
