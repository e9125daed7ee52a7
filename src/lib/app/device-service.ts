import { AfcClient } from '../afc';
import { loadAppChunk } from '../app-code';
import { DiagnosticRecorder, type DiagnosticStep, type StepOutcome } from '../diagnostics/recorder';
import type { DiagnosticReport, ReportEnvironment, ReportPhone } from '../diagnostics/report';
import { tapUsb } from '../diagnostics/usb-tap';
import { DeviceError, isDeviceError } from '../errors';
import { fileIdentity, knownMetadata, type FileMetadata } from '../library';
import { overviewOf, type LibraryOverview, type LibraryStatus, type PhoneLibrary } from './library-overview';
import { scanPhoneLibrary } from './phone-library';
import { IPhone, openFileService, openTrustedSession, type TrustedSession } from '../iphone';
import { tlsSessionSecurity } from '../lockdown';
import type { BackupResult, Reconnect, VerifyProgress, VerifyReport } from '../backup';
import type { FolderLayout } from '../destination/types';
import {
	AppDatabase,
	backupHistory,
	backsUpWhenPluggedIn,
	DexiePairRecordStore,
	forgetDevice,
	forgetFileMetadata,
	listDestinations,
	loadFileMetadata,
	loadReminderSetting,
	saveFileMetadata,
	saveReminderSetting,
	setBackUpWhenPluggedIn,
	type DestinationRow,
	type PhoneHistory,
	type PairRecordStore,
} from '../store';
import { BackupSession, type BackupProgressView, type PlanView } from './backup-session';
import { claimProgressWords, listIPhones, udidFromSerialNumber, type HostOs } from '../usb';
import { reopenFiles } from './reopen-files';
import { DEFAULT_REPLUG_WAIT_MS, RESUME_WHEN_BACK, waitForPhone, waitingForCable } from './phone-return';
import { throttleProgress } from './throttle-progress';
import { DEFAULT_REMINDER_DAYS } from './backup-due';

/** How long the phone may leave a file request unanswered before the connection counts as stalled. */
export const DEFAULT_STALL_TIMEOUT_MS = 30_000;

export interface ConnectedIPhone {
	udid: string;
	name: string;
	productType: string;
	productVersion: string;
	/** lockdownd's answer to QueryType: proof that the whole path to the phone works. */
	lockdownType: string;
	/** True when this connection asked "Trust This Computer?" (false: a stored pairing was reused). */
	paired: boolean;
}

/** A DeviceError as it crosses to the page: plain data. */
export interface ShownError {
	code: string;
	message: string;
	advice?: string;
}

/** What the page hears about the phone while connecting and after. */
export interface DeviceEvents {
	/** The phone shows "Trust This Computer?" now. */
	waitingForTrust?(): void;
	/**
	 * Another program holds the phone and the page is taking it (`words` say which try), or has taken
	 * it (`taken`: that program has lost the phone while the page holds it).
	 */
	claimProgress?(words: string, taken: boolean): void;
	/**
	 * The phone went away (cable pulled) or the connection broke. `backupInterrupted`: a backup was
	 * under way and waited for the phone in vain; it goes on once the phone is connected again.
	 */
	disconnected?(error: ShownError, backupInterrupted: boolean): void;
}

/** How far reading the camera roll has come. */
export interface LibraryProgress {
	stage: 'listing' | 'reading-dates';
	done: number;
	total?: number;
}

/**
 * The device side of the app, run in a dedicated worker so the page only renders: it opens the
 * iPhone the page was granted, pairs with it (or reuses the stored pairing), holds the session and
 * reports what happens to it.
 */
export class DeviceService {
	readonly #usb: () => USB;
	readonly #db: AppDatabase;
	readonly #store: PairRecordStore;
	#connected: ConnectedIPhone | undefined;
	#backup: BackupSession | undefined;
	#iphone: IPhone | undefined;
	#session: TrustedSession | undefined;
	#files: AfcClient | undefined;
	#library: PhoneLibrary | undefined;
	#closing = false;
	#stallTimeoutMs = DEFAULT_STALL_TIMEOUT_MS;
	#replugWaitMs = DEFAULT_REPLUG_WAIT_MS;
	#driveFileLimit: number | undefined;
	#os: HostOs | undefined;
	#events: DeviceEvents = {};
	/** A backup is running: a lost phone is waited for by it, not reported to the page at once. */
	#running = false;
	/** Why the phone went while a backup was running, to report once the backup has ended. */
	#lostDuringRun: DeviceError | undefined;
	/** The folder of a backup the cable interrupted, to go on with once the phone is back. */
	#interrupted: DestinationRow | undefined;
	/** The `USB` the phone was reached through (the demo's own, or the browser's), behind the diagnostic tap. */
	#reach: USB | undefined;
	/** What crossed the cable and what the app did, for "Save a report": always on, bounded, headers only. */
	readonly #diagnostics = new DiagnosticRecorder();
	/** Each `USB` is tapped once, so that its devices keep their identity across connections. */
	readonly #taps = new WeakMap<USB, USB>();
	/** The last phone, plan and result, for the report (kept after the phone is gone: its name must be scrubbed). */
	#lastPhone: ReportPhone | undefined;
	#lastPlan: PlanView | undefined;
	#lastResult: BackupResult | undefined;

	constructor(usb: () => USB, db: AppDatabase = new AppDatabase()) {
		this.#usb = usb;
		this.#db = db;
		this.#store = new DexiePairRecordStore(db);
	}

	/**
	 * The report a person can attach to a bug (`diagnostics/report.ts`): what this session saw of the
	 * cable and the steps, the phone's model, the plan's counts and `error`, never a secret or a name.
	 */
	async diagnosticReport(environment: ReportEnvironment, error?: ShownError): Promise<DiagnosticReport> {
		// Only a report needs its builder: a chunk of its own, loaded when one is saved.
		const { buildDiagnosticReport } = await loadAppChunk(() => import('../diagnostics/report'));
		return buildDiagnosticReport({
			recorder: this.#diagnostics,
			environment,
			phone: this.#lastPhone,
			plan: this.#lastPlan,
			result: this.#lastResult,
			error,
		});
	}

	/** A step the page took itself (the browser's device chooser), for the report. */
	noteStep(step: DiagnosticStep, outcome: StepOutcome, detail?: string): void {
		this.#diagnostics.note(step, outcome, detail);
	}

	#tapped(usb: USB): USB {
		let tapped = this.#taps.get(usb);
		if (tapped === undefined) this.#taps.set(usb, (tapped = tapUsb(usb, this.#diagnostics)));
		return tapped;
	}

	/**
	 * The UDID of an iPhone that is plugged in, that the page was granted on an earlier visit and that
	 * this browser is paired with: one to reconnect to without asking anything.
	 */
	async pairedIPhone(): Promise<string | undefined> {
		const usb = this.#usb();
		if (!usb) return undefined;
		const granted = await listIPhones(usb).catch(() => []);
		for (const device of granted) {
			const udid = udidFromSerialNumber(device.serialNumber ?? '');
			if (udid && (await this.#store.get(udid).catch(() => undefined))) return udid;
		}
		return undefined;
	}

	/**
	 * Connects to the iPhone the page was granted (`udid`), or with `demo` to a virtual iPhone that runs
	 * in this worker, whose sample photos are fetched from `demo.mediaBase`. `stallTimeoutMs`: how long a
	 * file request may go unanswered before the stall watchdog drops the connection and the backup
	 * reconnects (30 s by default; tests shorten it).
	 */
	async connect(
		options: {
			udid?: string;
			os?: HostOs;
			demo?: { mediaBase: string; setup?: string };
			stallTimeoutMs?: number;
			replugWaitMs?: number;
			/** For tests: the backup folder's drive holds files of at most this many bytes (FAT32's 4 GiB − 1 otherwise). */
			driveFileLimit?: number;
		},
		events: DeviceEvents = {},
	): Promise<ConnectedIPhone> {
		await this.disconnect();
		this.#stallTimeoutMs = within(options.stallTimeoutMs, 100, 600_000) ?? DEFAULT_STALL_TIMEOUT_MS;
		this.#replugWaitMs = within(options.replugWaitMs, 100, 3_600_000) ?? DEFAULT_REPLUG_WAIT_MS;
		this.#driveFileLimit = within(options.driveFileLimit, 1, Number.MAX_SAFE_INTEGER);
		this.#os = options.os;
		this.#events = events;
		// The virtual iPhone is a chunk of its own, fetched only now: the page's own code never includes it.
		const usb = options.demo ? await (await loadAppChunk(() => import('../../sim/demo/virtual-iphone-demo'))).demoUsb(options.demo.mediaBase, options.demo.setup) : this.#usb();
		if (!usb) throw new DeviceError('no-webusb', 'This browser cannot talk to USB devices.');
		this.#reach = this.#tapped(usb);
		const iphone = await IPhone.open(this.#reach, {
			udid: options.udid,
			os: options.os,
			security: tlsSessionSecurity,
			onClaimProgress: (progress) => events.claimProgress?.(claimProgressWords(progress, options.os ?? 'unknown'), progress.kind === 'taken'),
		});
		this.#closing = false;
		this.#adopt(iphone);
		try {
			const probe = await iphone.lockdown();
			const lockdownType = await probe.queryType();
			await probe.close();
			if (lockdownType !== 'com.apple.mobile.lockdown') {
				throw new DeviceError('protocol', 'This device does not answer like an iPhone.');
			}
			const session = await openTrustedSession(iphone, {
				store: this.#store,
				onWaitingForTrust: () => events.waitingForTrust?.(),
			});
			this.#session = session;
			this.#connected = {
				udid: iphone.udid,
				name: session.info.deviceName,
				productType: session.info.productType,
				productVersion: session.info.productVersion,
				lockdownType,
				paired: session.paired,
			};
			this.#lastPhone = { udid: iphone.udid, name: session.info.deviceName, productType: session.info.productType, productVersion: session.info.productVersion };
			return this.#connected;
		} catch (error) {
			await this.disconnect();
			throw isDeviceError(error) ? error : new DeviceError('protocol', 'The iPhone did not answer as expected.', { cause: error });
		}
	}

	/**
	 * Reads the camera roll, with the Photos app's database where it can be read (`phone-library.ts`):
	 * every item with its capture date, whether it is on the phone or only in iCloud, and the numbers the
	 * page shows of them.
	 */
	async readLibrary(onProgress?: (progress: LibraryProgress) => void): Promise<LibraryOverview> {
		const files = await this.#afc();
		const udid = this.#connected?.udid;
		const report = onProgress === undefined ? undefined : throttleProgress(onProgress);
		// Read while the phone is listed: files unchanged since the last scan are not read again.
		const remembered = udid === undefined ? Promise.resolve(new Map<string, FileMetadata>()) : loadFileMetadata(this.#db, udid);
		const knowing = remembered.then(knownMetadata);
		const { library, scan } = await this.#diagnostics.track('scan', scanPhoneLibrary(files, {
			known: knowing,
			onListing: (filesFound) => report?.({ stage: 'listing', done: filesFound }),
			onDescribing: (done, total) => report?.({ stage: 'reading-dates', done, total }),
		}));
		const [entries, known] = await Promise.all([remembered, knowing]);
		this.#library = library;
		if (udid !== undefined) {
			// Only the files the phone still has: deleted photos leave nothing behind.
			const current = new Map<string, FileMetadata>();
			for (const file of scan.files) {
				const key = fileIdentity(file);
				const metadata = entries.get(key);
				if (metadata !== undefined) current.set(key, metadata);
			}
			if (known.added > 0 || current.size !== entries.size) void saveFileMetadata(this.#db, udid, current);
		}
		const info = await files.deviceInfo();
		return overviewOf(library, { totalBytes: info.totalBytes, freeBytes: info.freeBytes }, scan.skipped);
	}

	/** The folder picked on an earlier visit, for the page to ask again for permission to write there. */
	async rememberedFolder(): Promise<FileSystemDirectoryHandle | undefined> {
		return (await listDestinations(this.#db))[0]?.handle;
	}

	/** What this browser knows of each phone's backups, for "Last backup of …" before a phone is plugged in. */
	async backupHistory(): Promise<PhoneHistory[]> {
		return backupHistory(this.#db);
	}

	/** Reminders that a backup is due: on or off, and the interval the person chose (a month by default). */
	async reminderSetting(): Promise<{ on: boolean; intervalDays: number }> {
		const { on, intervalDays } = await loadReminderSetting(this.#db, DEFAULT_REMINDER_DAYS);
		return { on, intervalDays };
	}

	async saveReminderSetting(setting: { on: boolean; intervalDays: number }): Promise<void> {
		await saveReminderSetting(this.#db, setting);
	}

	/** "Back up this iPhone when it is plugged in", for the connected phone. */
	async backUpWhenPluggedIn(): Promise<boolean> {
		const device = this.#connected;
		return device !== undefined && backsUpWhenPluggedIn(this.#db, device.udid);
	}

	async setBackUpWhenPluggedIn(on: boolean): Promise<void> {
		const device = this.#connected;
		if (!device) throw new DeviceError('no-device', 'Connect the iPhone first.');
		await setBackUpWhenPluggedIn(this.#db, device.udid, on);
	}

	/**
	 * The connected phone is to be backed up by itself (the person turned it on after a complete
	 * backup): the folder of its last complete backup. With `granted`, the page may write there
	 * without asking, and it is in use now (plan and start next); without, the browser needs a click
	 * to allow the folder again, and the page asks with one button.
	 */
	async automaticBackupFolder(): Promise<{ handle: FileSystemDirectoryHandle; name: string; granted: boolean } | undefined> {
		const device = this.#connected;
		if (!device) return undefined;
		const phone = (await backupHistory(this.#db)).find((known) => known.udid === device.udid);
		if (!phone?.backUpWhenPluggedIn || !phone.lastComplete) return undefined;
		const destination = (await listDestinations(this.#db)).find((row) => row.id === phone.lastComplete?.destinationId);
		if (!destination) return undefined;
		const permission = await destination.handle.queryPermission({ mode: 'readwrite' }).catch(() => 'denied');
		if (permission !== 'granted') return { handle: destination.handle, name: destination.name, granted: false };
		await this.useFolder(destination.handle, destination.layout);
		return { handle: destination.handle, name: destination.name, granted: true };
	}

	/**
	 * Takes up the backup the cable interrupted (the phone did not come back in time, and is connected
	 * again now): the same folder, as it was set up. Undefined when there is none, or when the browser
	 * no longer lets the page write there without asking (then the person picks it again with a click).
	 */
	async resumeInterrupted(): Promise<{ name: string } | undefined> {
		const destination = this.#interrupted;
		const device = this.#connected;
		if (destination === undefined || device === undefined) return undefined;
		const permission = await destination.handle.queryPermission({ mode: 'readwrite' }).catch(() => 'denied');
		if (permission !== 'granted') return undefined;
		this.#interrupted = undefined;
		return this.useFolder(destination.handle, destination.layout);
	}

	/** Backs up into `root` from now on (a folder the page just picked, or the remembered one). */
	async useFolder(root: FileSystemDirectoryHandle, layout?: FolderLayout): Promise<{ name: string }> {
		const device = this.#connected;
		if (!device) throw new DeviceError('no-device', 'Connect the iPhone first.');
		this.#backup = await BackupSession.open(this.#db, root, device, { files: () => this.#afc(), reconnect: this.#reconnect }, {
			layout,
			fileSizeLimit: this.#driveFileLimit,
		});
		return { name: root.name };
	}

	/**
	 * What is new on the phone since the last backup to this folder. Reads the library first if needed.
	 * Items in Recently Deleted are left out unless `includeRecentlyDeleted`.
	 */
	async planBackup(options: { includeRecentlyDeleted?: boolean } = {}): Promise<PlanView> {
		if (this.#library === undefined) await this.readLibrary();
		this.#lastPlan = await this.#diagnostics.track('plan', this.#backupSession().plan(this.#library!, options));
		return this.#lastPlan;
	}

	/** Runs the planned backup to the end, a pause, a cancel or a failure; `plan` again to go on. */
	async startBackup(onProgress: (progress: BackupProgressView) => void): Promise<BackupResult> {
		const session = this.#backupSession();
		this.#running = true;
		let result: BackupResult | undefined;
		try {
			this.#diagnostics.note('backup', 'started');
			result = await session.run(onProgress);
			this.#lastResult = result;
			this.#diagnostics.note('backup', result.error ? 'failed' : 'ok', result.error?.code ?? result.outcome);
			return result;
		} catch (error) {
			this.#diagnostics.note('backup', 'failed', isDeviceError(error) ? error.code : 'error');
			throw error;
		} finally {
			this.#running = false;
			// The phone went during the run and is not back: the page hears of it now, and whether the
			// backup is left to finish once the phone is connected again.
			const lost = this.#lostDuringRun;
			this.#lostDuringRun = undefined;
			const unfinished = result === undefined || result.outcome === 'stopped';
			if (lost !== undefined && this.#iphone === undefined) this.#lost(lost, unfinished);
		}
	}

	/** The library against the backup now (after a run: with what it copied, and what it found only in iCloud). */
	libraryStatus(): LibraryStatus {
		const library = this.#library;
		if (library === undefined) throw new DeviceError('no-device', 'Connect the iPhone first.');
		return this.#backupSession().status(library);
	}

	pause(): void {
		this.#backup?.pause();
	}

	resume(): void {
		this.#backup?.resume();
	}

	cancel(): void {
		this.#backup?.cancel();
	}

	/** Re-hashes the whole backup in the folder against its manifest. */
	async verifyBackup(onProgress?: (progress: VerifyProgress) => void): Promise<VerifyReport> {
		return this.#backupSession().verify(onProgress);
	}

	#backupSession(): BackupSession {
		if (!this.#backup) throw new DeviceError('no-device', 'Choose the backup folder first.');
		return this.#backup;
	}

	/** Holds `iphone` as the connected phone and hears when it goes. */
	#adopt(iphone: IPhone): void {
		this.#iphone = iphone;
		void iphone.closed.then((reason) => {
			if (this.#iphone !== iphone || this.#closing) return;
			this.#dropPhone();
			// A backup under way waits for the phone to come back (its reconnect) and reports the rest itself.
			if (this.#running) this.#lostDuringRun = reason;
			else this.#lost(reason, false);
		});
	}

	/** The phone is gone and nothing waits for it: the page goes back to connecting. */
	#lost(reason: DeviceError, backupInterrupted: boolean): void {
		if (backupInterrupted && this.#backup !== undefined) this.#interrupted = this.#backup.destination;
		this.#dropPhone();
		this.#connected = undefined;
		this.#backup = undefined;
		this.#events.disconnected?.(shownDisconnect(reason, backupInterrupted), backupInterrupted);
	}

	/** The AFC connection, started once per session (and again after it broke). */
	async #afc(): Promise<AfcClient> {
		const current = this.#files;
		if (current && current.failure === undefined) return current;
		// A connection that broke after the backup gave up on it (or between backups) is opened anew.
		void current?.close().catch(() => undefined);
		this.#files = undefined;
		const iphone = this.#iphone;
		const session = this.#session;
		if (!iphone || !session) throw new DeviceError('no-device', 'Connect the iPhone first.');
		this.#files = await this.#diagnostics.track('services', openFileService(iphone, session, { replyTimeoutMs: this.#stallTimeoutMs }));
		return this.#files;
	}

	/**
	 * For the backup: the file connection broke (reset, or stalled), or the cable came out. A phone that
	 * is gone is waited for, within a bound, and opened anew when it is back (a new USB device: the
	 * pairing is reused); then the file service is opened again.
	 */
	readonly #reconnect: Reconnect = async (failure, control) => {
		const broken = this.#files;
		this.#files = undefined;
		void broken?.close().catch(() => undefined);
		if (failure.code === 'unplugged' || this.#iphone === undefined) {
			this.#dropPhone();
			control.waiting(waitingForCable());
			try {
				await waitForPhone({ attempt: () => this.#reopenPhone(), signal: control.signal, timeoutMs: this.#replugWaitMs });
			} catch (error) {
				// Reported to the page when the run has ended: that the phone did not come back, in time.
				if (isDeviceError(error, 'unplugged')) this.#lostDuringRun = error;
				throw error;
			}
			this.#lostDuringRun = undefined;
		}
		return reopenFiles({ openFiles: () => this.#afc(), renewSession: () => this.#renewSession() }, control);
	};

	/** Lets go of a phone that is gone (its transport closed in the background), its session and files. */
	#dropPhone(): void {
		const gone = this.#iphone;
		this.#iphone = undefined;
		this.#session = undefined;
		this.#files = undefined;
		if (gone !== undefined) void gone.close().catch(() => undefined);
	}

	/**
	 * One look for the connected phone among the granted devices: opened with the stored pairing when it
	 * is there (it is a new USB device after a replug), undefined while it is not.
	 */
	async #reopenPhone(): Promise<IPhone | undefined> {
		const usb = this.#reach;
		const udid = this.#connected?.udid;
		if (usb === undefined || udid === undefined) throw new DeviceError('no-device', 'Connect the iPhone first.');
		const device = (await listIPhones(usb)).find((d) => udidFromSerialNumber(d.serialNumber ?? '') === udid);
		if (device === undefined) return undefined;
		const iphone = await IPhone.open(usb, { device, os: this.#os, security: tlsSessionSecurity });
		try {
			const session = await openTrustedSession(iphone, { store: this.#store, onWaitingForTrust: () => this.#events.waitingForTrust?.() });
			this.#closing = false;
			this.#adopt(iphone);
			this.#session = session;
			return iphone;
		} catch (error) {
			await iphone.close().catch(() => undefined);
			throw error;
		}
	}

	/** A new lockdown session with the stored pairing, in place of one the phone dropped. */
	async #renewSession(): Promise<void> {
		const iphone = this.#iphone;
		if (!iphone) throw new DeviceError('unplugged', 'The iPhone was disconnected.');
		const stale = this.#session;
		// A phone that forgot this computer is paired again here: the page shows "Trust" as on connect.
		this.#session = await openTrustedSession(iphone, { store: this.#store, onWaitingForTrust: () => this.#events.waitingForTrust?.() });
		void stale?.lockdown.close().catch(() => undefined);
	}

	/** Unpairs the connected phone (when it is connected) and deletes this computer's pairing with it. */
	async forget(udid: string): Promise<void> {
		const session = this.#session;
		if (session && this.#iphone?.udid === udid) {
			await session.lockdown.unpair(session.record.hostId).catch(() => undefined);
		}
		await this.disconnect();
		await forgetDevice(this.#store, udid);
		await forgetFileMetadata(this.#db, udid);
	}

	async disconnect(): Promise<void> {
		const iphone = this.#iphone;
		this.#iphone = undefined;
		this.#session = undefined;
		this.#files = undefined;
		this.#library = undefined;
		this.#connected = undefined;
		this.#backup?.cancel();
		this.#backup = undefined;
		if (!iphone) return;
		this.#closing = true;
		await iphone.close().catch(() => undefined);
	}
}

/** A number option inside [min, max], else undefined (the default applies). */
function within(value: number | undefined, min: number, max: number): number | undefined {
	return value !== undefined && Number.isFinite(value) && value >= min && value <= max ? value : undefined;
}

/** Why the phone is gone, in the words the page shows. */
function shownDisconnect(reason: DeviceError, backupInterrupted: boolean): ShownError {
	if (backupInterrupted) {
		const message = reason.code === 'unplugged' ? reason.message : `The connection to the iPhone broke: ${reason.message}`;
		return { code: reason.code, message, advice: RESUME_WHEN_BACK };
	}
	if (reason.code !== 'unplugged') {
		return {
			code: reason.code,
			message: `The connection to the iPhone broke: ${reason.message}`,
			advice: reason.advice ?? 'Unplug the iPhone and plug it back in: this page connects to it again by itself. Nothing already copied is lost.',
		};
	}
	return {
		code: 'unplugged',
		message: 'The iPhone was disconnected.',
		advice: 'Check the cable and plug the iPhone back in: this page connects to it again by itself. Nothing already copied is lost.',
	};
}
