import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { createChannelPair } from '../../streams/byte-channel';
import { startUsbmuxdServer, type UsbmuxdServer } from '../usbmuxd-server/server.node';
import { SimLockdownd, type SimLockdowndOptions } from './sim-lockdownd';
import { nodeTlsServer } from './testing/node-tls.node';

/*
 * The virtual iPhone's lockdownd as libimobiledevice's own tools see it (Debian's idevicepair and
 * ideviceinfo, through the usbmuxd stand-in): they pair with certificates OpenSSL made, validate, run
 * TLS sessions with OpenSSL and end them in plaintext. A real iPhone's replies, as far as they can tell.
 */

const LOCKDOWN_PORT = 62078;
let server: UsbmuxdServer | undefined;

afterEach(async () => {
	await server?.close();
	server = undefined;
});

async function phone(options: Partial<SimLockdowndOptions> = {}) {
	const connectionErrors: unknown[] = [];
	const sim = await SimLockdownd.create({
		security: nodeTlsServer(),
		onConnectionError: (error) => void connectionErrors.push(error),
		...options,
	});
	server = await startUsbmuxdServer({ systemBuid: 'A1B2C3D4-0000-4111-8222-333344445555' });
	const udid = sim.identity.values.UniqueDeviceID;
	server.attach({
		deviceId: 1,
		productId: 0x12a8,
		udid,
		locationId: 0x14100000,
		connect: async (port) => {
			if (port !== LOCKDOWN_PORT) throw new Error(`no service on port ${port}`);
			const [host, device] = createChannelPair();
			void sim.serve(device);
			return host;
		},
	});
	const env = { ...process.env, USBMUXD_SOCKET_ADDRESS: `${server.host}:${server.port}` };
	const run = async (tool: string, ...args: string[]) => {
		try {
			const { stdout } = await promisify(execFile)(tool, ['-u', udid, ...args], { env, timeout: 20_000 });
			return { ok: true, output: stdout };
		} catch (error) {
			const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
			return { ok: false, output: stdout + stderr };
		}
	};
	return { sim, run, connectionErrors };
}

describe('libimobiledevice tools against SimLockdownd', () => {
	it('read the unpaired values, pair after the Trust dialog, validate, and read values in TLS sessions', async () => {
		const { sim, run, connectionErrors } = await phone({ trust: { pendingPolls: 1 } });

		const simple = await run('ideviceinfo', '-s');
		expect(simple.output).toContain('ProductType: iPhone16,1');
		expect(simple.output).toContain('DevicePublicKey: LS0tLS1CRUdJTiBSU0EgUFVCTElDIEtFWS0tLS0t');
		expect(simple.output).not.toContain('SerialNumber');

		const first = await run('idevicepair', 'pair');
		expect(first).toMatchObject({ ok: false, output: expect.stringContaining('accept the trust dialog') });
		expect(await run('idevicepair', 'pair')).toMatchObject({ ok: true, output: expect.stringContaining('SUCCESS') });
		expect(sim.trustedHostIds).toHaveLength(1);
		expect(await run('idevicepair', 'validate')).toMatchObject({ ok: true });

		expect((await run('ideviceinfo', '-k', 'SerialNumber')).output.trim()).toBe(sim.identity.values.SerialNumber);
		const disk = await run('ideviceinfo', '-q', 'com.apple.disk_usage');
		expect(disk.output).toContain(`TotalDiskCapacity: ${sim.identity.values.diskUsage.TotalDiskCapacity}`);
		expect(connectionErrors).toEqual([]);
	}, 30_000);

	it('report “Don’t Trust” and a locked phone with their own messages', async () => {
		const denied = await phone({ trust: { pendingPolls: 0, answer: 'dont-trust' } });
		expect((await denied.run('idevicepair', 'pair')).output).toMatch(/denied the trust dialog/);
		await server?.close();

		const locked = await phone({ trust: { locked: true } });
		expect((await locked.run('idevicepair', 'pair')).output).toMatch(/passcode/);
	}, 30_000);
});
