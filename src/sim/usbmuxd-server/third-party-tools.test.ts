import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { loadRealMedia } from '../camera-roll/real-media-node';
import { tlsDeviceSecurity, type DeviceSessionSecurity, type TrustDialogOptions } from '../lockdownd';
import { nodeTlsServer } from '../../testing/sim/lockdownd/node-tls';
import { VirtualIPhone, type ServiceBehaviour } from '../virtual-iphone';
import { startUsbmuxdServer, type UsbmuxdServer } from './server-node';
import { virtualIPhoneDevice } from './virtual-iphone-device';

/*
 * Debian's libimobiledevice tools and ifuse are the authority on whether the virtual iPhone behaves like
 * a real one. They reach it through the usbmuxd front-end, and the front-end reaches it over virtual
 * USB, so every layer of the simulator is under their judgement — with each of its two TLS servers.
 */

const TOOLS = ['idevice_id', 'idevicepair', 'ideviceinfo', 'idevicename'].map((tool) => `/usr/bin/${tool}`);
const haveTools = TOOLS.every((tool) => existsSync(tool));
const haveIfuse = existsSync('/usr/bin/ifuse') && existsSync('/dev/fuse');
if (!haveTools) console.warn('SKIPPED: libimobiledevice-utils is not installed (apt-get install libimobiledevice-utils).');
if (!haveIfuse) console.warn('SKIPPED: ifuse or /dev/fuse is missing, so the ifuse test does not run.');

let server: UsbmuxdServer | undefined;
afterEach(async () => {
	await server?.close();
	server = undefined;
});

async function serve(security: DeviceSessionSecurity, trust: TrustDialogOptions = { pendingPolls: 1 }, services: ServiceBehaviour = {}) {
	const phone = await VirtualIPhone.create({
		security,
		lockdown: { trust },
		services,
		cameraRoll: { profile: 'small', realMedia: await loadRealMedia() },
	});
	server = await startUsbmuxdServer();
	server.attach(await virtualIPhoneDevice(phone));
	const env = { ...process.env, USBMUXD_SOCKET_ADDRESS: `${server.host}:${server.port}` };
	const run = async (tool: string, ...args: string[]) => {
		try {
			const { stdout } = await promisify(execFile)(tool, args, { env, timeout: 30_000 });
			return { ok: true, output: stdout };
		} catch (error) {
			const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
			return { ok: false, output: stdout + stderr };
		}
	};
	return { phone, run, env };
}

const servers: [string, () => DeviceSessionSecurity][] = [
	['our TLS server', () => tlsDeviceSecurity],
	["OpenSSL's TLS server", () => nodeTlsServer()],
];

describe.runIf(haveTools).each(servers)('libimobiledevice against the virtual iPhone (%s)', (_, security) => {
	it('lists it, pairs after the Trust question, validates, and reads values in TLS sessions', async () => {
		const { phone, run } = await serve(security());
		expect((await run('idevice_id', '-l')).output.trim()).toBe(phone.udid);

		const unpaired = await run('ideviceinfo', '-s');
		expect(unpaired.output).toContain('ProductType: iPhone16,1');

		expect(await run('idevicepair', 'pair')).toMatchObject({ ok: false, output: expect.stringContaining('accept the trust dialog') });
		expect(await run('idevicepair', 'pair')).toMatchObject({ ok: true, output: expect.stringContaining('SUCCESS') });
		expect(phone.lockdownd.trustedHostIds).toHaveLength(1);
		expect(await run('idevicepair', 'validate')).toMatchObject({ ok: true, output: expect.stringContaining('SUCCESS') });

		const info = await run('ideviceinfo');
		expect(info).toMatchObject({ ok: true, output: expect.stringContaining(`UniqueDeviceID: ${phone.udid}`) });
		expect(info.output).toContain('ProductVersion: 18.5');
		const disk = await run('ideviceinfo', '-q', 'com.apple.disk_usage');
		expect(disk.output).toContain(`TotalDiskCapacity: ${phone.storage.capacity.totalBytes}`);
		expect((await run('idevicename')).output.trim()).toBe(phone.lockdownd.identity.values.DeviceName);
		expect(phone.mux.violations).toEqual([]);
	}, 60_000);

	it('report “Don’t Trust” and a locked phone in their own words', async () => {
		const denied = await serve(security(), { pendingPolls: 0, answer: 'dont-trust' });
		expect((await denied.run('idevicepair', 'pair')).output).toMatch(/denied the trust dialog/);
		await server?.close();
		const locked = await serve(security(), { locked: true });
		expect((await locked.run('idevicepair', 'pair')).output).toMatch(/passcode/);
	}, 60_000);
});

describe.runIf(haveTools && haveIfuse)('ifuse against the virtual iPhone', () => {
	const mounts: string[] = [];
	afterAll(async () => {
		for (const mount of mounts) {
			await promisify(execFile)('fusermount', ['-u', mount]).catch(() => undefined);
			await rm(mount, { recursive: true, force: true });
		}
	});

	it('mounts the camera roll, lists it, and copies /DCIM with the simulator’s SHA-256 for every file', async () => {
		const { phone, run, env } = await serve(tlsDeviceSecurity, { pendingPolls: 0 });
		expect(await run('idevicepair', 'pair')).toMatchObject({ ok: true });
		const mount = await mkdtemp(join(tmpdir(), 'ifuse-'));
		mounts.push(mount);
		await promisify(execFile)('ifuse', [mount], { env, timeout: 30_000 });

		const listing = (await promisify(execFile)('ls', ['-R', mount])).stdout;
		expect(listing).toContain('100APPLE');
		expect(listing).toContain('IMG_3582.HEIC');

		// The Photos library's database reads like any file: an SQLite header, the size the phone says.
		const database = join(mount, 'PhotoData', 'Photos.sqlite');
		const head = (await promisify(execFile)('head', ['-c', '16', database], { encoding: 'buffer' })).stdout;
		expect(head.toString('latin1')).toBe('SQLite format 3\0');
		expect((await stat(database)).size).toBe(phone.cameraRoll!.file('/PhotoData/Photos.sqlite')!.size);

		const copy = await mkdtemp(join(tmpdir(), 'dcim-'));
		// A child process, as a person would run it: this process serves the phone and must stay free.
		await promisify(execFile)('cp', ['-r', join(mount, 'DCIM'), copy], { timeout: 60_000 });
		const copied = await filesUnder(join(copy, 'DCIM'));
		const expected = [...phone.cameraRoll!.files()].filter((file) => file.path.startsWith('/DCIM/'));
		expect(copied.map((file) => file.path).sort()).toEqual(expected.map((file) => file.path).sort());
		for (const file of copied) {
			const sha256 = createHash('sha256').update(await readFile(join(copy, file.path.slice(1)))).digest('hex');
			expect(sha256, file.path).toBe(await phone.cameraRoll!.expectedSha256(file.path));
		}
		await rm(copy, { recursive: true, force: true });
	}, 120_000);

	it('mounts and reads the camera roll when StartService asks for TLS on the AFC connection (EnableServiceSSL)', async () => {
		const { phone, run, env } = await serve(tlsDeviceSecurity, { pendingPolls: 0 }, { afcServiceSsl: true });
		expect(await run('idevicepair', 'pair')).toMatchObject({ ok: true });
		const mount = await mkdtemp(join(tmpdir(), 'ifuse-'));
		mounts.push(mount);
		await promisify(execFile)('ifuse', [mount], { env, timeout: 30_000 });
		const photo = '/DCIM/103APPLE/IMG_3582.HEIC';
		const bytes = (await promisify(execFile)('cat', [join(mount, photo)], { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 })).stdout;
		expect(createHash('sha256').update(bytes).digest('hex')).toBe(await phone.cameraRoll!.expectedSha256(photo));
		expect(phone.afcSessions.length).toBeGreaterThan(0);
	}, 120_000);
});

async function filesUnder(root: string, prefix = '/DCIM'): Promise<{ path: string }[]> {
	const out: { path: string }[] = [];
	for (const name of await readdir(root)) {
		const full = join(root, name);
		if ((await stat(full)).isDirectory()) out.push(...(await filesUnder(full, `${prefix}/${name}`)));
		else out.push({ path: `${prefix}/${name}` });
	}
	return out;
}
