import { describe, expect, it } from 'vitest';
import { sanitizeName } from '../../lib/destination/names';
import { SCAN_LIMITS } from '../../lib/library';
import { tlsDeviceSecurity } from '../lockdownd';
import { VirtualIPhone } from '../virtual-iphone';
import { EVIL_FOLDER_NAMES, EVIL_NAMES, isListableName } from './evil-names';
import { HostileProfile, type HostileBehaviour } from './hostile-profile';
import { LIE_PATHS, overTheCable, SIZE_LIES } from './lying-file-system';
import { expectContained, expectHonestFilesKept, expectPlainWords, expectTrueCopies } from '../../testing/sim/hostile/backup-checks-node';
import { backUpWholeStack, withinBound, type WholeStackOptions } from '../../testing/sim/hostile/whole-stack-node';

/** Far longer than any of these runs takes; reaching it means the stack hangs. */
const BOUND_MS = 45_000;
const TEST_MS = 60_000;

async function backUpFrom(hostile: HostileBehaviour, options: WholeStackOptions = {}) {
	const phone = await VirtualIPhone.create({ security: tlsDeviceSecurity, lockdown: { trust: { pendingPolls: 0 } }, hostile: new HostileProfile(hostile) });
	const run = await withinBound(backUpWholeStack(phone, { replyTimeoutMs: 1_000, ...options }), BOUND_MS, 'the backup');
	return { phone, run };
}

describe('names a lying phone lists', () => {
	it.each(['by-month', 'as-on-iphone'] as const)(
		'backs up every file under a safe name inside the iPhone folder, skips names with a slash, keeps the honest files (%s)',
		{ timeout: TEST_MS },
		async (layout) => {
			const { phone, run } = await backUpFrom({ evilNames: true }, { layout });
			expect(run.error).toBeUndefined();
			expect(run.result).toMatchObject({ outcome: 'complete', failed: [] });
			const manifest = await expectTrueCopies(run, phone);
			expectHonestFilesKept(manifest, phone);

			const skipped = new Map(run.scan!.skipped.map((entry) => [entry.path, entry.reason]));
			const expectKept = (devicePath: string) => {
				const entry = manifest.entries.find((e) => e.devicePath === devicePath);
				expect(entry, JSON.stringify(devicePath)).toBeDefined();
				for (const segment of entry!.path.split('/')) {
					expect(segment).toBe(sanitizeName(segment));
					expect(new TextEncoder().encode(segment).byteLength).toBeLessThanOrEqual(200);
				}
			};
			for (const name of EVIL_NAMES) {
				const devicePath = `${LIE_PATHS.evilFolder}/${overTheCable(name)}`;
				if (name.includes('/')) expect(skipped.get(`${LIE_PATHS.evilFolder}/${name}`), name).toBe('bad-name');
				else if (name.startsWith('.')) expect(skipped.get(devicePath), name).toBe('hidden');
				else if (isListableName(name)) expectKept(devicePath);
			}
			// A NUL splits the name on the cable; neither half is a file.
			expect(skipped.get(`${LIE_PATHS.evilFolder}/nul`)).toBe('vanished');
			for (const folder of EVIL_FOLDER_NAMES) {
				if (folder.startsWith('.')) expect(skipped.get(`/DCIM/${folder}`), folder).toBe('hidden');
				else expectKept(`/DCIM/${folder}/IMG_0001.JPG`);
			}
		},
	);
});

describe('folders that never end', () => {
	it('walks a folder that leads back into itself many times over to an end, within the folder budget', { timeout: TEST_MS }, async () => {
		// Twelve ways back into itself at every level: without a budget, 12^8 listings.
		const { phone, run } = await backUpFrom({ loops: { fanout: 12 } }, { scan: { limits: { maxFolders: 300 } } });
		expect(run.result?.outcome).toBe('complete');
		const tooMany = run.scan!.skipped.filter((entry) => entry.reason === 'too-many');
		expect(tooMany).toHaveLength(1);
		expect(tooMany[0]!.path.startsWith(`${LIE_PATHS.editsLoop}/`)).toBe(true);
		// The one in DCIM is a folder where photos belong: not entered at all.
		expect(run.scan!.skipped).toContainEqual({ path: `${LIE_PATHS.dcimLoop}/again0`, reason: 'not-a-file' });
		expectHonestFilesKept(await expectTrueCopies(run, phone), phone);
	});

	it('stops going down a chain of folders deeper than any real layout', { timeout: TEST_MS }, async () => {
		const { phone, run } = await backUpFrom({ deepChain: 500 });
		expect(run.result?.outcome).toBe('complete');
		expect(run.scan!.skipped).toEqual([{ path: `${LIE_PATHS.deepChain}${'/d'.repeat(7)}`, reason: 'too-deep' }]);
		expectHonestFilesKept(await expectTrueCopies(run, phone), phone);
	});

	it('looks at no more of a folder than its limit, and says so', { timeout: TEST_MS }, async () => {
		const { phone, run } = await backUpFrom({ hugeFolder: 1_500 }, { scan: { limits: { maxFolderEntries: 300 } } });
		expect(run.result?.outcome).toBe('complete');
		expect(run.scan!.skipped).toEqual([{ path: LIE_PATHS.hugeFolder, reason: 'too-many' }]);
		expect(run.scan!.files.filter((file) => file.path.startsWith(`${LIE_PATHS.hugeFolder}/`))).toHaveLength(300);
		expectHonestFilesKept(await expectTrueCopies(run, phone), phone);
	});

	it('has limits a real camera roll stays under, and a lying one reaches', () => {
		expect(SCAN_LIMITS.maxFolderEntries).toBeGreaterThanOrEqual(9_999);
		for (const limit of Object.values(SCAN_LIMITS)) expect(Number.isSafeInteger(limit)).toBe(true);
	});
});

describe('sizes that do not match the data', () => {
	it('reports each file that is shorter, longer, endless or a petabyte as failed with the numbers, keeps none of it, and backs up the rest', { timeout: TEST_MS }, async () => {
		const { phone, run } = await backUpFrom({ sizeLies: true });
		expect(run.result?.outcome).toBe('complete');
		const failed = run.result!.failed;
		expect(failed.map((file) => [file.devicePath, file.code]).sort()).toEqual([
			[LIE_PATHS.endless, 'size-mismatch'],
			[LIE_PATHS.giant, 'size-mismatch'],
			[LIE_PATHS.long, 'size-mismatch'],
			[LIE_PATHS.short, 'size-mismatch'],
		]);
		for (const file of failed) expectPlainWords(file);
		const short = failed.find((file) => file.devicePath === LIE_PATHS.short)!;
		expect(short.message).toContain(SIZE_LIES.short.claimed.toLocaleString('en-US'));
		expect(short.message).toContain(SIZE_LIES.short.actual.toLocaleString('en-US'));
		const manifest = await expectTrueCopies(run, phone);
		expect(manifest.entries.filter((entry) => failed.some((file) => file.devicePath === entry.devicePath))).toEqual([]);
		expectHonestFilesKept(manifest, phone);
	});
});

describe('packets that lie', () => {
	it.each([
		['an AFC reply announcing 3 GiB', { afc: 'giant-length' }, 'protocol'],
		['an AFC reply that trickles in forever', { afc: 'endless-reply', trickleMs: 5 }, 'timeout'],
		['an AFC reply to a request never sent', { afc: 'wrong-packet-number' }, 'protocol'],
		['a usbmux packet announcing 3 GiB', { giantMuxPacket: true }, 'protocol'],
	] as const)('%s stops the backup with a plain message, keeping what was copied', { timeout: TEST_MS }, async (_, hostile, code) => {
		const { phone, run } = await backUpFrom(hostile);
		expect(run.failedAt).toBeUndefined();
		expect(run.result?.outcome).toBe('stopped');
		expect(run.result?.error?.code).toBe(code);
		expectPlainWords(run.result?.error);
		// Stopped, not "failed" file after file: the files not reached are left for the next run.
		expect(run.result?.failed).toEqual([]);
		const manifest = await expectTrueCopies(run, phone);
		expect(manifest.entries.map((entry) => entry.devicePath)).toContain(LIE_PATHS.trapPhoto);
	});

	it.each([
		['a lockdown message announcing 2 GiB', { lockdown: 'giant-plist' }, 'too-large'],
		['an oversized TLS record', { lockdown: 'oversized-tls-record' }, 'tls'],
		['a TLS record of no known type, later in the session', { lockdown: 'malformed-tls-record', tlsRecordsBefore: 3 }, 'tls'],
		['a TLS record that does not decrypt', { lockdown: 'corrupt-tls-record', tlsRecordsBefore: 1 }, 'tls'],
	] as const)('%s fails the connection with a plain message and writes nothing', { timeout: TEST_MS }, async (_, hostile, code) => {
		const { run } = await backUpFrom(hostile);
		expect(run.failedAt).toBe('connect');
		expect(run.error?.code).toBe(code);
		expectPlainWords(run.error);
		expect(expectContained(run)).toEqual([]);
	});
});

describe('every lie at once', () => {
	it('ends, with the honest files and the evil names backed up and the liars reported', { timeout: TEST_MS }, async () => {
		const { phone, run } = await backUpFrom(
			{ evilNames: true, loops: { fanout: 6 }, deepChain: 100, hugeFolder: 150, sizeLies: true },
			{ scan: { limits: { maxFolders: 100, maxFolderEntries: 100 } } },
		);
		expect(run.result?.outcome).toBe('complete');
		expect(run.result!.failed.map((file) => file.code)).toEqual(Array(4).fill('size-mismatch'));
		expectHonestFilesKept(await expectTrueCopies(run, phone), phone);
	});
});
