/**
 * TEST SUPPORT (Node) — not part of the app. The whole host stack, in process, against a virtual
 * iPhone: USB → usbmux → lockdownd (pairing, TLS) → AFC → scan → describe → plan → backup into the
 * in-memory folder, as the device worker runs it, each step's failure kept rather than thrown. And an
 * overall bound, so that a hang fails the test instead of stalling it.
 */
import 'fake-indexeddb/auto';
import { BackupJournal, planBackup, prepareBackup, runBackup, type BackupPlan, type BackupResult } from '../../../lib/backup';
import { openBackupFolder } from '../../../lib/destination/backup-folder';
import { MemoryFolder } from '../../destination/memory-folder';
import type { BackupFolder, FolderLayout } from '../../../lib/destination/types';
import { type DeviceError, isDeviceError } from '../../../lib/errors';
import { inProcessHashers } from '../../../lib/hash';
import { IPhone, openFileService, openTrustedSession } from '../../../lib/iphone';
import { describeAssets, groupAssets, scanCameraRoll, type CameraRollScan, type ScanOptions } from '../../../lib/library';
import { tlsSessionSecurity } from '../../../lib/lockdown';
import { AppDatabase, MemoryPairRecordStore } from '../../../lib/store';
import { SimUsb } from '../../../sim/usb';
import type { VirtualIPhone } from '../../../sim/virtual-iphone';

export interface WholeStackRun {
	/** Where it stopped, when a step failed (a connect or scan failure is the end of it; a backup reports its own). */
	failedAt?: 'connect' | 'scan' | 'backup';
	error?: DeviceError;
	scan?: CameraRollScan;
	plan?: BackupPlan;
	result?: BackupResult;
	memory: MemoryFolder;
	folder?: BackupFolder;
}

export interface WholeStackOptions {
	/** The AFC client's silence limit (the app's is 30 s). */
	replyTimeoutMs?: number;
	scan?: Omit<ScanOptions, 'signal' | 'onProgress'>;
	/** How the backup folder is laid out (by month by default). */
	layout?: FolderLayout;
}

let databases = 0;

/** Connects to `phone`, reads its camera roll and backs it up into a new in-memory folder. */
export async function backUpWholeStack(phone: VirtualIPhone, options: WholeStackOptions = {}): Promise<WholeStackRun> {
	const memory = new MemoryFolder();
	const run: WholeStackRun = { memory };
	const usb = new SimUsb();
	usb.plug(phone.hardware, { granted: true });
	let iphone: IPhone | undefined;
	let step: NonNullable<WholeStackRun['failedAt']> = 'connect';
	try {
		iphone = await IPhone.open(usb, { security: tlsSessionSecurity });
		const session = await openTrustedSession(iphone, { store: new MemoryPairRecordStore(), pollIntervalMs: 1 });
		const files = await openFileService(iphone, session, { replyTimeoutMs: options.replyTimeoutMs });
		step = 'scan';
		run.scan = await scanCameraRoll(files, options.scan);
		const described = await describeAssets(files, groupAssets(run.scan.files));
		step = 'backup';
		const device = { udid: iphone.udid, name: session.info.deviceName, productType: session.info.productType };
		const folder = await openBackupFolder(memory.root(), device, { localOffsetMinutes: () => 0, layout: options.layout });
		run.folder = folder;
		const db = new AppDatabase(`hostile-${++databases}`);
		const journal = await BackupJournal.open(db, 'destination', device);
		const state = await prepareBackup(folder, journal);
		run.plan = planBackup(described, state.index, { journal: state.journalRows });
		run.result = await runBackup({ files, folder, plan: run.plan, journal, index: state.index, hashers: inProcessHashers });
		db.close();
	} catch (error) {
		if (!isDeviceError(error)) throw error;
		run.failedAt = step;
		run.error = error;
	} finally {
		await iphone?.close().catch(() => undefined);
	}
	return run;
}

/** `work`, or a failure naming `what` if it has not settled within `ms`: a hang fails the test, it does not stall it. */
export async function withinBound<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
	let timer: ReturnType<typeof setTimeout> | undefined;
	const bound = new Promise<never>((_, reject) => {
		timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms: it hangs`)), ms);
	});
	try {
		return await Promise.race([work, bound]);
	} finally {
		clearTimeout(timer);
	}
}
