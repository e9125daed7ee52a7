import { readU16, readU32 } from '../bytes';
import type { DatabaseImage } from './database-image';

/*
 * The leaves of a table's B-tree, in key order, found by reading its interior pages only
 * (sqlite.org/fileformat2.html, "B-tree Pages"): a page starts (after the 100-byte file header on
 * page 1) with its type (0x05 interior table page, 0x0D leaf table page), its cell count at offset 3,
 * and, on an interior page, the right-most child at offset 8; the cell pointer array follows the
 * 12-byte interior header; an interior table cell is a 4-byte child page number and a varint key, the
 * largest rowid in that child.
 *
 * Interior pages are about one page in a hundred of a table, so this costs little, and it tells the
 * scan which pages each range of rowids lives on: the scan fetches a range's leaves in one batch
 * before SQLite runs over it, rather than discovering them one failed read at a time. It only guides
 * prefetching: SQLite navigates the tree itself, and a tree that lies here costs extra reads, never
 * a wrong row.
 */

const INTERIOR_TABLE_PAGE = 0x05;
const LEAF_TABLE_PAGE = 0x0d;
/** SQLite refuses deeper trees as corrupt; so do we. */
const MAX_DEPTH = 20;

export interface TableLeaf {
	page: number;
	/** The largest rowid the leaf may hold, from its parent; undefined for the last leaf. */
	lastKey: number | undefined;
}

/**
 * The leaves under `rootPage` in key order, or undefined when the root is not a table B-tree
 * (a WITHOUT ROWID table, or a damaged page): the caller then lets SQLite find its pages alone.
 */
export async function tableLeaves(image: DatabaseImage, rootPage: number): Promise<TableLeaf[] | undefined> {
	const visited = new Set<number>([rootPage]);
	let level: TableLeaf[] = [{ page: rootPage, lastKey: undefined }];
	for (let depth = 0; depth < MAX_DEPTH; depth++) {
		const next: TableLeaf[] = [];
		let sawInterior = false;
		for (let start = 0; start < level.length; start += image.batchPages) {
			const batch = level.slice(start, start + image.batchPages);
			await image.fetch(batch.map((node) => node.page));
			for (const node of batch) {
				const children = readNode(image, node, visited);
				if (children === undefined) return undefined;
				if (children === 'leaf') {
					next.push(node);
				} else {
					sawInterior = true;
					next.push(...children);
				}
			}
		}
		if (!sawInterior) return next;
		level = next;
	}
	return undefined;
}

function readNode(image: DatabaseImage, node: TableLeaf, visited: Set<number>): TableLeaf[] | 'leaf' | undefined {
	const page = new Uint8Array(image.pageSize);
	if (!image.read((node.page - 1) * image.pageSize, page)) return undefined;
	const start = node.page === 1 ? 100 : 0;
	const type = page[start];
	if (type === LEAF_TABLE_PAGE) return 'leaf';
	if (type !== INTERIOR_TABLE_PAGE) return undefined;
	const cells = readU16(page, start + 3);
	const pointers = start + 12;
	if (pointers + cells * 2 > page.length) return undefined;
	const children: TableLeaf[] = [];
	for (let cell = 0; cell < cells; cell++) {
		const at = readU16(page, pointers + cell * 2);
		if (at + 5 > page.length) return undefined;
		const child = readU32(page, at);
		const key = readVarint(page, at + 4);
		if (key === undefined || !addChild(children, visited, image, child, key)) return undefined;
	}
	if (!addChild(children, visited, image, readU32(page, start + 8), node.lastKey)) return undefined;
	return children;
}

function addChild(children: TableLeaf[], visited: Set<number>, image: DatabaseImage, page: number, lastKey: number | undefined): boolean {
	if (page < 1 || page > image.pageCount || visited.has(page)) return false;
	visited.add(page);
	children.push({ page, lastKey });
	return true;
}

/** A SQLite varint (fileformat2.html, "Varint"): 1 to 9 bytes, 7 bits each, the ninth byte whole. */
function readVarint(bytes: Uint8Array, offset: number): number | undefined {
	let value = 0;
	for (let index = 0; index < 9; index++) {
		const byte = bytes[offset + index];
		if (byte === undefined) return undefined;
		if (index === 8) return value * 256 + byte;
		value = value * 128 + (byte & 0x7f);
		if ((byte & 0x80) === 0) return value;
	}
	return undefined;
}
