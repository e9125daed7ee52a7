/**
 * The fake-USB harness proving itself in the real browser, on the app's origin: a test page and a
 * module worker served from memory (nothing test-only ships), the fake `navigator.usb` in both realms,
 * the virtual device's internals in this process.
 */
import { bundle } from './harness/bundle';
import { expect, test, type UsbHarness } from './harness/fixtures';
import { echoDeviceEnd } from '../src/sim/usb/echo';
import { SimUsbHardware } from '../src/sim/usb/hardware';

const PAGE = '/__harness/index.html';
const WORKER = '/_app/immutable/workers/harness-worker.js';
const WORKER_COMMANDS = '/_app/immutable/workers/chunks/harness-worker-commands.js';

const PAGE_HTML = `<!doctype html>
<meta charset="utf-8"><title>USB harness</title>
<button id="choose">Choose iPhone</button> <button id="pick">Choose folder</button>
<script type="module">
	const worker = new Worker(${JSON.stringify(WORKER)}, { type: 'module' });
	const waiting = new Map();
	let nextId = 1;
	worker.onmessage = ({ data }) => {
		const call = waiting.get(data.id);
		waiting.delete(data.id);
		if (data.ok) call.resolve(data.value);
		else call.reject(Object.assign(new Error(data.error.message), data.error));
	};
	window.harness = {
		worker: (command) =>
			new Promise((resolve, reject) => {
				const id = nextId++;
				waiting.set(id, { resolve, reject });
				worker.postMessage({ ...command, id });
			}),
	};
	document.getElementById('choose').onclick = () => {
		window.harness.chosen = navigator.usb.requestDevice({ filters: [{ vendorId: 0x05ac }] });
	};
	document.getElementById('pick').onclick = () => {
		window.harness.picked = showDirectoryPicker({ mode: 'readwrite' });
	};
</script>`;

const WORKER_JS = `import { handle } from './chunks/harness-worker-commands.js';
self.onmessage = async ({ data }) => {
	try {
		postMessage({ id: data.id, ok: true, value: await handle(data) });
	} catch (error) {
		postMessage({ id: data.id, ok: false, error: { name: error?.name, message: String(error?.message ?? error), code: error?.code, advice: error?.advice } });
	}
};`;

interface HarnessWindow {
	harness: {
		worker(command: object): Promise<unknown>;
		chosen?: Promise<USBDevice>;
		picked?: Promise<FileSystemDirectoryHandle>;
		pending?: Promise<string>;
		disconnected?: Promise<boolean>;
	};
}

async function serveSelfTest(usb: UsbHarness): Promise<void> {
	usb.serve(PAGE, PAGE_HTML);
	usb.serve(WORKER, WORKER_JS);
	usb.serve(WORKER_COMMANDS, await bundle(new URL('./harness/self-test/worker-commands.ts', import.meta.url), 'esm'));
}

test('a grant made on a click is seen by a worker; bytes round-trip; unplugging fails the waiting transfer and fires disconnect everywhere', async ({
	page,
	usb,
}) => {
	await serveSelfTest(usb);
	const hardware = new SimUsbHardware();
	void echoDeviceEnd(hardware.deviceEnd);
	usb.plug(hardware);
	await page.goto(PAGE);

	const worker = (command: object) =>
		page.evaluate((c) => (window as unknown as HarnessWindow).harness.worker(c), command);
	expect(await page.evaluate(() => navigator.usb.getDevices().then((d) => d.length))).toBe(0);
	expect(await worker({ op: 'list' })).toEqual([]);
	expect(await worker({ op: 'request-device-type' })).toBe('undefined');

	await page.getByRole('button', { name: 'Choose iPhone' }).click();
	const chosen = await page.evaluate(async () => {
		const device = await (window as unknown as HarnessWindow).harness.chosen!;
		return { productName: device.productName, serialNumber: device.serialNumber, vendorId: device.vendorId };
	});
	expect(chosen).toEqual({ productName: 'iPhone', serialNumber: hardware.info.serialNumber, vendorId: 0x05ac });
	expect(await worker({ op: 'list' })).toEqual([{ productName: 'iPhone', serialNumber: hardware.info.serialNumber }]);

	const roundTrip = await page.evaluate(async () => {
		const harness = (window as unknown as HarnessWindow).harness;
		const device = await harness.chosen!;
		await device.open();
		await device.selectConfiguration(4);
		await device.claimInterface(1);
		const out = await device.transferOut(4, Uint8Array.of(1, 2, 3, 4, 5));
		const result = await device.transferIn(5, 512);
		const bytes = [...new Uint8Array(result.data!.buffer, result.data!.byteOffset, result.data!.byteLength)];
		harness.disconnected = new Promise((resolve) =>
			navigator.usb.addEventListener('disconnect', (event) => resolve(event.device === device), { once: true }),
		);
		harness.pending = device.transferIn(5, 512).then(
			() => 'resolved',
			(error: DOMException) => `${error.name}: ${error.message}`,
		);
		return {
			bytesWritten: out.bytesWritten,
			bytes,
			nativeResult: result instanceof USBInTransferResult,
			configuration: device.configuration?.configurationValue,
		};
	});
	expect(roundTrip).toEqual({ bytesWritten: 5, bytes: [1, 2, 3, 4, 5], nativeResult: true, configuration: 4 });

	expect(await worker({ op: 'watch-disconnect' })).toBe(true);
	await expect.poll(() => hardware.pendingInTransfers).toBe(1);
	usb.unplug(hardware);

	expect(await page.evaluate(() => (window as unknown as HarnessWindow).harness.pending!)).toBe(
		'NetworkError: A transfer error has occurred.',
	);
	expect(await page.evaluate(() => (window as unknown as HarnessWindow).harness.disconnected!)).toBe(true);
	expect(await worker({ op: 'disconnected' })).toBe(hardware.info.serialNumber);
	expect(await page.evaluate(() => navigator.usb.getDevices().then((d) => d.length))).toBe(0);
});

test('the product’s openIPhone in a worker streams bytes in order and ends as unplugged', async ({ page, usb }) => {
	await serveSelfTest(usb);
	const hardware = new SimUsbHardware({ chunking: 'stream', seed: 20 });
	void echoDeviceEnd(hardware.deviceEnd);
	usb.plug(hardware, { granted: true });
	await page.goto(PAGE);
	const worker = (command: object) =>
		page.evaluate((c) => (window as unknown as HarnessWindow).harness.worker(c), command);

	expect(await worker({ op: 'open' })).toEqual({ serialNumber: '00008110-000A10123AF9801E', packetSize: 512 });
	expect(hardware.activeConfiguration).toBe(4);
	const echoed = (await worker({ op: 'echo', bytes: 2 * 1024 * 1024, chunk: 16 * 1024 })) as {
		received: number;
		mismatchAt: number;
		pieces: number;
	};
	expect(echoed.received).toBe(2 * 1024 * 1024);
	expect(echoed.mismatchAt).toBe(-1);
	// 'stream' chunking cut and joined the 128 packets of 16 KiB: the pieces are not one per packet.
	expect(echoed.pieces).not.toBe(128);

	await worker({ op: 'watch-disconnect' });
	const ending = worker({ op: 'read-until-error' });
	await expect.poll(() => hardware.pendingInTransfers).toBe(4);
	usb.unplug(hardware);
	expect(await ending).toMatchObject({ code: 'unplugged', disconnectEvent: hardware.info.serialNumber });
});

test('faults set in the test process reach the page: a held interface is usb-busy with Linux advice', async ({
	page,
	usb,
}) => {
	await serveSelfTest(usb);
	const hardware = new SimUsbHardware();
	hardware.faults.claimBusy = true;
	usb.plug(hardware, { granted: true });
	await page.goto(PAGE);
	const error = await page.evaluate(() =>
		(window as unknown as HarnessWindow).harness.worker({ op: 'open' }).then(
			() => undefined,
			(e: { code?: string; advice?: string }) => ({ code: e.code, advice: e.advice }),
		),
	);
	expect(error?.code).toBe('usb-busy');
	expect(error?.advice).toContain('sudo systemctl stop usbmuxd');
});

test('showDirectoryPicker on a click gives a writable OPFS folder', async ({ page, usb }) => {
	await serveSelfTest(usb);
	await page.goto(PAGE);
	await page.getByRole('button', { name: 'Choose folder' }).click();
	const result = await page.evaluate(async () => {
		const folder = await (window as unknown as HarnessWindow).harness.picked!;
		const file = await folder.getFileHandle('IMG_0001.HEIC', { create: true });
		const writable = await file.createWritable();
		await writable.write(new Uint8Array([1, 2, 3]));
		await writable.close();
		const again = await (await navigator.storage.getDirectory()).getDirectoryHandle(folder.name);
		const names: string[] = [];
		for await (const name of again.keys()) names.push(name);
		return { name: folder.name, kind: folder.kind, permission: await folder.queryPermission({ mode: 'readwrite' }), names };
	});
	expect(result).toEqual({ name: usb.pickedFolder, kind: 'directory', permission: 'granted', names: ['IMG_0001.HEIC'] });
});
