/**
 * TEST SUPPORT (Node) — not part of the app. A whole backup from a virtual iPhone, through the
 * diagnostics tap, with the steps noted as the device worker notes them: open (the tap sees USB,
 * VERSION, pairing and the session), start the file service, scan, plan, back up into an in-memory
 * folder. Failures are kept, not thrown, so that a test can build the report of a failed run.
 */
import 'fake-indexeddb/auto';
import { AfcClient } from '../../lib/afc';
import { BackupJournal, planBackup, prepareBackup, runBackup, type BackupPlan, type BackupResult } from '../../lib/backup';
import { openBackupFolder } from '../../lib/destination/backup-folder';
import { DiagnosticRecorder, tapUsb } from '../../lib/diagnostics';
import { isDeviceError } from '../../lib/errors';
import { inProcessHashers } from '../../lib/hash';
import { IPhone, openTrustedSession } from '../../lib/iphone';
import { describeAssets, groupAssets, scanCameraRoll } from '../../lib/library';
import { tlsSessionSecurity } from '../../lib/lockdown';
import { AppDatabase, MemoryPairRecordStore } from '../../lib/store';
import { SimUsb } from '../../sim/usb';
import type { VirtualIPhone } from '../../sim/virtual-iphone';
import { MemoryFolder } from '../destination/memory-folder';

export interface TappedRun {
	recorder: DiagnosticRecorder;
	/** Where the pair record ends up: for the test that looks for its secrets in the report. */
	store: MemoryPairRecordStore;
	phoneInfo?: { udid: string; name: string; productType: string; productVersion: string };
	plan?: BackupPlan;
	result?: BackupResult;
	/** The error the page would show: a step's `DeviceError`, or the run's. */
	error?: unknown;
	memory: MemoryFolder;
}

export interface TappedRunOptions {
	/** Called once the backup is about to start: where a test strikes (a fault, an unplug). */
	beforeBackup?: (phone: VirtualIPhone) => void;
	/** The AFC client's silence limit (the app's is 30 s). */
	replyTimeoutMs?: number;
}

let databases = 0;

export async function backUpThroughTap(phone: VirtualIPhone, options: TappedRunOptions = {}): Promise<TappedRun> {
	const recorder = new DiagnosticRecorder();
	const store = new MemoryPairRecordStore();
	const memory = new MemoryFolder();
	const run: TappedRun = { recorder, store, memory };
	const simUsb = new SimUsb();
	simUsb.plug(phone.hardware, { granted: true });
	const usb = tapUsb(simUsb, recorder);
	let iphone: IPhone | undefined;
	try {
		iphone = await IPhone.open(usb, { security: tlsSessionSecurity });
		const session = await openTrustedSession(iphone, { store, pollIntervalMs: 1 });
		run.phoneInfo = { udid: iphone.udid, name: session.info.deviceName, productType: session.info.productType, productVersion: session.info.productVersion };
		const opened = iphone;
		const files = await recorder.track(
			'services',
			(async () => {
				const service = await session.lockdown.startService('com.apple.afc', { escrowBag: session.record.escrowBag });
				return new AfcClient(await opened.connect(service.port), { replyTimeoutMs: options.replyTimeoutMs });
			})(),
		);
		const described = await recorder.track(
			'scan',
			(async () => {
				const scan = await scanCameraRoll(files);
				return describeAssets(files, groupAssets(scan.files));
			})(),
		);
		const device = { udid: iphone.udid, name: session.info.deviceName, productType: session.info.productType };
		const folder = await openBackupFolder(memory.root(), device, { localOffsetMinutes: () => 0 });
		const db = new AppDatabase(`diagnostics-${++databases}`);
		const journal = await BackupJournal.open(db, 'destination', device);
		const state = await recorder.track('plan', prepareBackup(folder, journal));
		run.plan = planBackup(described, state.index, { journal: state.journalRows });
		options.beforeBackup?.(phone);
		recorder.note('backup', 'started');
		run.result = await runBackup({ files, folder, plan: run.plan, journal, index: state.index, hashers: inProcessHashers });
		if (run.result.error) {
			recorder.note('backup', 'failed', run.result.error.code);
			run.error = run.result.error;
		} else recorder.note('backup', 'ok', run.result.outcome);
		db.close();
	} catch (error) {
		if (!isDeviceError(error)) throw error;
		run.error = error;
	} finally {
		await iphone?.close().catch(() => undefined);
	}
	return run;
}
