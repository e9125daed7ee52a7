/**
 * Figure 2: the stages of a backup one at a time, each in a worker of the bench page (see
 * stage-worker.ts): usbmux + AFC reading, hashing in the hash worker, writing into OPFS and reading back.
 */
import { build } from 'esbuild';
import type { Page } from '@playwright/test';
import type { DemoSetup } from './browser';
import type { StageResult } from './stage-worker';

/** The AFC client's read size: the engine hands on chunks of this size. */
const CHUNK = 4 * 1024 * 1024;

export interface StageFigures {
	afc: StageResult;
	hash: StageResult;
	write: StageResult;
}

async function bundle(): Promise<string> {
	const result = await build({
		entryPoints: [new URL('./stage-worker.ts', import.meta.url).pathname],
		bundle: true,
		format: 'iife',
		platform: 'browser',
		target: 'es2022',
		write: false,
		logLevel: 'silent',
	});
	return result.outputFiles[0]!.text;
}

/** Runs the three stages one after another on the page (which must be on the app's origin). */
/** Where the page finds the bundle: on its own origin, as the page's CSP allows workers from nowhere else. */
const WORKER_PATH = '/__bench/stage-worker.js';

/** Runs the three stages one after another on the page (which must be on the app's origin). */
export async function runStages(page: Page, setup: DemoSetup): Promise<StageFigures> {
	const code = await bundle();
	await page.route(`**${WORKER_PATH}`, (route) => route.fulfill({ body: code, contentType: 'text/javascript' }));
	try {
		return await page.evaluate(
			`(async ({ url, setup, chunk }) => {
				const ask = (worker, message, transfer = []) => new Promise((resolve, reject) => {
					worker.onmessage = (event) => (event.data.error ? reject(new Error(event.data.error)) : resolve(event.data.ok));
					worker.onerror = (event) => reject(new Error(event.message || 'the stage worker did not start'));
					worker.postMessage(message, transfer);
				});
				const mediaBase = new URL('demo-media/', document.baseURI).href;
				const reader = new Worker(url);
				const afc = await ask(reader, { job: 'afc', setup, mediaBase });
				reader.terminate();
				const service = new Worker(url);
				const caller = new Worker(url);
				const channel = new MessageChannel();
				service.postMessage({ job: 'hash-service', port: channel.port1 }, [channel.port1]);
				const hash = await ask(caller, { job: 'hash', port: channel.port2, sizes: afc.sizes, chunk }, [channel.port2]);
				service.terminate();
				caller.terminate();
				const writer = new Worker(url);
				const write = await ask(writer, { job: 'write', folder: 'bench-stages', sizes: afc.sizes, chunk });
				writer.terminate();
				delete afc.sizes;
				return { afc, hash, write };
			})(${JSON.stringify({ url: WORKER_PATH, setup: JSON.stringify(setup), chunk: CHUNK })})`,
		);
	} finally {
		await page.unroute(`**${WORKER_PATH}`);
	}
}
