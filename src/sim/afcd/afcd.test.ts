import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { AfcOperation, AfcSeekFrom, AfcStatus } from '../../lib/afc/constants';
import { decodeHeader, encodePacket, type AfcPacket } from '../../lib/afc/packet';
import {
	encodeFileClose,
	encodeFileOpen,
	encodeFileRead,
	encodeFileSeek,
	encodeFileTell,
	encodeGetDeviceInfo,
	encodeGetFileInfo,
	encodeReadDir,
} from '../../lib/afc/requests';
import { decodeStringList } from '../../lib/afc/strings';
import { createChannelPair } from '../../lib/streams/byte-channel';
import { ByteReader } from '../../lib/streams/byte-reader';
import { serveAfc, type AfcdOptions, type AfcdRequest } from './afcd';
import { createTestFileSystem, syntheticBytes, type TestFileSpec } from './test-file-system';

const fixtures = new URL('../../../../shared/fixtures/bytes/appium-ios-device/', import.meta.url);
const fixture = async (name: string) => new Uint8Array(await readFile(new URL(name, fixtures)));

// The root of the appium fixture afclistdirresponse.bin, in its order.
const ROOT = [
	'AirFair', 'Books', 'DCIM', 'Downloads', 'MediaAnalysis', 'PhotoData',
	'Photos', 'PublicStaging', 'Radio', 'Recordings', 'iTunes_Control',
];
const MiB = 1024 * 1024;
const small = new TextEncoder().encode('0123456789abcdefghij');

function tree(extra: Record<string, TestFileSpec> = {}): Record<string, TestFileSpec> {
	const files: Record<string, TestFileSpec> = {};
	for (const name of ROOT) files[`/${name}`] = { directory: true };
	return {
		...files,
		'/DCIM/100APPLE/IMG_0001.JPG': small,
		'/DCIM/100APPLE/IMG_0002.MOV': { size: 10 * MiB + 3, seed: 2 },
		'/DCIM/100APPLE/IMG_0003.HEIC': { size: 2_000_000, seed: 3, unreadable: true },
		...extra,
	};
}

/** A raw AFC conversation with the simulated afcd: packets in, exact reply bytes out. */
function phone(options: AfcdOptions = {}, files = tree()) {
	const [host, device] = createChannelPair();
	const session = serveAfc(device, createTestFileSystem(files), options);
	const writer = host.writable.getWriter();
	const reader = new ByteReader(host.readable);
	const reply = async (): Promise<{ bytes: Uint8Array; packet: AfcPacket }> => {
		const head = (await reader.readExactly(40)).slice();
		const header = decodeHeader(head);
		const body = (await reader.readExactly(header.entireLength - 40)).slice();
		const bytes = new Uint8Array(header.entireLength);
		bytes.set(head);
		bytes.set(body, 40);
		return { bytes, packet: { header, body } };
	};
	const ask = async (packet: Uint8Array) => {
		await writer.write(packet);
		return reply();
	};
	const status = async (packet: Uint8Array) => {
		const { packet: answer } = await ask(packet);
		expect(answer.header.operation).toBe(AfcOperation.Status);
		expect(answer.header.thisLength).toBe(48);
		return Number(new DataView(answer.body.buffer, answer.body.byteOffset).getBigUint64(0, true));
	};
	const open = async (path: string) => {
		const { packet } = await ask(encodeFileOpen(1, path));
		expect(packet.header.operation).toBe(AfcOperation.FileRefOpenResult);
		return new DataView(packet.body.buffer, packet.body.byteOffset).getBigUint64(0, true);
	};
	return { session, ask, status, open, reply, writer, reader, host };
}

describe('simulated afcd, against real device bytes', () => {
	it('answers ReadDir("/") byte for byte as the appium fixture', async () => {
		const { ask } = phone();
		expect((await ask(encodeReadDir(0, '/'))).bytes).toEqual(await fixture('afclistdirresponse.bin'));
	});

	it('answers GetFileInfo of an empty folder byte for byte as the fixture', async () => {
		const { ask } = phone();
		expect((await ask(encodeGetFileInfo(0, '/Books'))).bytes).toEqual(await fixture('afcfileinforesponse.bin'));
	});

	it('answers FileRefClose with the fixture success status', async () => {
		const { ask, open } = phone();
		const handle = await open('/DCIM/100APPLE/IMG_0001.JPG');
		expect((await ask(encodeFileClose(0, handle))).bytes).toEqual(await fixture('afcsuccessresponse.bin'));
	});
});

describe('simulated afcd', () => {
	it('describes files with the device keys, 4 KiB allocation in 512-byte blocks', async () => {
		const { ask } = phone();
		const { packet } = await ask(encodeGetFileInfo(9, 'DCIM/100APPLE/IMG_0001.JPG'));
		expect(packet.header).toMatchObject({ packetNumber: 9, operation: AfcOperation.Data, thisLength: 40 });
		expect(decodeStringList(packet.body)).toEqual([
			'st_size', '20', 'st_blocks', '8', 'st_nlink', '1', 'st_ifmt', 'S_IFREG',
			'st_mtime', '1494244521000000000', 'st_birthtime', '1494244521000000000',
		]);
	});

	it('lists "." and ".." first, accepts relative paths, and reports its storage', async () => {
		const { ask } = phone({ model: 'iPhone16,1' });
		expect(decodeStringList((await ask(encodeReadDir(1, 'DCIM/./100APPLE/'))).packet.body)).toEqual([
			'.', '..', 'IMG_0001.JPG', 'IMG_0002.MOV', 'IMG_0003.HEIC',
		]);
		expect(decodeStringList((await ask(encodeGetDeviceInfo(2))).packet.body)).toEqual([
			'Model', 'iPhone16,1', 'FSTotalBytes', '127989493760', 'FSFreeBytes', '42000000000', 'FSBlockSize', '4096',
		]);
	});

	it('answers missing paths, folders and files in the wrong place with the device statuses', async () => {
		const { status } = phone();
		expect(await status(encodeGetFileInfo(1, '/nope'))).toBe(AfcStatus.ReadError);
		expect(await status(encodeReadDir(1, '/nope'))).toBe(AfcStatus.ObjectNotFound);
		expect(await status(encodeReadDir(1, '/DCIM/100APPLE/IMG_0001.JPG'))).toBe(AfcStatus.ReadError);
		expect(await status(encodeFileOpen(1, '/nope'))).toBe(AfcStatus.ObjectNotFound);
		expect(await status(encodeFileOpen(1, '/DCIM'))).toBe(AfcStatus.ObjectIsDir);
		expect(await status(encodeFileOpen(1, '/DCIM/100APPLE/IMG_0001.JPG', 3))).toBe(AfcStatus.PermDenied);
		expect(await status(encodeFileOpen(1, '/DCIM/100APPLE/IMG_0001.JPG', 9))).toBe(AfcStatus.InvalidArg);
		expect(await status(encodeFileOpen(1, '/DCIM/100APPLE/IMG_0003.HEIC'))).toBe(AfcStatus.IoError);
		expect(await status(encodeFileRead(1, 77n, 10))).toBe(AfcStatus.InvalidArg);
		expect(await status(encodeFileClose(1, 77n))).toBe(AfcStatus.InvalidArg);
		expect(await status(encodePacket(1, AfcOperation.MakeDir, new TextEncoder().encode('/x\0')))).toBe(
			AfcStatus.OpNotSupported,
		);
		expect(await status(encodePacket(1, AfcOperation.FileRefRead, new Uint8Array(4)))).toBe(AfcStatus.OpHeaderInvalid);
	});

	it('reads in order from the handle position, capped by the request, the read limit and the file', async () => {
		const { ask, open, status } = phone({ maxReadLength: 4 * MiB });
		const path = '/DCIM/100APPLE/IMG_0002.MOV';
		const handle = await open(path);
		const first = (await ask(encodeFileRead(1, handle, 1000))).packet;
		expect(first.header).toMatchObject({ operation: AfcOperation.Data, thisLength: 40 });
		expect(first.body).toEqual(syntheticBytes(2, 0, 1000));
		const capped = (await ask(encodeFileRead(2, handle, 8 * MiB))).packet;
		// Compared as buffers: element-wise deep equality of 4 MiB is slow.
		expect(Buffer.from(capped.body).equals(syntheticBytes(2, 1000, 4 * MiB))).toBe(true);
		expect(capped.body.byteLength).toBe(4 * MiB);
		expect(await status(encodeFileSeek(3, handle, -5, AfcSeekFrom.End))).toBe(AfcStatus.Success);
		const tell = (await ask(encodeFileTell(4, handle))).packet;
		expect(tell.header).toMatchObject({ operation: AfcOperation.FileRefTellResult, thisLength: 48, entireLength: 48 });
		expect(new DataView(tell.body.buffer, tell.body.byteOffset).getBigUint64(0, true)).toBe(BigInt(10 * MiB - 2));
		expect((await ask(encodeFileRead(5, handle, 100))).packet.body).toEqual(syntheticBytes(2, 10 * MiB - 2, 5));
		const end = (await ask(encodeFileRead(6, handle, 100))).packet;
		expect(end.header).toMatchObject({ operation: AfcOperation.Data, entireLength: 40 });
		expect(await status(encodeFileSeek(7, handle, -1, AfcSeekFrom.Start))).toBe(AfcStatus.InvalidArg);
		expect(await status(encodeFileSeek(7, handle, 0, 5 as AfcSeekFrom))).toBe(AfcStatus.InvalidArg);
		expect(await status(encodeFileSeek(8, handle, 10, AfcSeekFrom.Current))).toBe(AfcStatus.Success);
	});

	it('numbers handles from 1, forgets closed ones, and runs out of slots with NO_RESOURCES', async () => {
		const { open, status, session } = phone({ maxOpenFiles: 2 });
		const path = '/DCIM/100APPLE/IMG_0001.JPG';
		expect(await open(path)).toBe(1n);
		expect(await open(path)).toBe(2n);
		expect(session.openFiles).toBe(2);
		expect(await status(encodeFileOpen(1, path))).toBe(AfcStatus.NoResources);
		expect(await status(encodeFileClose(1, 1n))).toBe(AfcStatus.Success);
		expect(await status(encodeFileRead(1, 1n, 4))).toBe(AfcStatus.InvalidArg);
		expect(await open(path)).toBe(3n);
	});

	it('shows each request to beforeAnswer, with the read position', async () => {
		const seen: AfcdRequest[] = [];
		const { ask, open } = phone({ beforeAnswer: (request) => void seen.push(request) });
		const handle = await open('/DCIM/100APPLE/IMG_0002.MOV');
		await ask(encodeFileRead(5, handle, 10));
		await ask(encodeFileRead(6, handle, 10));
		expect(seen.map((r) => [r.kind, r.path, r.offset, r.length])).toEqual([
			['open', '/DCIM/100APPLE/IMG_0002.MOV', undefined, undefined],
			['read', '/DCIM/100APPLE/IMG_0002.MOV', 0, 10],
			['read', '/DCIM/100APPLE/IMG_0002.MOV', 10, 10],
		]);
	});

	it('holds its answers while beforeAnswer is pending: a pause at a chosen read', async () => {
		let resume!: () => void;
		const paused = new Promise<void>((resolve) => (resume = resolve));
		const { writer, reply, open } = phone({
			beforeAnswer: (r) => (r.kind === 'read' && (r.offset ?? 0) >= 10 ? paused : undefined),
		});
		const handle = await open('/DCIM/100APPLE/IMG_0002.MOV');
		await writer.write(encodeFileRead(1, handle, 10));
		expect((await reply()).packet.body).toEqual(syntheticBytes(2, 0, 10));
		await writer.write(encodeFileRead(2, handle, 10));
		let arrived = false;
		const next = reply().then((r) => ((arrived = true), r));
		for (let i = 0; i < 20; i++) await new Promise((resolve) => setTimeout(resolve, 0));
		expect(arrived).toBe(false);
		resume();
		expect((await next).packet.body).toEqual(syntheticBytes(2, 10, 10));
	});

	it('can answer with a wrong packet number or a chosen status', async () => {
		const { ask, status } = phone({
			faults: {
				packetNumber: (r) => (r.kind === 'get-device-info' ? r.packetNumber + 100 : undefined),
				status: (r) => (r.path === '/Books' ? AfcStatus.PermDenied : undefined),
			},
		});
		expect((await ask(encodeGetDeviceInfo(4))).packet.header.packetNumber).toBe(104);
		expect(await status(encodeReadDir(5, '/Books'))).toBe(AfcStatus.PermDenied);
	});

	it('cuts the connection after a chosen number of reply bytes, mid-packet', async () => {
		const { writer, reader, session } = phone({ faults: { closeAfterBytes: 60 } });
		await writer.write(encodeReadDir(1, '/'));
		expect((await reader.readExactly(60)).byteLength).toBe(60);
		await expect(reader.readExactly(1)).rejects.toMatchObject({ code: 'connection-closed' });
		await session.done;
	});

	it('ends the connection on a request stream out of step, and on a request too large to hold', async () => {
		const garbage = phone();
		await garbage.writer.write(new TextEncoder().encode('GET / HTTP/1.1\r\n\r\n' + 'x'.repeat(40)));
		await garbage.session.done;
		await expect(garbage.reader.readExactly(1)).rejects.toMatchObject({ code: 'connection-closed' });

		const huge = phone();
		const header = encodePacket(1, AfcOperation.FileRefWrite).slice();
		new DataView(header.buffer).setBigUint64(8, 2n ** 40n, true);
		await huge.writer.write(header);
		await huge.session.done;
	});
});

describe('simulated afcd, strict about pipelining', () => {
	const statusOf = (packet: AfcPacket) => Number(new DataView(packet.body.buffer, packet.body.byteOffset).getBigUint64(0, true));

	it('answers requests in order, and refuses one that comes while maxOutstanding are unanswered', async () => {
		const { writer, reply, session } = phone({ pipelining: { maxOutstanding: 2, replyLatencyMs: 0 } });
		const sent = [encodeGetFileInfo(1, '/DCIM'), encodeReadDir(2, '/Books'), encodeGetFileInfo(3, '/Books')];
		await writer.write(new Uint8Array(sent.flatMap((packet) => [...packet])));
		const answers = [await reply(), await reply(), await reply()].map((r) => r.packet);
		expect(answers.map((a) => a.header.packetNumber)).toEqual([1, 2, 3]);
		expect(answers.slice(0, 2).map((a) => a.header.operation)).toEqual([AfcOperation.Data, AfcOperation.Data]);
		expect(answers[2]!.header.operation).toBe(AfcOperation.Status);
		expect(statusOf(answers[2]!)).toBe(AfcStatus.IoError);
		expect(session.refused).toBe(1);
		expect(session.deepestPipeline).toBe(3);
	});

	it("in 'refuse' mode, refuses every request sent before the one ahead was answered, and serves one sent after", async () => {
		const { writer, reply, status, session, open } = phone({ pipelining: { mode: 'refuse', refusal: AfcStatus.OpWouldBlock } });
		const handle = await open('/DCIM/100APPLE/IMG_0002.MOV');
		await writer.write(new Uint8Array([...encodeFileRead(2, handle, 10), ...encodeFileRead(3, handle, 10)]));
		expect((await reply()).packet.body).toEqual(syntheticBytes(2, 0, 10));
		expect(statusOf((await reply()).packet)).toBe(AfcStatus.OpWouldBlock);
		// The refused read moved nothing: the next one, alone, reads on from 10.
		const next = await (async () => {
			await writer.write(encodeFileRead(4, handle, 10));
			return reply();
		})();
		expect(next.packet.body).toEqual(syntheticBytes(2, 10, 10));
		expect(await status(encodeFileClose(5, handle))).toBe(AfcStatus.Success);
		expect(session.refused).toBe(1);
	});

	it('answers no sooner than its reply latency after a request came, a pipelined batch within one latency', async () => {
		const { writer, reply, ask } = phone({ pipelining: { replyLatencyMs: 40 } });
		let started = Date.now();
		await ask(encodeGetFileInfo(1, '/DCIM'));
		expect(Date.now() - started).toBeGreaterThanOrEqual(39);
		started = Date.now();
		await writer.write(new Uint8Array([...encodeGetFileInfo(2, '/DCIM'), ...encodeGetFileInfo(3, '/Books'), ...encodeReadDir(4, '/')]));
		for (let i = 0; i < 3; i++) await reply();
		const took = Date.now() - started;
		expect(took).toBeGreaterThanOrEqual(39);
		expect(took).toBeLessThan(3 * 40);
	});
});
