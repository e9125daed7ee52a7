import { toHex } from '../../lib/bytes';
import { exportDeviceKeys, tlsDeviceSecurity, type DeviceKeys } from '../lockdownd';
import { PROFILES, REAL_MEDIA_FILES, type CameraRollProfile, type ProfileName, type RealMedia } from '../camera-roll';
import { SimUsb } from '../usb';
import { VirtualIPhone } from '../virtual-iphone';
import type { DemoMemory } from './demo-memory';

/**
 * The demo: a virtual iPhone running in this worker, handed to the app through the same `USB` seam a
 * real phone comes through, with our own TLS server. Its camera roll holds the real sample photos the
 * page ships (fetched from the page's own origin) among generated ones.
 *
 * `setup` (the page's `?demo=` parameter, JSON) lets the benchmark choose another camera roll and cap
 * the USB rate: `{"profile": "typical" | {"base": "typical", "items": 200, ...}, "bytesPerSecond": 40e6}`.
 *
 * With `memory` the phone keeps its key pair and the computers it trusts across visits, as a real
 * iPhone does: after "Trust" once, a reload connects without asking again.
 */
export async function createDemoUsb(
	fetchFile: (name: string) => Promise<Response>,
	setup?: string,
	memory?: DemoMemory,
): Promise<{ usb: USB; phone: VirtualIPhone }> {
	const { profile, bytesPerSecond } = parseDemoSetup(setup);
	const [kept, realMedia] = await Promise.all([memory?.load(), loadDemoMedia(fetchFile)]);
	let deviceKeys: DeviceKeys | undefined = kept?.deviceKeys;
	const phone = await VirtualIPhone.create({
		security: tlsDeviceSecurity,
		cameraRoll: { profile, realMedia },
		lockdown: {
			trust: { pendingPolls: 2 },
			values: { DeviceName: 'Demo iPhone' },
			deviceKeys,
			trustedHosts: kept?.trustedHosts,
			onTrustChanged: (trustedHosts) => {
				if (deviceKeys !== undefined) void memory?.save({ deviceKeys, trustedHosts });
			},
		},
		usb: { bytesPerSecond },
	});
	if (memory !== undefined && deviceKeys === undefined) {
		deviceKeys = await exportDeviceKeys(phone.lockdownd.identity);
		await memory.save({ deviceKeys, trustedHosts: [] });
	}
	const usb = new SimUsb();
	usb.plug(phone.hardware, { granted: true });
	return { usb, phone };
}

/** The sample photos; a file that is missing or not what it should be is replaced by generated content. */
async function loadDemoMedia(fetchFile: (name: string) => Promise<Response>): Promise<RealMedia> {
	const media = new Map<string, Uint8Array>();
	await Promise.all(
		REAL_MEDIA_FILES.map(async (file) => {
			try {
				const response = await fetchFile(file.phoneName);
				if (!response.ok) return;
				const bytes = new Uint8Array(await response.arrayBuffer());
				const hex = toHex(await crypto.subtle.digest('SHA-256', bytes));
				if (bytes.length === file.size && hex === file.sha256) media.set(file.phoneName, bytes);
			} catch {
				// Offline before the files were cached: the demo still works with generated content.
			}
		}),
	);
	return media;
}

/** The demo's camera roll and USB cap from `?demo=`; anything not understood falls back to the demo's own. */
export function parseDemoSetup(setup: string | undefined): { profile: CameraRollProfile; bytesPerSecond?: number } {
	let parsed: { profile?: unknown; bytesPerSecond?: unknown } = {};
	try {
		const value: unknown = setup ? JSON.parse(setup) : {};
		if (value && typeof value === 'object') parsed = value;
	} catch {
		// not JSON: the plain demo
	}
	const isName = (name: unknown): name is ProfileName => typeof name === 'string' && Object.hasOwn(PROFILES, name);
	let profile = PROFILES.demo;
	if (isName(parsed.profile)) profile = PROFILES[parsed.profile];
	else if (parsed.profile && typeof parsed.profile === 'object') {
		const { base, ...overrides } = parsed.profile as { base?: unknown } & Partial<CameraRollProfile>;
		profile = { ...(isName(base) ? PROFILES[base] : PROFILES.demo), ...overrides };
	}
	const rate = parsed.bytesPerSecond;
	return { profile, bytesPerSecond: typeof rate === 'number' && rate > 0 ? rate : undefined };
}
