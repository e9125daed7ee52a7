/// <reference lib="webworker" />
/**
 * Figure 2, "where the time goes": each stage of a backup alone, in a worker of the page like the real
 * run's. Bundled by bench/stages.ts with esbuild and started from a blob URL in the bench page, so the
 * app ships none of it. One script, three jobs, chosen by the first message:
 *
 * - `afc`: the demo iPhone in this worker (as in the page's device worker), our usbmux + lockdown + AFC
 *   client reading every file of the roll one after another, as the engine does, bytes thrown away;
 * - `hash-service`: the hash worker (`HashService` over Comlink on the port it is given);
 * - `hash`: in-memory chunks of the AFC stage's sizes sent to that hash worker as the engine sends them
 *   (SHA-256 + XXH3-128, buffers moved), the files one after another;
 * - `write`: the same chunks into OPFS through the engine's own pending files, then each file read
 *   back with XXH3 as the engine's verification does, timed apart.
 */
import * as Comlink from 'comlink';
import { AfcClient } from '../src/lib/afc';
import { createDemoUsb } from '../src/sim/demo/demo-iphone';
import { createPendingFile } from '../src/lib/destination/pending-file';
import { HashService, inProcessHashers, remoteHashers } from '../src/lib/hash';
import { IPhone, openTrustedSession } from '../src/lib/iphone';
import { scanCameraRoll } from '../src/lib/library';
import { tlsSessionSecurity } from '../src/lib/lockdown';
import { MemoryPairRecordStore } from '../src/lib/store';

export type StageRequest =
	| { job: 'afc'; setup: string; mediaBase: string }
	| { job: 'hash-service'; port: MessagePort }
	| { job: 'hash'; port: MessagePort; sizes: number[]; chunk: number }
	| { job: 'write'; folder: string; sizes: number[]; chunk: number };

export interface StageResult {
	bytes: number;
	seconds: number;
	/** The AFC stage: sizes of the files read (for the other stages). */
	sizes?: number[];
	/** The write stage: the read-back, timed apart. */
	readBackSeconds?: number;
}

/** Chunks of `chunk` bytes (the AFC client's read size), fresh buffers each, as the phone's reads are. */
function* chunksOf(size: number, chunk: number): Generator<Uint8Array> {
	for (let at = 0; at < size; at += chunk) {
		const bytes = new Uint8Array(Math.min(chunk, size - at));
		bytes[0] = at & 0xff;
		yield bytes;
	}
}

async function afcStage(setup: string, mediaBase: string): Promise<StageResult> {
	const { usb } = await createDemoUsb((name) => fetch(new URL(name, mediaBase)), setup);
	const iphone = await IPhone.open(usb, { security: tlsSessionSecurity });
	const session = await openTrustedSession(iphone, { store: new MemoryPairRecordStore(), pollIntervalMs: 1 });
	const service = await session.lockdown.startService('com.apple.afc', { escrowBag: session.record.escrowBag });
	const files = new AfcClient(await iphone.connect(service.port));
	const scan = await scanCameraRoll(files);
	const sizes: number[] = [];
	let bytes = 0;
	const start = performance.now();
	for (const file of scan.files) {
		const reader = files.read(file.path).getReader();
		let got = 0;
		try {
			for (;;) {
				const { done, value } = await reader.read();
				if (done) break;
				got += value.byteLength;
			}
		} catch {
			continue; // a placeholder: the backup skips it too
		} finally {
			reader.releaseLock();
		}
		sizes.push(got);
		bytes += got;
	}
	const seconds = (performance.now() - start) / 1000;
	await iphone.close().catch(() => undefined);
	return { bytes, seconds, sizes };
}

async function hashStage(port: MessagePort, sizes: number[], chunk: number): Promise<StageResult> {
	const hashers = remoteHashers(Comlink.wrap<HashService>(port));
	let bytes = 0;
	const start = performance.now();
	for (const size of sizes) {
		const hasher = await hashers(['sha256', 'xxh3-128']);
		for (const bytesOf of chunksOf(size, chunk)) await hasher.update(bytesOf);
		await hasher.digest();
		bytes += size;
	}
	return { bytes, seconds: (performance.now() - start) / 1000 };
}

async function writeStage(folderName: string, sizes: number[], chunk: number): Promise<StageResult> {
	const root = await navigator.storage.getDirectory();
	const folder = await root.getDirectoryHandle(folderName, { create: true });
	let bytes = 0;
	let writing = 0;
	let reading = 0;
	for (const [index, size] of sizes.entries()) {
		let start = performance.now();
		const pending = await createPendingFile(folder, `f${index}`);
		const writer = pending.writable.getWriter();
		for (const bytesOf of chunksOf(size, chunk)) await writer.write(bytesOf);
		await writer.close();
		writing += performance.now() - start;
		start = performance.now();
		const hasher = await inProcessHashers(['xxh3-128']);
		const reader = (await pending.readBack()).getReader();
		for (;;) {
			const { done, value } = await reader.read();
			if (done) break;
			await hasher.update(value);
		}
		await hasher.digest();
		reading += performance.now() - start;
		await pending.abort();
		bytes += size;
	}
	await root.removeEntry(folderName, { recursive: true }).catch(() => undefined);
	return { bytes, seconds: writing / 1000, readBackSeconds: reading / 1000 };
}

self.onmessage = async (event: MessageEvent<StageRequest>) => {
	const request = event.data;
	if (request.job === 'hash-service') {
		Comlink.expose(new HashService(), request.port);
		return;
	}
	try {
		const result =
			request.job === 'afc'
				? await afcStage(request.setup, request.mediaBase)
				: request.job === 'hash'
					? await hashStage(request.port, request.sizes, request.chunk)
					: await writeStage(request.folder, request.sizes, request.chunk);
		self.postMessage({ ok: result });
	} catch (error) {
		self.postMessage({ error: String((error as Error)?.stack ?? error) });
	}
};
