import { type VirtualEntry, type VirtualFileSystem, VirtualReadError } from '../../sim/virtual-fs';

export interface MemoryFile {
	bytes: Uint8Array;
	/** ms since the epoch; 0 when not given. */
	birthTimeMs?: number;
	modifiedTimeMs?: number;
	unreadable?: boolean;
}

/** For tests only: a tiny `VirtualFileSystem` over a map of paths to bytes; folders follow from the paths. */
export class MemoryVfs implements VirtualFileSystem {
	readonly capacity = { totalBytes: 64e9, freeBytes: 32e9, blockSize: 4096 };
	readonly #files = new Map<string, MemoryFile>();
	readonly #folders = new Map<string, Set<string>>([['/', new Set()]]);

	constructor(files: Record<string, MemoryFile> = {}) {
		for (const [path, file] of Object.entries(files)) this.put(path, file);
	}

	put(path: string, file: MemoryFile): void {
		this.#files.set(path, file);
		let child = path;
		while (child !== '/') {
			const slash = child.lastIndexOf('/');
			const parent = slash === 0 ? '/' : child.slice(0, slash);
			let names = this.#folders.get(parent);
			if (names === undefined) this.#folders.set(parent, (names = new Set()));
			names.add(child.slice(slash + 1));
			child = parent;
		}
	}

	stat(path: string): VirtualEntry | undefined {
		const file = this.#files.get(path);
		if (file !== undefined) {
			return {
				kind: 'file',
				size: file.bytes.length,
				birthTimeNs: BigInt(file.birthTimeMs ?? 0) * 1_000_000n,
				modifiedTimeNs: BigInt(file.modifiedTimeMs ?? file.birthTimeMs ?? 0) * 1_000_000n,
			};
		}
		return this.#folders.has(path) ? { kind: 'directory', size: 64, birthTimeNs: 0n, modifiedTimeNs: 0n } : undefined;
	}

	list(path: string): string[] | undefined {
		const names = this.#folders.get(path);
		return names === undefined ? undefined : [...names].sort();
	}

	async read(path: string, offset: number, length: number): Promise<Uint8Array> {
		const file = this.#files.get(path);
		if (file === undefined) throw new VirtualReadError(path, 'not-found');
		if (file.unreadable) throw new VirtualReadError(path, 'unreadable');
		return file.bytes.slice(offset, offset + length);
	}
}
