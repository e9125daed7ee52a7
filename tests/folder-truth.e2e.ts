/**
 * The folder is the record: files deleted from a complete backup (a month folder, a few more) are
 * missing from it whatever the browser's journal says, the plan says so, and the next backup reads
 * exactly those from the phone and puts every one back.
 */
import { expectCompleteBackup, readText } from './harness/backup-folder-checks';
import { FaultPhone, connectAndPlan, finish } from './harness/fault-phone';
import { expect, test } from './harness/fixtures';

interface Entry {
	devicePath: string;
	path: string;
}

test('a month folder and a few files deleted from a complete backup are copied again, and only they', async ({ page, usb }) => {
	test.setTimeout(120_000);
	const faults = await FaultPhone.create();
	usb.plug(faults.phone.hardware);
	await connectAndPlan(page, 'new');
	await finish(page);

	const top = await page.evaluate(async (folder) => {
		const root = await (await navigator.storage.getDirectory()).getDirectoryHandle(folder);
		for await (const [name, handle] of root.entries()) if (handle.kind === 'directory') return name;
		return undefined;
	}, usb.pickedFolder);
	const entries = (JSON.parse(await readText(page, [usb.pickedFolder, top!, 'manifest.json'])) as { entries: Entry[] }).entries;
	const month = entries[0]!.path.split('/').slice(0, 2).join('/');
	const few = entries.filter((entry) => !entry.path.startsWith(`${month}/`)).slice(-2);
	const removed = [month, ...few.map((entry) => entry.path)];
	await page.evaluate(
		async ({ folder, top, removed }) => {
			const root = await (await (await navigator.storage.getDirectory()).getDirectoryHandle(folder)).getDirectoryHandle(top);
			for (const path of removed) {
				const parts = path.split('/');
				let dir = root;
				for (const part of parts.slice(0, -1)) dir = await dir.getDirectoryHandle(part);
				await dir.removeEntry(parts.at(-1)!, { recursive: true });
			}
		},
		{ folder: usb.pickedFolder, top: top!, removed },
	);
	const lost = entries.filter((entry) => entry.path.startsWith(`${month}/`) || few.includes(entry));
	const expected = [...new Set(lost.map((entry) => entry.devicePath))].sort();

	await page.reload();
	await connectAndPlan(page, 'again');
	await expect(page.getByTestId('plan-missing')).toContainText(`${expected.length} files missing from the backup folder will be copied again.`);
	const read = new Set<string>();
	faults.arm((_n, request) => void read.add(request.path ?? ''));
	await finish(page);
	expect([...read].sort()).toEqual(expected);
	await expectCompleteBackup(page, usb.pickedFolder, faults.phone);
});
