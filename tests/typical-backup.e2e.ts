/**
 * A whole backup of the `typical` library (3,000 items over five years: Live Photos, edits in DCIM and
 * in Mutations, AAE sidecars, iCloud downloads, "Optimize iPhone Storage" placeholders, SD-card
 * imports, IMG numbers that wrap) into the picked OPFS folder, through the page and its workers. The
 * virtual iPhone runs in the device worker (the demo's path: the same code from the USB seam up), with
 * every file a tenth of its size so that the run fits the suite; names, dates and kinds are the
 * profile's own. The test rebuilds the same library in Node to know every file's SHA-256. A profile on
 * disk: a throwaway context's storage quota is smaller than the library.
 */
import type { Page } from '@playwright/test';
import { expectCompleteBackup, folderContents, readText } from './harness/backup-folder-checks';
import { expect, test } from './harness/fixtures';
import { launchPersistent, withProfile } from './harness/persistent';
import { PROFILES, VirtualCameraRoll, type CameraRollFile } from '../src/sim/camera-roll';
import { loadRealMedia } from '../src/sim/camera-roll/real-media-node';

const profile = { ...PROFILES.typical, sizeScale: 0.1 };

interface ManifestEntry {
	devicePath: string;
	path: string;
	sha256: string;
}

/** `YYYY/MM/` of a capture in the offset it was taken at: the date folder the backup must use. */
function monthFolder(capture: { epochMs: number; offsetMinutes: number }): string {
	const local = new Date(capture.epochMs + capture.offsetMinutes * 60_000);
	return `${local.getUTCFullYear()}/${String(local.getUTCMonth() + 1).padStart(2, '0')}/`;
}

const dirOf = (path: string) => path.slice(0, path.lastIndexOf('/') + 1);
const stemOf = (path: string) => path.slice(path.lastIndexOf('/') + 1).replace(/\.[^.]*$/, '');

test('backs up a typical library: every file once with its SHA-256, in its month, pairs and edits together, iCloud items listed', async ({ usb }) => {
	test.setTimeout(600_000);
	const roll = new VirtualCameraRoll({ profile, realMedia: await loadRealMedia() });
	await withProfile(async (dir) => {
		const { context, page } = await launchPersistent(usb, dir);
		try {
			await backUpAndCheck(page, usb.pickedFolder, roll);
		} finally {
			await context.close();
		}
	});
});

async function backUpAndCheck(page: Page, folder: string, roll: VirtualCameraRoll): Promise<void> {
	await page.goto(`/?demo=${encodeURIComponent(JSON.stringify({ profile: { base: 'typical', sizeScale: profile.sizeScale } }))}`);
	await page.getByRole('button', { name: 'Try the demo iPhone' }).click();
	await expect(page.getByTestId('library-counts')).toBeVisible({ timeout: 120_000 });
	await page.getByRole('button', { name: 'Choose backup folder' }).click();
	await expect(page.getByTestId('plan-summary')).toBeVisible({ timeout: 120_000 });
	// One number everywhere: the plan says what the overview says.
	const iCloud = await iCloudNumber(page);
	await expect(page.getByTestId('plan-icloud')).toContainText(`${iCloud} items are only in iCloud`);

	await page.getByRole('button', { name: 'Start backup' }).click();
	const status = page.getByRole('status', { name: 'Backup status' });
	await expect(status).toContainText(/Backup complete|stopped/, { timeout: 480_000 });
	expect(await page.getByRole('alert').allTextContents()).toEqual([]);
	await expect(status).toContainText('Backup complete');
	// After the run the overview and the result agree (a backup may have found more placeholders).
	await expect(status).toContainText(`${await iCloudNumber(page)} items only in iCloud`);
	await expect(page.getByTestId('timeline-summary')).toContainText(`${await iCloudNumber(page)} items are only in iCloud`);
	await expect(status).not.toContainText('failed');

	await expectCompleteBackup(page, folder, { cameraRoll: roll });

	const contents = await folderContents(page, folder);
	const deviceFolder = Object.keys(contents).find((path) => path.endsWith('/manifest.json'))!.split('/')[0]!;
	const manifest = JSON.parse(await readText(page, [folder, deviceFolder, 'manifest.json'])) as { entries: ManifestEntry[] };
	const where = new Map(manifest.entries.map((entry) => [entry.devicePath, entry.path]));
	const files = [...roll.files()].filter((file) => where.has(file.path));
	// Problems are gathered and asserted once per kind: an `expect` per file is slow in Playwright.
	const misplaced: string[] = [];

	// Each photo and video in the month it was taken, as its own metadata says.
	const dated = files.filter((file): file is CameraRollFile & { capture: NonNullable<CameraRollFile['capture']> } =>
		file.capture !== undefined && ['still', 'live-still', 'video', 'screenshot', 'raw', 'import'].includes(file.tag),
	);
	expect(dated.length).toBeGreaterThan(2_500);
	for (const file of dated) {
		const path = where.get(file.path)!;
		if (!path.startsWith(monthFolder(file.capture))) misplaced.push(`${file.path} taken ${monthFolder(file.capture)} is at ${path}`);
	}

	// A Live Photo's still and movie side by side under one name.
	const stills = new Map(files.filter((file) => file.tag === 'live-still').map((file) => [file.liveId, file]));
	const movies = files.filter((file) => file.tag === 'live-video');
	expect(movies.length).toBeGreaterThan(800);
	for (const movie of movies) {
		const still = stills.get(movie.liveId);
		if (still === undefined) continue; // the still is only in iCloud
		const [a, b] = [where.get(still.path)!, where.get(movie.path)!];
		if (dirOf(a) !== dirOf(b) || stemOf(a) !== stemOf(b)) misplaced.push(`Live Photo ${a} and ${b} apart`);
	}

	// An edit's render beside the photo it belongs to (in DCIM as IMG_E, or in Mutations).
	const edits = files.filter((file) => file.tag === 'render');
	expect(edits.length).toBeGreaterThan(50);
	const originalOf = (render: string): string | undefined => {
		const mutation = /^\/PhotoData\/Mutations(\/DCIM\/[^/]+)\/(IMG_\d{4})\/Adjustments\//.exec(render);
		const base = mutation ? `${mutation[1]}/${mutation[2]}` : render.replace(/IMG_E(\d{4})\.[^.]+$/, 'IMG_$1');
		return [...where.keys()].find((path) => path.startsWith(`${base}.`) && !path.endsWith('.AAE'));
	};
	for (const render of edits) {
		const original = originalOf(render.path);
		if (original === undefined) continue; // the original is only in iCloud
		const [a, b] = [where.get(original)!, where.get(render.path)!];
		if (dirOf(a) !== dirOf(b)) misplaced.push(`edit ${b} not beside ${a}`);
	}
	expect(misplaced).toEqual([]);

	// No bytes stored twice.
	const stored = Object.entries(contents).filter(([path]) => !/\/(manifest\.json|SHA256SUMS)$/.test(path));
	expect(new Set(stored.map(([, sha]) => sha)).size).toBe(stored.length);
}

/** "N items are only in iCloud" as the overview says it. */
async function iCloudNumber(page: Page): Promise<string> {
	const line = (await page.getByTestId('library-icloud').textContent()) ?? '';
	const number = /([\d,]+) items? (?:is|are) only in iCloud/.exec(line)?.[1];
	expect(number, line).toBeDefined();
	return number!;
}
