import { DeviceError } from '../../lib/errors';
import { type VirtualFileSystem, VirtualReadError } from '../../sim/virtual-fs';
import type { DeviceFileInfo, DeviceFiles } from '../../lib/library/device-files';

/** The error the AFC client gives for what the VFS refused (see src/lib/afc/status.ts). */
function asDeviceError(error: unknown): unknown {
	if (!(error instanceof VirtualReadError)) return error;
	return error.reason === 'unreadable'
		? new DeviceError('file-unreadable', `The iPhone could not read ${error.path}.`)
		: new DeviceError('file-not-found', `There is no ${error.path} on the iPhone.`);
}

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
 * AFC client lives in src/lib/afc). The VFS's refusals become the `DeviceError`s the AFC client
 * gives (`file-not-found`, `file-unreadable`); `failWith` makes every call fail with a given error
 * (a lost connection).
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

	async list(path: string, limit?: number): Promise<string[]> {
		this.log.lists++;
		await Promise.resolve();
		if (this.failWith !== undefined) throw this.failWith;
		const names = this.#vfs.list(path);
		if (names === undefined) throw asDeviceError(new VirtualReadError(path, 'not-found'));
		return limit === undefined ? names : names.slice(0, limit);
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
			if (entry === undefined) throw asDeviceError(new VirtualReadError(path, 'not-found'));
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

	read(path: string, offset = 0, length = Number.POSITIVE_INFINITY): ReadableStream<Uint8Array> {
		this.log.streamsOpened++;
		let position = offset;
		const end = offset + length;
		let ended = false;
		return new ReadableStream<Uint8Array>({
			pull: async (controller) => {
				if (this.failWith !== undefined) throw this.failWith;
				const want = Math.min(this.#chunkSize, end - position);
				const chunk = want <= 0 ? new Uint8Array(0) : await this.#vfs.read(path, position, want).catch((error: unknown) => {
					throw asDeviceError(error);
				});
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
