import type { VirtualFileSystem } from '../../sim/virtual-fs';
import { VirtualReadError } from '../../sim/virtual-fs';
import type { DeviceFileInfo, DeviceFiles } from '../device-files';

/** What the adapter saw, so tests can check the scanner's manners (bounded reads, streams cancelled). */
export interface AdapterLog {
	lists: number;
	stats: number;
	streamsOpened: number;
	/** Streams the reader cancelled before their end. */
	streamsCancelled: number;
	bytesRead: number;
	/** Most stat calls in flight at once. */
	maxStatsInFlight: number;
}

/**
 * For tests only: `DeviceFiles` straight over a `VirtualFileSystem`, with no AFC in between (the real
 * AFC client lives in src/lib/afc). Failures are the VFS's `VirtualReadError`s, as a file-level
 * AFC error would be; `failWith` makes every call fail with a given error (a lost connection).
 */
export class VfsDeviceFiles implements DeviceFiles {
	readonly log: AdapterLog = { lists: 0, stats: 0, streamsOpened: 0, streamsCancelled: 0, bytesRead: 0, maxStatsInFlight: 0 };
	failWith: unknown;
	readonly #vfs: VirtualFileSystem;
	readonly #chunkSize: number;
	#statsInFlight = 0;

	constructor(vfs: VirtualFileSystem, options: { chunkSize?: number } = {}) {
		this.#vfs = vfs;
		this.#chunkSize = options.chunkSize ?? 64 * 1024;
	}

	async list(path: string): Promise<string[]> {
		this.log.lists++;
		await Promise.resolve();
		if (this.failWith !== undefined) throw this.failWith;
		const names = this.#vfs.list(path);
		if (names === undefined) throw new VirtualReadError(path, 'not-found');
		return names;
	}

	async stat(path: string): Promise<DeviceFileInfo> {
		this.log.stats++;
		this.#statsInFlight++;
		this.log.maxStatsInFlight = Math.max(this.log.maxStatsInFlight, this.#statsInFlight);
		try {
			// Let other calls start meanwhile, as a round trip to the phone would.
			for (let i = 0; i < 3; i++) await Promise.resolve();
			if (this.failWith !== undefined) throw this.failWith;
			const entry = this.#vfs.stat(path);
			if (entry === undefined) throw new VirtualReadError(path, 'not-found');
			return {
				kind: entry.kind,
				size: entry.size,
				birthTime: Number(entry.birthTimeNs / 1_000_000n),
				modifiedTime: Number(entry.modifiedTimeNs / 1_000_000n),
			};
		} finally {
			this.#statsInFlight--;
		}
	}

	read(path: string, offset = 0): ReadableStream<Uint8Array> {
		this.log.streamsOpened++;
		let position = offset;
		let ended = false;
		return new ReadableStream<Uint8Array>({
			pull: async (controller) => {
				if (this.failWith !== undefined) throw this.failWith;
				const chunk = await this.#vfs.read(path, position, this.#chunkSize);
				if (chunk.length === 0) {
					ended = true;
					controller.close();
					return;
				}
				position += chunk.length;
				this.log.bytesRead += chunk.length;
				controller.enqueue(chunk);
			},
			cancel: () => {
				if (!ended) this.log.streamsCancelled++;
			},
		});
	}
}
