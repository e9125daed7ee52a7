import { DeviceError } from '../../lib/errors';
import type { DatabaseFiles } from '../../lib/photos-db';

/**
 * Files in memory behind the reader's `DatabaseFiles` seam, as AFC would serve them: a missing file
 * is `file-not-found`. Every byte handed out is counted, so tests can hold the reader to its bounds.
 */
export class MemoryFiles implements DatabaseFiles {
	bytesRead = 0;
	reads = 0;
	readonly files: Map<string, Uint8Array>;

	constructor(files: Map<string, Uint8Array> | Record<string, Uint8Array>) {
		this.files = files instanceof Map ? files : new Map(Object.entries(files));
	}

	stat(path: string): Promise<{ size: number }> {
		const file = this.files.get(path);
		if (file === undefined) return Promise.reject(new DeviceError('file-not-found', `No file at ${path}.`));
		return Promise.resolve({ size: file.length });
	}

	readRange(path: string, offset: number, length: number): Promise<Uint8Array> {
		const file = this.files.get(path);
		if (file === undefined) return Promise.reject(new DeviceError('file-not-found', `No file at ${path}.`));
		const piece = file.slice(offset, offset + length);
		this.bytesRead += piece.length;
		this.reads++;
		return Promise.resolve(piece);
	}
}
