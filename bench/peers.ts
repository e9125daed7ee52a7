/**
 * Figure 6: the same camera roll pulled from the same simulator by Debian's ifuse + cp (libimobiledevice
 * through our usbmuxd front-end) and by our own stack in Node (SimUsb → usbmux → lockdown/TLS → AFC),
 * both writing the files to disk, one after the other in one run.
 */
import { execFile } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { AfcClient } from '../src/lib/afc';
import { IPhone, openTrustedSession } from '../src/lib/iphone';
import { scanCameraRoll } from '../src/lib/library';
import { tlsSessionSecurity } from '../src/lib/lockdown';
import { PROFILES } from '../src/sim/camera-roll';
import { tlsDeviceSecurity } from '../src/sim/lockdownd';
import { SimUsb } from '../src/sim/usb';
import { startUsbmuxdServer } from '../src/sim/usbmuxd-server/server-node';
import { virtualIPhoneDevice } from '../src/sim/usbmuxd-server/virtual-iphone-device';
import { VirtualIPhone } from '../src/sim/virtual-iphone';
import { MemoryPairRecordStore } from '../src/lib/store';
import type { Figure } from './main';

const run = promisify(execFile);
const ROLL = { ...PROFILES.typical, items: 200 };

const newPhone = () =>
	VirtualIPhone.create({ security: tlsDeviceSecurity, cameraRoll: { profile: ROLL }, lockdown: { trust: { pendingPolls: 0 } } });

export async function runPeers(): Promise<Figure[]> {
	const figures: Figure[] = [];
	const ours = await oursInNode();
	figures.push({ group: '6 side by side', name: `our stack in Node, to disk (${ours.files} files)`, value: ours.bytes / ours.seconds / 1e6, unit: 'MB/s' });
	if (!existsSync('/usr/bin/ifuse') || !existsSync('/dev/fuse')) {
		figures.push({ group: '6 side by side', name: 'ifuse + cp', value: undefined, unit: 'MB/s', note: 'ifuse or /dev/fuse missing' });
		return figures;
	}
	const theirs = await ifuseCp();
	figures.push({ group: '6 side by side', name: `ifuse + cp -r, to disk (${theirs.files} files)`, value: theirs.bytes / theirs.seconds / 1e6, unit: 'MB/s' });
	figures.push({ group: '6 side by side', name: 'ratio, our stack / ifuse + cp', value: ours.bytes / ours.seconds / (theirs.bytes / theirs.seconds), unit: '×' });
	return figures;
}

interface Pull {
	files: number;
	bytes: number;
	seconds: number;
}

/** Every readable file under /DCIM and /PhotoData, one after another, written to a temp folder. */
async function oursInNode(): Promise<Pull> {
	const phone = await newPhone();
	const usb = new SimUsb();
	usb.plug(phone.hardware, { granted: true });
	const target = await mkdtemp(join(tmpdir(), 'bench-ours-'));
	try {
		const start = performance.now();
		const iphone = await IPhone.open(usb as unknown as USB, { security: tlsSessionSecurity });
		const session = await openTrustedSession(iphone, { store: new MemoryPairRecordStore(), pollIntervalMs: 1 });
		const service = await session.lockdown.startService('com.apple.afc', { escrowBag: session.record.escrowBag });
		const files = new AfcClient(await iphone.connect(service.port));
		const scan = await scanCameraRoll(files);
		let bytes = 0;
		let count = 0;
		for (const file of scan.files) {
			const path = join(target, file.path);
			await mkdir(dirname(path), { recursive: true });
			try {
				await files.read(file.path).pipeTo(Writable.toWeb(createWriteStream(path)) as WritableStream<Uint8Array>);
				bytes += file.size;
				count++;
			} catch {
				// Placeholders ("Optimize iPhone Storage") cannot be read; cp skips them too.
			}
		}
		const seconds = (performance.now() - start) / 1000;
		await iphone.close().catch(() => undefined);
		return { files: count, bytes, seconds };
	} finally {
		await rm(target, { recursive: true, force: true });
	}
}

/** ifuse mounts the phone through the usbmuxd front-end; `cp -r` copies DCIM and PhotoData (a child process). */
async function ifuseCp(): Promise<Pull> {
	const phone = await newPhone();
	const server = await startUsbmuxdServer({ host: '127.0.0.1', port: 0 });
	server.attach(await virtualIPhoneDevice(phone));
	const env = { ...process.env, USBMUXD_SOCKET_ADDRESS: `${server.host}:${server.port}` };
	const mount = await mkdtemp(join(tmpdir(), 'bench-ifuse-'));
	const target = await mkdtemp(join(tmpdir(), 'bench-cp-'));
	try {
		await run('idevicepair', ['pair'], { env, timeout: 30_000 });
		const start = performance.now();
		await run('ifuse', [mount], { env, timeout: 30_000 });
		// cp reports the unreadable placeholders and goes on; its exit status is then 1.
		await run('cp', ['-r', join(mount, 'DCIM'), join(mount, 'PhotoData'), target], { timeout: 1_800_000 }).catch(() => undefined);
		const seconds = (performance.now() - start) / 1000;
		const { stdout } = await run('find', [target, '-type', 'f', '-printf', '%s\\n']);
		const sizes = stdout.trim().split('\n').filter(Boolean).map(Number);
		return { files: sizes.length, bytes: sizes.reduce((a, b) => a + b, 0), seconds };
	} finally {
		await run('fusermount', ['-u', mount]).catch(() => undefined);
		await rm(mount, { recursive: true, force: true });
		await rm(target, { recursive: true, force: true });
		await server.close();
	}
}
