import { writeU32 } from '../../lib/bytes';
import { walChecksum } from '../../lib/photos-db/wal';

/**
 * A WAL file (sqlite.org/fileformat2.html) that turns the database `before` into `after`: one frame
 * for each page that differs, the last a commit frame with `after`'s size. Big-endian checksums, salts
 * as given. Tests use it to put changes only in the WAL, as a live phone does.
 */
export function walBetween(before: Uint8Array, after: Uint8Array, pageSize: number, salts: [number, number] = [0x1234_5678, 0x9abc_def0]): Uint8Array {
	const pages: number[] = [];
	const afterPages = after.length / pageSize;
	for (let page = 1; page <= afterPages; page++) {
		const a = before.subarray((page - 1) * pageSize, page * pageSize);
		const b = after.subarray((page - 1) * pageSize, page * pageSize);
		if (a.length !== b.length || a.some((byte, index) => byte !== b[index])) pages.push(page);
	}
	const frameBytes = 24 + pageSize;
	const wal = new Uint8Array(32 + pages.length * frameBytes);
	writeU32(wal, 0, 0x377f0683);
	writeU32(wal, 4, 3007000);
	writeU32(wal, 8, pageSize);
	writeU32(wal, 12, 0);
	writeU32(wal, 16, salts[0]);
	writeU32(wal, 20, salts[1]);
	let sum = walChecksum(wal, 0, 24, [0, 0], true);
	writeU32(wal, 24, sum[0]);
	writeU32(wal, 28, sum[1]);
	pages.forEach((page, index) => {
		const at = 32 + index * frameBytes;
		writeU32(wal, at, page);
		writeU32(wal, at + 4, index === pages.length - 1 ? afterPages : 0);
		writeU32(wal, at + 8, salts[0]);
		writeU32(wal, at + 12, salts[1]);
		wal.set(after.subarray((page - 1) * pageSize, page * pageSize), at + 24);
		sum = walChecksum(wal, at, 8, sum, true);
		sum = walChecksum(wal, at + 24, pageSize, sum, true);
		writeU32(wal, at + 16, sum[0]);
		writeU32(wal, at + 20, sum[1]);
	});
	return wal;
}
