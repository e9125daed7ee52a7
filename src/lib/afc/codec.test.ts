import { readFile } from 'node:fs/promises';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isDeviceError } from '../errors';
import { AFC_HEADER_LENGTH, AfcOperation, AfcSeekFrom, AfcStatus } from './constants';
import { formatDeviceInfo, formatFileInfo, parseDeviceInfo, parseFileInfo, toDeviceFileInfo } from './file-info';
import { decodeHeader, encodePacket, type AfcPacket } from './packet';
import { AfcPacketDecoder } from './packet-decoder';
import {
	encodeData,
	encodeOpenResult,
	encodeStatus,
	encodeTellResult,
	expectData,
	expectHandle,
	expectPosition,
	expectSuccess,
} from './replies';
import {
	decodeRequest,
	encodeFileClose,
	encodeFileOpen,
	encodeFileRead,
	encodeFileSeek,
	encodeFileTell,
	encodeGetDeviceInfo,
	encodeGetFileInfo,
	encodeReadDir,
} from './requests';
import { decodeStringList, encodeStringList } from './strings';

const fixtures = new URL('../../../../shared/fixtures/bytes/appium-ios-device/', import.meta.url);
const fixture = async (name: string) => new Uint8Array(await readFile(new URL(name, fixtures)));

interface DecodedAfc {
	entire: number;
	this: number;
	pkt: number;
	op: number;
	hdr: string;
	data: Uint8Array;
}

/** The python `b'...'` literal of decoded.txt, as bytes. */
function pythonBytes(literal: string): Uint8Array {
	const out: number[] = [];
	for (let i = 0; i < literal.length; i++) {
		const c = literal[i]!;
		if (c !== '\\') {
			out.push(c.charCodeAt(0));
			continue;
		}
		const e = literal[++i]!;
		if (e === 'x') {
			out.push(parseInt(literal.slice(i + 1, i + 3), 16));
			i += 2;
		} else {
			out.push({ n: 10, r: 13, t: 9, '\\': 92, "'": 39 }[e] ?? e.charCodeAt(0));
		}
	}
	return Uint8Array.from(out);
}

/** What decoded.txt (written by the fixtures' collector, in Python) says each AFC fixture holds. */
async function decodedTxt(): Promise<Map<string, DecodedAfc>> {
	const text = await readFile(new URL('decoded.txt', fixtures), 'utf8');
	const result = new Map<string, DecodedAfc>();
	let file = '';
	for (const line of text.split('\n')) {
		const name = /^== (\S+)/.exec(line);
		if (name) file = name[1]!;
		const afc = /AFC entire=(\d+) this=(\d+) pkt=(\d+) op=(\d+) hdr=([0-9a-f]*) data=b'(.*)'$/.exec(line);
		if (afc) {
			result.set(file, {
				entire: Number(afc[1]),
				this: Number(afc[2]),
				pkt: Number(afc[3]),
				op: Number(afc[4]),
				hdr: afc[5]!,
				data: pythonBytes(afc[6]!),
			});
		}
	}
	return result;
}

function decodeOne(bytes: Uint8Array): AfcPacket {
	const packets = new AfcPacketDecoder(() => Number.MAX_SAFE_INTEGER).push(bytes);
	expect(packets).toHaveLength(1);
	return packets[0]!;
}

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

describe('AFC fixtures from a real device (appium-ios-device)', () => {
	it('decode to what decoded.txt says', async () => {
		const decoded = await decodedTxt();
		expect([...decoded.keys()].filter((k) => k.startsWith('afc')).sort()).toEqual([
			'afcfileinforesponse.bin',
			'afclistdirresponse.bin',
			'afcsuccessresponse.bin',
		]);
		for (const [name, expected] of decoded) {
			if (!name.startsWith('afc')) continue;
			const packet = decodeOne(await fixture(name));
			expect(packet.header).toEqual({
				entireLength: expected.entire,
				thisLength: expected.this,
				packetNumber: expected.pkt,
				operation: expected.op,
			});
			const headerPayload = packet.body.subarray(0, expected.this - AFC_HEADER_LENGTH);
			expect(hex(headerPayload)).toBe(expected.hdr);
			expect(packet.body.subarray(expected.this - AFC_HEADER_LENGTH)).toEqual(expected.data);
		}
	});

	it('read as a listing, a file description and a success', async () => {
		const decoded = await decodedTxt();
		const listing = decodeOne(await fixture('afclistdirresponse.bin'));
		const names = decodeStringList(expectData(listing, 'list', '/'));
		expect(names.join('\0') + '\0').toBe(new TextDecoder().decode(decoded.get('afclistdirresponse.bin')!.data));
		expect(names.slice(0, 3)).toEqual(['.', '..', 'AirFair']);

		const info = parseFileInfo(expectData(decodeOne(await fixture('afcfileinforesponse.bin')), 'stat', '/'));
		expect(info).toMatchObject({ kind: 'directory', size: 64, blocks: 0, links: 2 });
		expect(info.modifiedTimeNs).toBe(1494244521000000000n);
		expect(info.birthTimeNs).toBe(1494244521000000000n);
		expect(toDeviceFileInfo(info)).toEqual({
			kind: 'directory',
			size: 64,
			birthTime: 1494244521000,
			modifiedTime: 1494244521000,
		});

		const success = decodeOne(await fixture('afcsuccessresponse.bin'));
		expect(() => expectSuccess(success, 'close')).not.toThrow();
	});

	it('our encoders produce the same bytes for the same content', async () => {
		const listing = decodeStringList(decodeOne(await fixture('afclistdirresponse.bin')).body);
		expect(encodeData(0, encodeStringList(listing))).toEqual(await fixture('afclistdirresponse.bin'));
		const info = formatFileInfo({
			kind: 'directory',
			size: 64,
			blocks: 0,
			links: 2,
			modifiedTimeNs: 1494244521000000000n,
			birthTimeNs: 1494244521000000000n,
		});
		expect(encodeData(0, info)).toEqual(await fixture('afcfileinforesponse.bin'));
		expect(encodeStatus(0, AfcStatus.Success)).toEqual(await fixture('afcsuccessresponse.bin'));
	});
});

describe('AFC requests', () => {
	it('put parameters in the header-payload, as libimobiledevice does', () => {
		const packet = encodeFileRead(7, 3n, 0x100000);
		expect(hex(packet)).toBe(
			'434641364c504141' + // "CFA6LPAA"
				'3800000000000000' + // entire 56
				'3800000000000000' + // this 56
				'0700000000000000' + // packet 7
				'0f00000000000000' + // FileRefRead
				'0300000000000000' + // handle
				'0000100000000000', // 1 MiB
		);
		const open = encodeFileOpen(1, '/DCIM');
		expect(decodeHeader(open)).toEqual({ entireLength: 54, thisLength: 54, packetNumber: 1, operation: 0x0d });
		expect(hex(open.subarray(40))).toBe('0100000000000000' + hex(new TextEncoder().encode('/DCIM\0')));
	});

	it('decode to what was encoded, 64-bit values included', () => {
		const u64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
		const safe = fc.integer({ min: 0, max: 2 ** 52 });
		const path = fc.string({ unit: 'grapheme', maxLength: 40 }).filter((p) => !p.includes('\0'));
		fc.assert(
			fc.property(fc.nat(), path, u64, safe, fc.integer({ min: -(2 ** 52), max: 2 ** 52 }), (n, p, handle, length, offset) => {
				const decode = (bytes: Uint8Array) => decodeRequest(decodeOne(bytes));
				expect(decode(encodeReadDir(n, p))).toEqual({ kind: 'read-dir', path: p });
				expect(decode(encodeGetFileInfo(n, p))).toEqual({ kind: 'get-file-info', path: p });
				expect(decode(encodeGetDeviceInfo(n))).toEqual({ kind: 'get-device-info' });
				expect(decode(encodeFileOpen(n, p))).toEqual({ kind: 'open', path: p, mode: 1 });
				expect(decode(encodeFileRead(n, handle, length))).toEqual({ kind: 'read', handle, length });
				expect(decode(encodeFileSeek(n, handle, offset, AfcSeekFrom.End))).toEqual({
					kind: 'seek',
					handle,
					whence: 2,
					offset,
				});
				expect(decode(encodeFileTell(n, handle))).toEqual({ kind: 'tell', handle });
				expect(decode(encodeFileClose(n, handle))).toEqual({ kind: 'close', handle });
				expect(decodeHeader(encodeFileClose(n, handle)).packetNumber).toBe(n);
			}),
		);
	});

	it('reads parameters sent pymobiledevice3-style (this_length = 40, all in the payload)', () => {
		const parameters = new Uint8Array(16);
		const view = new DataView(parameters.buffer);
		view.setBigUint64(0, 5n, true);
		view.setBigUint64(8, 4096n, true);
		const packet = encodePacket(2, AfcOperation.FileRefRead, undefined, parameters);
		expect(decodeRequest(decodeOne(packet))).toEqual({ kind: 'read', handle: 5n, length: 4096 });
	});

	it('clamps an absurd read length instead of trusting it, and refuses a short request', () => {
		const parameters = new Uint8Array(16).fill(0xff);
		const read = decodeRequest(decodeOne(encodePacket(2, AfcOperation.FileRefRead, parameters)));
		expect(read).toMatchObject({ kind: 'read', length: 2 ** 52 });
		const short = () => decodeRequest(decodeOne(encodePacket(2, AfcOperation.FileRefRead, new Uint8Array(8))));
		expect(short).toThrow(expect.objectContaining({ code: 'protocol' }));
	});
});

describe('AFC replies', () => {
	it('carry handles and positions in the header-payload, as go-ios expects', () => {
		const open = encodeOpenResult(4, 2n ** 63n + 5n);
		expect(decodeHeader(open)).toEqual({ entireLength: 48, thisLength: 48, packetNumber: 4, operation: 0x0e });
		expect(expectHandle(decodeOne(open), '/x')).toBe(2n ** 63n + 5n);
		const tell = encodeTellResult(5, 5 * 2 ** 30);
		expect(decodeHeader(tell).operation).toBe(0x13);
		expect(expectPosition(decodeOne(tell))).toBe(5 * 2 ** 30);
	});

	it('turn a status into the matching error, with the status kept', () => {
		const cases: [number, string, Parameters<typeof expectData>[1], string][] = [
			[AfcStatus.ObjectNotFound, 'file-not-found', 'open', 'no such file'],
			[AfcStatus.ReadError, 'file-not-found', 'stat', 'missing path to GetFileInfo'],
			[AfcStatus.ReadError, 'file-not-found', 'list', 'not a folder'],
			[AfcStatus.ReadError, 'file-unreadable', 'read', 'read error'],
			[AfcStatus.IoError, 'file-unreadable', 'open', 'iCloud placeholder'],
			[AfcStatus.PermDenied, 'file-permission', 'open', 'permission'],
			[AfcStatus.NoResources, 'device-busy', 'open', 'no file slots'],
			[AfcStatus.ObjectBusy, 'device-busy', 'open', 'busy'],
			[AfcStatus.OpNotSupported, 'afc-unsupported', 'list', 'not supported'],
			[AfcStatus.UnknownPacketType, 'afc-unsupported', 'list', 'unknown packet type'],
			[AfcStatus.OpTimeout, 'timeout', 'read', 'timeout'],
			[AfcStatus.ObjectIsDir, 'afc-failed', 'open', 'a folder'],
			[AfcStatus.IoError, 'afc-failed', 'list', 'I/O error listing'],
			[99, 'afc-failed', 'read', 'unknown code'],
		];
		for (const [status, code, action, why] of cases) {
			const error = (() => {
				try {
					expectData(decodeOne(encodeStatus(1, status)), action, '/DCIM/IMG_0001.HEIC');
				} catch (e) {
					return e as { code: string; status: number; message: string };
				}
			})();
			expect(error?.code, why).toBe(code);
			expect(error?.status, why).toBe(status);
			expect(error?.message.length, why).toBeGreaterThan(10);
		}
	});

	it('read device info', () => {
		const body = formatDeviceInfo({ model: 'iPhone14,5', totalBytes: 2 ** 40, freeBytes: 3, blockSize: 4096 });
		expect(new TextDecoder().decode(body)).toBe('Model\0iPhone14,5\0FSTotalBytes\0' + 2 ** 40 + '\0FSFreeBytes\x003\0FSBlockSize\x004096\0');
		expect(parseDeviceInfo(body)).toMatchObject({ model: 'iPhone14,5', totalBytes: 2 ** 40, freeBytes: 3, blockSize: 4096 });
	});

	it('refuse file descriptions that lack what we need or claim the impossible', () => {
		const info = (pairs: [string, string][]) => () => parseFileInfo(encodeStringList(pairs.flat()));
		expect(info([['st_ifmt', 'S_IFREG'], ['st_mtime', '1']])).toThrow(expect.objectContaining({ code: 'protocol' }));
		expect(info([['st_size', '1'], ['st_mtime', '1']])).toThrow(expect.objectContaining({ code: 'protocol' }));
		expect(info([['st_size', '-1'], ['st_ifmt', 'S_IFREG'], ['st_mtime', '1']])).toThrow(
			expect.objectContaining({ code: 'protocol' }),
		);
		expect(info([['st_size', '99999999999999999999'], ['st_ifmt', 'S_IFREG'], ['st_mtime', '1']])).toThrow(
			expect.objectContaining({ code: 'too-large' }),
		);
		expect(() => parseFileInfo(encodeStringList(['st_size']))).toThrow(expect.objectContaining({ code: 'protocol' }));
		const link = parseFileInfo(
			encodeStringList(['st_size', '5', 'st_ifmt', 'S_IFLNK', 'st_mtime', '7', 'LinkTarget', '/var/x']),
		);
		expect(link).toMatchObject({ kind: 'symlink', linkTarget: '/var/x', birthTimeNs: 7n, blocks: 0, links: 1 });
	});
});

describe('AfcPacketDecoder', () => {
	const packetArb = fc.record({
		packetNumber: fc.nat(),
		operation: fc.integer({ min: 1, max: 0x28 }),
		headerPayload: fc.uint8Array({ maxLength: 60 }),
		payload: fc.uint8Array({ maxLength: 200 }),
	});

	it('cuts any chunking of a stream into the packets that were sent', () => {
		fc.assert(
			fc.property(fc.array(packetArb, { maxLength: 8 }), fc.array(fc.integer({ min: 1, max: 97 }), { maxLength: 40 }), (sent, cuts) => {
				const encoded = sent.map((p) => encodePacket(p.packetNumber, p.operation, p.headerPayload, p.payload));
				const stream = new Uint8Array(encoded.reduce((n, p) => n + p.byteLength, 0));
				let at = 0;
				for (const p of encoded) {
					stream.set(p, at);
					at += p.byteLength;
				}
				const decoder = new AfcPacketDecoder(() => 1000);
				const received: AfcPacket[] = [];
				at = 0;
				for (let i = 0; at < stream.byteLength; i++) {
					const n = cuts.length === 0 ? stream.byteLength : cuts[i % cuts.length]!;
					received.push(...decoder.push(stream.subarray(at, at + n)));
					at += n;
				}
				expect(decoder.idle).toBe(true);
				expect(received.map((p) => [p.header.packetNumber, p.header.operation, hex(p.body)])).toEqual(
					sent.map((p) => [p.packetNumber, p.operation, hex(p.headerPayload) + hex(p.payload)]),
				);
			}),
		);
	});

	it('refuses an announced length beyond the limit as soon as the header is in, before allocating', () => {
		const header = encodePacket(1, 2).subarray(0, 40).slice();
		new DataView(header.buffer).setBigUint64(8, 40n + 8n * 1024n * 1024n + 1n, true);
		const decoder = new AfcPacketDecoder(() => 8 * 1024 * 1024);
		expect(() => decoder.push(header)).toThrow(expect.objectContaining({ code: 'too-large' }));
		expect(decoder.heldBytes).toBe(0);
		expect(() => decoder.push(new Uint8Array(1))).toThrow(expect.objectContaining({ code: 'protocol' }));
	});

	it('refuses bad magic, inconsistent lengths and lengths beyond 2^53', () => {
		const bad = (mutate: (view: DataView) => void) => {
			const packet = encodePacket(1, 1, new Uint8Array(8));
			mutate(new DataView(packet.buffer));
			return () => new AfcPacketDecoder(() => 1 << 20).push(packet);
		};
		expect(bad((v) => v.setUint8(0, 0x41))).toThrow(expect.objectContaining({ code: 'protocol' }));
		expect(bad((v) => v.setBigUint64(16, 39n, true))).toThrow(expect.objectContaining({ code: 'protocol' }));
		expect(bad((v) => v.setBigUint64(16, 49n, true))).toThrow(expect.objectContaining({ code: 'protocol' }));
		expect(bad((v) => v.setBigUint64(8, 2n ** 60n, true))).toThrow(expect.objectContaining({ code: 'too-large' }));
		expect(bad((v) => v.setBigUint64(24, 2n ** 63n, true))).toThrow(expect.objectContaining({ code: 'too-large' }));
	});

	it('meets random and mutated bytes with DeviceErrors only, holding no more than the limit', () => {
		const limit = 4096;
		const valid = [
			encodeStatus(3, 8),
			encodeData(3, encodeStringList(['.', '..', 'DCIM'])),
			encodeData(3, formatFileInfo({ kind: 'file', size: 9, blocks: 8, links: 1, modifiedTimeNs: 1n, birthTimeNs: 2n })),
			encodeOpenResult(3, 1n),
		];
		const input = fc.oneof(
			fc.uint8Array({ maxLength: 300 }),
			fc
				.tuple(fc.constantFrom(...valid), fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 6 }), fc.nat(60))
				.map(([packet, flips, cut]) => {
					const copy = packet.slice(0, Math.max(0, packet.byteLength - cut));
					for (const [at, value] of flips) if (copy.byteLength > 0) copy[at % copy.byteLength] = value;
					return copy;
				}),
		);
		fc.assert(
			fc.property(fc.array(input, { minLength: 1, maxLength: 4 }), (chunks) => {
				const decoder = new AfcPacketDecoder(() => limit);
				try {
					for (const chunk of chunks) {
						for (const packet of decoder.push(chunk)) {
							expect(packet.body.byteLength).toBeLessThanOrEqual(limit);
							for (const action of ['list', 'stat', 'read'] as const) {
								for (const parse of [
									() => decodeStringList(expectData(packet, action)),
									() => parseFileInfo(expectData(packet, action)),
									() => parseDeviceInfo(expectData(packet, action)),
									() => expectHandle(packet, '/x'),
									() => expectPosition(packet),
									() => expectSuccess(packet, action),
								]) {
									try {
										parse();
									} catch (error) {
										expect(isDeviceError(error), String(error)).toBe(true);
									}
								}
							}
						}
						expect(decoder.heldBytes).toBeLessThanOrEqual(limit + AFC_HEADER_LENGTH);
					}
				} catch (error) {
					expect(isDeviceError(error), String(error)).toBe(true);
				}
			}),
		);
	});
});

describe('listings of any size', () => {
	it('decodes no more names than asked for, and skips empty names without decoding them', () => {
		const names = Array.from({ length: 50_000 }, (_, i) => `IMG_${i}.HEIC`);
		const listing = encodeStringList(['.', '..', ...names]);
		const skip = (name: string) => name === '.' || name === '..' || name === '';
		expect(decodeStringList(listing, { limit: 10_001, skip })).toEqual(names.slice(0, 10_001));
		// Sixteen million NULs: a listing of nothing but empty names is nothing.
		expect(decodeStringList(new Uint8Array(16 * 1024 * 1024), { skip })).toEqual([]);
		expect(decodeStringList(encodeStringList(['a', '', 'b']))).toEqual(['a', '', 'b']);
	});
});
