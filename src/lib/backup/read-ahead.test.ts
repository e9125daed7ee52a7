import { describe, expect, it } from 'vitest';
import { DeviceError } from '../errors';
import type { DeviceFileInfo, DeviceFiles } from '../library';
import { BufferGauge } from './hash-stream';
import { ReadAhead } from './read-ahead';

/** Files whose streams log when the phone is asked for a chunk and when a stream is cancelled. */
class LoggedFiles implements DeviceFiles {
	readonly log: string[] = [];
	readonly #contents: Record<string, Uint8Array[] | DeviceError>;

	constructor(contents: Record<string, Uint8Array[] | DeviceError>) {
		this.#contents = contents;
	}

	async list(): Promise<string[]> {
		return Object.keys(this.#contents);
	}

	async stat(): Promise<DeviceFileInfo> {
		throw new Error('not used');
	}

	read(path: string): ReadableStream<Uint8Array> {
		const content = this.#contents[path]!;
		let at = 0;
		// Like the file service's streams: nothing is asked for before a reader pulls.
		return new ReadableStream<Uint8Array>(
			{
				pull: (controller) => {
					this.log.push(`pull ${path}`);
					if (content instanceof DeviceError) throw content;
					if (at < content.length) controller.enqueue(content[at++]!);
					else controller.close();
				},
				cancel: () => {
					this.log.push(`cancel ${path}`);
				},
			},
			{ highWaterMark: 0 },
		);
	}
}

async function drain(stream: ReadableStream<Uint8Array>): Promise<number[]> {
	const bytes: number[] = [];
	const reader = stream.getReader();
	for (;;) {
		const { done, value } = await reader.read();
		if (done) return bytes;
		bytes.push(...value);
	}
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('reading the next file ahead', () => {
	it('asks the phone at once, reads on up to its budget, and hands the same bytes to the reader', async () => {
		const files = new LoggedFiles({ '/a': [new Uint8Array([1, 2]), new Uint8Array([3, 4]), new Uint8Array([5]), new Uint8Array([6])] });
		const gauge = new BufferGauge();
		const ahead = new ReadAhead({ budget: 3, gauge });
		ahead.start(files, ['/a']);
		for (let i = 0; i < 5; i++) await tick();
		// Two chunks make the budget: the phone is asked for no third before the reader takes one.
		expect(files.log).toEqual(['pull /a', 'pull /a']);
		expect(gauge.held).toBe(4);
		expect(await drain(ahead.read(files, '/a'))).toEqual([1, 2, 3, 4, 5, 6]);
		expect(files.log.filter((line) => line === 'pull /a')).toHaveLength(5);
		expect(gauge.held).toBe(0);
		expect(gauge.maxHeld).toBeLessThanOrEqual(3 + 2);
	});

	it('reads the file of the current turn ahead of the reader too, and rests while the backup is paused', async () => {
		const files = new LoggedFiles({ '/a': [new Uint8Array([1]), new Uint8Array([2]), new Uint8Array([3])] });
		let paused = true;
		let resume!: () => void;
		const resumed = new Promise<void>((resolve) => (resume = resolve));
		const ahead = new ReadAhead({ budget: 100, proceed: () => (paused ? resumed : Promise.resolve()) });
		const stream = ahead.read(files, '/a');
		for (let i = 0; i < 5; i++) await tick();
		expect(files.log).toEqual([]);
		paused = false;
		resume();
		for (let i = 0; i < 10; i++) await tick();
		expect(files.log).toEqual(['pull /a', 'pull /a', 'pull /a', 'pull /a']);
		expect(await drain(stream)).toEqual([1, 2, 3]);
	});

	it('reads the next files one after another, each once the one before has come whole, within one budget', async () => {
		const chunks = () => [new Uint8Array(10), new Uint8Array(10)];
		const files = new LoggedFiles({ '/a': [new Uint8Array(5)], '/b': chunks(), '/c': chunks(), '/d': chunks(), '/e': chunks() });
		const gauge = new BufferGauge();
		const ahead = new ReadAhead({ budget: 25, files: 3, gauge });
		ahead.start(files, ['/a', '/b', '/c', '/d', '/e']);
		for (let i = 0; i < 20; i++) await tick();
		// /a whole (5), then /b's two chunks (25): the budget is full, so /b's end is not asked for yet and /c
		// waits; /d is past the three files allowed ahead.
		expect(files.log).toEqual(['pull /a', 'pull /a', 'pull /b', 'pull /b']);
		expect(gauge.held).toBe(25);
		expect(await drain(ahead.read(files, '/a'))).toHaveLength(5);
		for (let i = 0; i < 10; i++) await tick();
		// Room again: /b ends, /c starts (one chunk), and the budget stops it there.
		expect(files.log.filter((line) => line === 'pull /c')).toHaveLength(1);
		expect(await drain(ahead.read(files, '/b'))).toHaveLength(20);
		expect(await drain(ahead.read(files, '/c'))).toHaveLength(20);
		expect(files.log).not.toContain('pull /d');
		expect(files.log.filter((line) => line.startsWith('cancel'))).toEqual([]);
		expect(gauge.held).toBe(0);
		expect(gauge.maxHeld).toBeLessThanOrEqual(25 + 10);
	});

	it('lets go of what it holds when its reader cancels', async () => {
		const files = new LoggedFiles({ '/a': [new Uint8Array(10), new Uint8Array(10), new Uint8Array(10)] });
		const gauge = new BufferGauge();
		const ahead = new ReadAhead({ budget: 15, gauge });
		ahead.start(files, ['/a']);
		for (let i = 0; i < 5; i++) await tick();
		expect(gauge.held).toBe(20);
		ahead.cancel();
		await tick();
		expect(gauge.held).toBe(0);
		expect(files.log).toContain('cancel /a');
	});

	it('drops the started read when another file, or the same file on another connection, is read', async () => {
		const contents = { '/a': [new Uint8Array([1])], '/b': [new Uint8Array([2])] };
		const files = new LoggedFiles(contents);
		const ahead = new ReadAhead();
		ahead.start(files, ['/a']);
		expect(await drain(ahead.read(files, '/b'))).toEqual([2]);
		expect(files.log).toContain('cancel /a');

		const reconnected = new LoggedFiles(contents);
		ahead.start(files, ['/b']);
		expect(await drain(ahead.read(reconnected, '/b'))).toEqual([2]);
		expect(files.log).toContain('cancel /b');
		expect(reconnected.log).toEqual(['pull /b', 'pull /b']);
	});

	it('gives a started read once: reading the file again asks the phone again', async () => {
		const files = new LoggedFiles({ '/a': [new Uint8Array([7])] });
		const ahead = new ReadAhead();
		ahead.start(files, ['/a']);
		expect(await drain(ahead.read(files, '/a'))).toEqual([7]);
		const before = files.log.length;
		expect(await drain(ahead.read(files, '/a'))).toEqual([7]);
		expect(files.log.length).toBeGreaterThan(before);
	});

	it('keeps a failure of the early read for its reader, with the phone error unchanged', async () => {
		const refused = new DeviceError('file-unreadable', 'Only in iCloud.');
		const files = new LoggedFiles({ '/a': refused });
		const ahead = new ReadAhead();
		ahead.start(files, ['/a']);
		await tick();
		await expect(drain(ahead.read(files, '/a'))).rejects.toBe(refused);
	});

	it('closes the file on the phone when a started read is cancelled or replaced', async () => {
		const files = new LoggedFiles({ '/a': [new Uint8Array([1])], '/b': [new Uint8Array([2])] });
		const ahead = new ReadAhead();
		ahead.start(files, ['/a']);
		ahead.start(files, ['/b']);
		ahead.cancel();
		await tick();
		expect(files.log.filter((line) => line.startsWith('cancel'))).toEqual(['cancel /a', 'cancel /b']);
	});
});
