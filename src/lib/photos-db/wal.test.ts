import { describe, expect, it } from 'vitest';
import { writeU32 } from '../bytes';
import { loadPhotosFixture } from '../../testing/photos-db/photos-fixtures-node';
import { readWal, WAL_FRAME_HEADER_BYTES, WAL_HEADER_BYTES } from './wal';

const PAGE = 4096;
const FRAME = WAL_FRAME_HEADER_BYTES + PAGE;

function reader(bytes: Uint8Array) {
	return (offset: number, length: number) => Promise.resolve(bytes.slice(offset, offset + length));
}

function read(bytes: Uint8Array, expectedPageSize: number | undefined = PAGE) {
	return readWal(bytes.length, reader(bytes), { chunkBytes: 100_000, expectedPageSize });
}

/** Frame indexes (from 0) of the commit frames, and the database size each commits. */
function commits(wal: Uint8Array): { frame: number; pages: number }[] {
	const view = new DataView(wal.buffer, wal.byteOffset);
	const found = [];
	for (let frame = 0; WAL_HEADER_BYTES + (frame + 1) * FRAME <= wal.length; frame++) {
		const pages = view.getUint32(WAL_HEADER_BYTES + frame * FRAME + 4);
		if (pages !== 0) found.push({ frame, pages });
	}
	return found;
}

describe('readWal on the real WAL of macOS 15.4.1 Photos', () => {
	it('applies every frame up to the last commit, as SQLite does', async () => {
		const { wal } = await loadPhotosFixture('macos-15.4.1');
		const snapshot = (await read(wal))!;
		const last = commits(wal).at(-1)!;
		expect(snapshot.validFrames).toBe(last.frame + 1);
		// The sqlite3 shell, opening the fixture with its WAL, reports 777 pages.
		expect(snapshot.databasePages).toBe(777);
		for (const offset of snapshot.pages.values()) expect((offset - WAL_HEADER_BYTES - WAL_FRAME_HEADER_BYTES) % FRAME).toBe(0);
	});

	it('stops at the last commit before a cut, wherever the log is cut', async () => {
		const { wal } = await loadPhotosFixture('macos-15.4.1');
		const all = commits(wal);
		for (const cut of [WAL_HEADER_BYTES + 10 * FRAME + 7, WAL_HEADER_BYTES + (all[5]!.frame + 1) * FRAME, wal.length - 1]) {
			const snapshot = await read(wal.slice(0, cut));
			const framesKept = Math.floor((cut - WAL_HEADER_BYTES) / FRAME);
			const lastCommit = all.filter((commit) => commit.frame < framesKept).at(-1);
			if (lastCommit === undefined) expect(snapshot).toBeUndefined();
			else expect(snapshot?.databasePages).toBe(lastCommit.pages);
		}
	});

	it('ignores every frame from the first whose checksum fails', async () => {
		const { wal } = await loadPhotosFixture('macos-15.4.1');
		const all = commits(wal);
		const damaged = wal.slice();
		const frame = all[3]!.frame + 2;
		damaged[WAL_HEADER_BYTES + frame * FRAME + WAL_FRAME_HEADER_BYTES + 100]! ^= 0x01;
		const snapshot = (await read(damaged))!;
		expect(snapshot.validFrames).toBe(frame);
		expect(snapshot.databasePages).toBe(all[3]!.pages);
	});

	it('ignores frames of another generation (other salts)', async () => {
		const { wal } = await loadPhotosFixture('macos-15.4.1');
		const damaged = wal.slice();
		writeU32(damaged, WAL_HEADER_BYTES + 20 * FRAME + 8, 0xdeadbeef);
		expect((await read(damaged))!.validFrames).toBe(20);
	});

	it('reads nothing from a log whose header fails, or whose page size is not the database’s', async () => {
		const { wal } = await loadPhotosFixture('macos-15.4.1');
		const badHeader = wal.slice();
		badHeader[17]! ^= 0xff;
		expect(await read(badHeader)).toBeUndefined();
		expect(await read(wal, 8192)).toBeUndefined();
		expect(await read(new Uint8Array(0))).toBeUndefined();
	});
});
