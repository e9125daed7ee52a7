import type { DatabaseImage } from './database-image';
import type { Sqlite3, SqliteDatabase } from './sqlite';

/*
 * A read-only SQLite VFS (sqlite.org/vfs.html) over `DatabaseImage`s, built with sqlite-wasm's
 * `sqlite3.vfs.installVfs` (sqlite.org/wasm, "VFS"). SQLite's reads are synchronous and the phone's
 * are not, so a read of a page that is not in memory fails with SQLITE_IOERR: the statement stops,
 * the image notes the page, and the query runner fetches it and runs the statement again. A read
 * never succeeds with made-up bytes (SQLITE_IOERR_SHORT_READ would have SQLite read zeros).
 *
 * Nothing is ever written: every file opens read-only, writes and truncation fail, and SQLite is told
 * the file is immutable (SQLITE_IOCAP_IMMUTABLE and `immutable=1`), so it takes no locks and looks for
 * no journal, WAL or shared memory. The only file it can open is the image's main database.
 */

const VFS_NAME = 'photos-db-snapshot';
const SECTOR_SIZE = 4096;

interface InstalledVfs {
	/** Images that may be opened, by the name handed to SQLite. */
	images: Map<string, DatabaseImage>;
	/** Open files: `sqlite3_file*` → image. */
	files: Map<number, DatabaseImage>;
	serial: number;
}

const installed = new WeakMap<Sqlite3, InstalledVfs>();

function installVfs(sqlite3: Sqlite3): InstalledVfs {
	const existing = installed.get(sqlite3);
	if (existing !== undefined) return existing;
	const { capi, wasm } = sqlite3;
	const state: InstalledVfs = { images: new Map(), files: new Map(), serial: 0 };

	const io = new capi.sqlite3_io_methods();
	// The struct's C members are `$`-prefixed at run time; the package's types name this one without.
	(io as unknown as { $iVersion: number }).$iVersion = 1;
	const vfs = new capi.sqlite3_vfs();
	const defaultVfsPointer = capi.sqlite3_vfs_find(null);
	const defaultVfs = new capi.sqlite3_vfs(defaultVfsPointer);
	vfs.$iVersion = 2;
	vfs.$szOsFile = (capi.sqlite3_file as unknown as { structInfo: { sizeof: number } }).structInfo.sizeof;
	vfs.$mxPathname = 512;
	const withDefaults = vfs as unknown as Record<'$xRandomness' | '$xSleep', number>;
	const fromDefault = defaultVfs as unknown as Record<'$xRandomness' | '$xSleep', number>;
	withDefaults.$xRandomness = fromDefault.$xRandomness;
	withDefaults.$xSleep = fromDefault.$xSleep;
	defaultVfs.dispose();

	sqlite3.vfs.installVfs({
		io: {
			struct: io,
			methods: {
				xClose: (file: number) => {
					state.files.delete(Number(file));
					return 0;
				},
				xRead: (file: number, destination: number, length: number, offset: number | bigint) => {
					const image = state.files.get(Number(file));
					if (image === undefined) return capi.SQLITE_IOERR;
					try {
						const into = wasm.heap8u().subarray(Number(destination), Number(destination) + length);
						return image.read(Number(offset), into) ? 0 : capi.SQLITE_IOERR_READ;
					} catch {
						return capi.SQLITE_IOERR_READ;
					}
				},
				xWrite: () => capi.SQLITE_IOERR_WRITE,
				xTruncate: () => capi.SQLITE_IOERR_TRUNCATE,
				xSync: () => 0,
				xFileSize: (file: number, sizeOut: number) => {
					const image = state.files.get(Number(file));
					if (image === undefined) return capi.SQLITE_IOERR;
					wasm.poke64(sizeOut, BigInt(image.sizeBytes));
					return 0;
				},
				xLock: () => 0,
				xUnlock: () => 0,
				xCheckReservedLock: (_file: number, out: number) => {
					wasm.poke32(out, 0);
					return 0;
				},
				xFileControl: () => capi.SQLITE_NOTFOUND,
				xSectorSize: () => SECTOR_SIZE,
				xDeviceCharacteristics: () => capi.SQLITE_IOCAP_IMMUTABLE,
			},
		},
		vfs: {
			struct: vfs,
			name: VFS_NAME,
			methods: {
				xOpen: (_vfs: number, name: number, file: number, flags: number, flagsOut: number) => {
					const image = name ? state.images.get(wasm.cstrToJs(name) ?? '') : undefined;
					if (image === undefined || (flags & capi.SQLITE_OPEN_MAIN_DB) === 0) return capi.SQLITE_CANTOPEN;
					state.files.set(Number(file), image);
					const handle = new capi.sqlite3_file(file);
					handle.$pMethods = io.pointer!;
					handle.dispose();
					if (flagsOut) wasm.poke32(flagsOut, capi.SQLITE_OPEN_READONLY | capi.SQLITE_OPEN_MAIN_DB);
					return 0;
				},
				xDelete: () => capi.SQLITE_IOERR_DELETE,
				xAccess: (_vfs: number, _name: number, _flags: number, out: number) => {
					wasm.poke32(out, 0);
					return 0;
				},
				xFullPathname: (_vfs: number, name: number, size: number, out: number) => {
					const written = wasm.cstrncpy(out, name, size);
					return written < size ? 0 : capi.SQLITE_CANTOPEN;
				},
				xCurrentTime: (_vfs: number, out: number) => {
					wasm.poke(out, 2_440_587.5 + Date.now() / 86_400_000, 'double');
					return 0;
				},
				xCurrentTimeInt64: (_vfs: number, out: number) => {
					wasm.poke64(out, BigInt(2_440_587.5 * 86_400_000 + Date.now()));
					return 0;
				},
				xGetLastError: () => 0,
			},
		},
	});
	installed.set(sqlite3, state);
	return state;
}

/** A read-only connection to `image`; `close()` it when done. */
export function openImage(sqlite3: Sqlite3, image: DatabaseImage): SqliteDatabase {
	const state = installVfs(sqlite3);
	const name = `/photos-${++state.serial}.sqlite`;
	state.images.set(name, image);
	try {
		return new sqlite3.oo1.DB({ filename: `file:${name}?immutable=1`, flags: 'r', vfs: VFS_NAME });
	} finally {
		state.images.delete(name);
	}
}
