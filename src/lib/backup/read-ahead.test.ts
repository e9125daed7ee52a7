import { describe, expect, it } from 'vitest';
import { DeviceError } from '../errors';
import type { DeviceFileInfo, DeviceFiles } from '../library';
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
	it('asks the phone for the first chunk at once, and hands the same bytes to the reader', async () => {
		const files = new LoggedFiles({ '/a': [new Uint8Array([1, 2]), new Uint8Array([3])] });
		const ahead = new ReadAhead();
		ahead.start(files, '/a');
		await tick();
		expect(files.log).toEqual(['pull /a']);
		expect(await drain(ahead.read(files, '/a'))).toEqual([1, 2, 3]);
		expect(files.log.filter((line) => line === 'pull /a')).toHaveLength(3);
	});

	it('drops the started read when another file, or the same file on another connection, is read', async () => {
		const contents = { '/a': [new Uint8Array([1])], '/b': [new Uint8Array([2])] };
		const files = new LoggedFiles(contents);
		const ahead = new ReadAhead();
		ahead.start(files, '/a');
		expect(await drain(ahead.read(files, '/b'))).toEqual([2]);
		expect(files.log).toContain('cancel /a');

		const reconnected = new LoggedFiles(contents);
		ahead.start(files, '/b');
		expect(await drain(ahead.read(reconnected, '/b'))).toEqual([2]);
		expect(files.log).toContain('cancel /b');
		expect(reconnected.log).toEqual(['pull /b', 'pull /b']);
	});

	it('gives a started read once: reading the file again asks the phone again', async () => {
		const files = new LoggedFiles({ '/a': [new Uint8Array([7])] });
		const ahead = new ReadAhead();
		ahead.start(files, '/a');
		expect(await drain(ahead.read(files, '/a'))).toEqual([7]);
		const before = files.log.length;
		expect(await drain(ahead.read(files, '/a'))).toEqual([7]);
		expect(files.log.length).toBeGreaterThan(before);
	});

	it('keeps a failure of the early read for its reader, with the phone error unchanged', async () => {
		const refused = new DeviceError('file-unreadable', 'Only in iCloud.');
		const files = new LoggedFiles({ '/a': refused });
		const ahead = new ReadAhead();
		ahead.start(files, '/a');
		await tick();
		await expect(drain(ahead.read(files, '/a'))).rejects.toBe(refused);
	});

	it('closes the file on the phone when a started read is cancelled or replaced', async () => {
		const files = new LoggedFiles({ '/a': [new Uint8Array([1])], '/b': [new Uint8Array([2])] });
		const ahead = new ReadAhead();
		ahead.start(files, '/a');
		ahead.start(files, '/b');
		ahead.cancel();
		await tick();
		expect(files.log.filter((line) => line.startsWith('cancel'))).toEqual(['cancel /a', 'cancel /b']);
	});
});
