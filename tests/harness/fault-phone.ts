import type { Page } from '@playwright/test';
import { expect } from '@playwright/test';
import type { AfcdOptions, AfcdRequest } from '../../src/sim/afcd';
import { PROFILES, type CameraRollProfile } from '../../src/sim/camera-roll';
import { loadRealMedia } from '../../src/sim/camera-roll/real-media-node';
import { tlsDeviceSecurity } from '../../src/sim/lockdownd';
import { seededRandom } from '../../src/sim/usb/seeded-random';
import { LOCKDOWN_PORT, VirtualIPhone } from '../../src/sim/virtual-iphone';
import type { PlistDict } from '../../src/lib/plist/value';

/**
 * A camera roll small enough that a backup restarted twenty times fits in a test run (32 readable
 * files, 79 MB), with a bit of everything: Live Photos, videos, an edit, imports, an iCloud placeholder.
 */
export const SMALL_ROLL: CameraRollProfile = { ...PROFILES.demo, items: 20 };

/** Files the camera-roll scanner looks at (as in backup-folder-checks.ts). */
const PHOTO_FILE = /^\/(DCIM|PhotoData\/CPLAssets|PhotoData\/Mutations)\//;

/**
 * A virtual iPhone with `SMALL_ROLL` whose afcd lets a test act at the backup's n-th file read: the
 * hook counts reads only once `arm()` was called (the backup's, not the library scan's).
 */
export class FaultPhone {
	readonly phone: VirtualIPhone;
	/** Every lockdownd request name, in order (StartSession, StartService…): how the app recovered. */
	readonly lockdownRequests: string[] = [];
	#armed = false;
	#reads = 0;
	#onRead: ((read: number, request: AfcdRequest) => void | Promise<void>) | undefined;

	private constructor(phone: VirtualIPhone) {
		this.phone = phone;
	}

	/** `identity`: another phone than the default one (its serial number gives its UDID). */
	static async create(afc: Omit<AfcdOptions, 'beforeAnswer'> = {}, identity?: { serialNumber: string; name: string }): Promise<FaultPhone> {
		let self: FaultPhone | undefined;
		const phone = await VirtualIPhone.create({
			security: tlsDeviceSecurity,
			usb: identity && { serialNumber: identity.serialNumber },
			lockdown: {
				values: identity && { DeviceName: identity.name },
				trust: { pendingPolls: 0 },
				onRequest: (request: PlistDict) => void self?.lockdownRequests.push(String(request.Request)),
			},
			cameraRoll: { profile: SMALL_ROLL, realMedia: await loadRealMedia() },
			afc: {
				...afc,
				beforeAnswer: (request) => {
					if (self === undefined || !self.#armed || request.kind !== 'read') return;
					return self.#onRead?.(++self.#reads, request);
				},
			},
		});
		self = new FaultPhone(phone);
		return self;
	}

	/** From now on `onRead` hears each file read, numbered from 1; what it returns is awaited before the answer. */
	arm(onRead: (read: number, request: AfcdRequest) => void | Promise<void>): void {
		this.#armed = true;
		this.#reads = 0;
		this.#onRead = onRead;
	}

	disarm(): void {
		this.#armed = false;
		this.#onRead = undefined;
	}

	/**
	 * Arms a cut at read `cut`: that read and every later one on its connection hang, as what was in
	 * flight when the browser died or the tab went. Resolves once the cut is reached.
	 */
	cutAt(cut: number): Promise<void> {
		return new Promise<void>((reached) =>
			this.arm((read) => {
				if (read === cut) reached();
				if (read >= cut) return new Promise<void>(() => undefined);
			}),
		);
	}

	/** The phone's file connections (every service port, lockdownd's aside) get RST now. */
	resetFileConnections(): void {
		for (const port of new Set(this.phone.mux.connections().map((c) => c.port))) {
			if (port !== LOCKDOWN_PORT) this.phone.mux.resetConnections(port, 'fault matrix');
		}
	}

	count(request: string): number {
		return this.lockdownRequests.filter((name) => name === request).length;
	}

	/** The readable photo files and their bytes: what a backup must copy. */
	get photoFiles(): { path: string; size: number }[] {
		return [...this.phone.cameraRoll!.files()].filter((file) => !file.unreadable && PHOTO_FILE.test(file.path));
	}

	/** Whole MiB reads the backup needs at the least (one per started MiB of each file): seeded cuts stay below. */
	get leastReads(): number {
		return this.photoFiles.reduce((n, file) => n + Math.ceil(file.size / (1024 * 1024)), 0);
	}

	get photoBytes(): number {
		return this.photoFiles.reduce((n, file) => n + file.size, 0);
	}
}

/**
 * `count` seeded points from 1 to `max`, and the seed: a failure names its seed, and
 * `FAULT_SEED=<seed>` replays it.
 */
export function seededPoints(count: number, max: number, fallbackSeed: number): { seed: number; points: number[] } {
	const seed = Number(process.env.FAULT_SEED ?? fallbackSeed) >>> 0;
	const random = seededRandom(seed);
	return { seed, points: Array.from({ length: count }, () => 1 + Math.floor(random() * max)) };
}

/**
 * Opens the page and plans a backup into the picked folder (`new`: a first visit, connected with a
 * click) or the remembered one (`again`: a returning visit, where the paired phone reconnects by itself).
 */
export async function connectAndPlan(page: Page, folder: 'new' | 'again', path = '/'): Promise<void> {
	await page.goto(path);
	if (folder === 'new') await page.getByRole('button', { name: 'Connect iPhone' }).click();
	await expect(page.getByTestId('library-counts')).toBeVisible({ timeout: 60_000 });
	if (folder === 'new') await page.getByRole('button', { name: 'Choose backup folder' }).click();
	else await page.getByRole('button', { name: /Back up to .* again/ }).click();
	await expect(page.getByTestId('plan-summary')).toBeVisible({ timeout: 60_000 });
}

export function backupStatus(page: Page) {
	return page.getByRole('status', { name: 'Backup status' });
}

/** Starts the planned backup and waits for it to end complete. */
export async function finish(page: Page): Promise<void> {
	await page.getByRole('button', { name: 'Start backup' }).click();
	await expect(backupStatus(page)).toContainText('Backup complete', { timeout: 120_000 });
}
