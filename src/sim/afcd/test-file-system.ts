import { VirtualReadError, type VirtualEntry, type VirtualFileSystem } from '../virtual-fs';

/**
 * A small in-memory `VirtualFileSystem` for tests of afcd and its clients. Files hold real bytes or
 * synthetic ones computed from the offset (so a 5 GiB file takes no memory), or are placeholders that
 * list but cannot be read. Camera-roll profiles are elsewhere; this is only a test fixture.
 */
export type TestFileSpec =
	| Uint8Array
	| { size: number; seed: number; unreadable?: boolean; modifiedTimeNs?: bigint; birthTimeNs?: bigint }
	| { directory: true };

const TWO_32 = 2 ** 32;

/**
 * The synthetic file `seed`'s bytes from `offset`: a 32-bit mix of the word index, so every 4-byte
 * word differs and a misplaced chunk shows up in a hash.
 */
export function syntheticBytes(seed: number, offset: number, length: number): Uint8Array {
	const firstWord = Math.floor(offset / 4);
	const words = Math.ceil((offset + length) / 4) - firstWord;
	const buffer = new Uint32Array(words);
	for (let i = 0; i < words; i++) {
		const index = firstWord + i;
		let x = (index % TWO_32) ^ Math.imul(Math.floor(index / TWO_32) + 1, 0x85ebca6b) ^ seed;
		x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
		x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
		buffer[i] = x ^ (x >>> 16);
	}
	const start = offset - firstWord * 4;
	return new Uint8Array(buffer.buffer, start, length);
}

const DEFAULT_TIME_NS = 1_494_244_521_000_000_000n;

interface Node {
	entry: VirtualEntry;
	children?: string[];
	content?: Uint8Array;
	seed?: number;
	unreadable?: boolean;
}

/** Builds the tree from file paths (folders on the way are made); folders list children in insertion order. */
export function createTestFileSystem(
	files: Record<string, TestFileSpec>,
	capacity: VirtualFileSystem['capacity'] = { totalBytes: 127_989_493_760, freeBytes: 42_000_000_000, blockSize: 4096 },
): VirtualFileSystem {
	const nodes = new Map<string, Node>();
	const directory = (): Node => ({
		entry: { kind: 'directory', size: 0, birthTimeNs: DEFAULT_TIME_NS, modifiedTimeNs: DEFAULT_TIME_NS },
		children: [],
	});
	nodes.set('/', directory());
	const ensureParent = (path: string) => {
		const cut = path.lastIndexOf('/');
		const parent = cut === 0 ? '/' : path.slice(0, cut);
		if (!nodes.has(parent)) {
			ensureParent(parent);
			nodes.set(parent, directory());
		}
		nodes.get(parent)!.children!.push(path.slice(cut + 1));
	};
	for (const [path, spec] of Object.entries(files)) {
		ensureParent(path);
		if (spec instanceof Uint8Array) {
			nodes.set(path, {
				entry: { kind: 'file', size: spec.byteLength, birthTimeNs: DEFAULT_TIME_NS, modifiedTimeNs: DEFAULT_TIME_NS },
				content: spec,
			});
		} else if ('directory' in spec) {
			nodes.set(path, directory());
		} else {
			nodes.set(path, {
				entry: {
					kind: 'file',
					size: spec.size,
					birthTimeNs: spec.birthTimeNs ?? DEFAULT_TIME_NS,
					modifiedTimeNs: spec.modifiedTimeNs ?? spec.birthTimeNs ?? DEFAULT_TIME_NS,
				},
				seed: spec.seed,
				unreadable: spec.unreadable ?? false,
			});
		}
	}
	return {
		capacity,
		stat: (path) => nodes.get(path)?.entry,
		list: (path) => nodes.get(path)?.children?.slice(),
		async read(path, offset, length) {
			const node = nodes.get(path);
			if (node === undefined || node.entry.kind !== 'file') throw new VirtualReadError(path, 'not-found');
			if (node.unreadable) throw new VirtualReadError(path, 'unreadable');
			const end = Math.min(node.entry.size, offset + length);
			if (end <= offset) return new Uint8Array(0);
			if (node.content !== undefined) return node.content.subarray(offset, end);
			return syntheticBytes(node.seed!, offset, end - offset);
		},
	};
}
