import { isDeviceError } from '../../lib/errors';
import { AfcClient } from '../../lib/afc/client';
import { AFC_HEADER_LENGTH, AfcLimits, AfcStatus } from '../../lib/afc/constants';
import { formatDeviceInfo, formatFileInfo, parseDeviceInfo, parseFileInfo } from '../../lib/afc/file-info';
import type { AfcHeader } from '../../lib/afc/packet';
import { AfcPacketDecoder } from '../../lib/afc/packet-decoder';
import { encodeData, encodeOpenResult, encodeStatus, encodeTellResult, expectData, expectHandle, expectPosition, expectSuccess } from '../../lib/afc/replies';
import { decodeStringList, encodeStringList } from '../../lib/afc/strings';
import { concatBytes } from '../../lib/bytes';
import { expect } from '../contract';
import { deviceCapture, type SeedCorpus } from '../corpus';
import { chunksOf, cutAtMessages, fuzzInputs } from '../mutate';
import type { FuzzTarget } from '../run';
import { scriptedChannel } from '../scripted';

/**
 * What each request in flight may get back, by packet number (as AfcConnection holds its requests):
 * the client's real ceilings, except reads and listings, scaled down so that a case stays cheap
 * (the decoder's check is the same whatever the number).
 */
const WAITING: readonly { limit: number; reply: 'small' | 'handle' | 'position' | 'file-info' | 'device-info' | 'list' | 'data' }[] = [
	{ limit: AfcLimits.maxSmallReply, reply: 'small' },
	{ limit: AfcLimits.maxInfoReply, reply: 'file-info' },
	{ limit: 256 * 1024, reply: 'list' },
	{ limit: AfcLimits.maxSmallReply, reply: 'handle' },
	{ limit: 64 * 1024, reply: 'data' },
	{ limit: AfcLimits.maxSmallReply, reply: 'position' },
	{ limit: AfcLimits.maxInfoReply, reply: 'device-info' },
];

function waiterFor(header: AfcHeader) {
	const waiter = WAITING[header.packetNumber];
	if (waiter === undefined) throw new AfcPacketRefused();
	return waiter;
}

/** Stands in for AfcConnection's refusal of a reply nobody waits for (a DeviceError there). */
class AfcPacketRefused extends Error {}

function afcSeeds(corpus: SeedCorpus): Uint8Array[] {
	const captures = ['afcsuccessresponse.bin', 'afcfileinforesponse.bin', 'afclistdirresponse.bin'].map((name) =>
		deviceCapture(corpus, name),
	);
	const info = formatFileInfo({ kind: 'file', size: 2_020_333, blocks: 3952, links: 1, modifiedTimeNs: 1748269626603000000n, birthTimeNs: 1748269626603000000n });
	const device = formatDeviceInfo({ model: 'iPhone15,2', totalBytes: 127_989_493_760, freeBytes: 5_000_000_000, blockSize: 4096 });
	return [
		...captures,
		concatBytes([
			encodeStatus(0, AfcStatus.Success),
			encodeData(1, info),
			encodeData(2, encodeStringList(['.', '..', 'IMG_0001.HEIC', 'IMG_0001.MOV', 'Ünïcødé.JPG'])),
			encodeOpenResult(3, 0xfeedface12345678n),
			encodeData(4, new Uint8Array(3000).map((_, i) => i)),
			encodeTellResult(5, 3000),
			encodeData(6, device),
		]),
		concatBytes([encodeStatus(0, AfcStatus.ObjectNotFound), encodeStatus(1, AfcStatus.ReadError), encodeStatus(3, 0xdeadbeef)]),
	];
}

/** The packet decoder over random pieces, then the reply readers for each request's kind. */
function packetsTarget(corpus: SeedCorpus): FuzzTarget {
	return {
		name: 'afc.packets',
		description: 'AfcPacketDecoder (random pieces, per-request limits), expect*, parseFileInfo, parseDeviceInfo, decodeStringList',
		inputs: fuzzInputs({ seeds: afcSeeds(corpus), chunked: true }),
		mayThrow: 'device-error',
		allocationBound: () => Math.max(...WAITING.map((waiter) => waiter.limit)),
		quickCases: 1000,
		run(input) {
			const decoder = new AfcPacketDecoder((header) => waiterFor(header).limit);
			try {
				for (const piece of chunksOf(input)) {
					for (const packet of decoder.push(piece)) {
						const { limit, reply } = waiterFor(packet.header);
						expect(packet.body.length <= limit, `a ${packet.body.length}-byte body came out where ${limit} were allowed`);
						expect(packet.header.entireLength - AFC_HEADER_LENGTH === packet.body.length, 'the body length disagrees with the header');
						readReply(reply, packet);
					}
				}
			} catch (error) {
				if (!(error instanceof AfcPacketRefused)) throw error;
			}
			expect(decoder.heldBytes <= AFC_HEADER_LENGTH + 256 * 1024, 'more bytes held than one reply may have');
		},
	};
}

function readReply(reply: (typeof WAITING)[number]['reply'], packet: Parameters<typeof expectData>[0]): void {
	switch (reply) {
		case 'small':
			return expectSuccess(packet, 'close');
		case 'handle':
			expectHandle(packet, '/DCIM/100APPLE/IMG_0001.HEIC');
			return;
		case 'position':
			expect(Number.isSafeInteger(expectPosition(packet)), 'a position that is not an exact number');
			return;
		case 'file-info': {
			const info = parseFileInfo(expectData(packet, 'stat'));
			expect(Number.isSafeInteger(info.size) && info.size >= 0, 'a file size that is not a whole number');
			return;
		}
		case 'device-info':
			parseDeviceInfo(expectData(packet, 'device-info'));
			return;
		case 'list':
			decodeStringList(expectData(packet, 'list'));
			return;
		case 'data':
			expectData(packet, 'read');
			return;
	}
}

/**
 * The replies afcd gives, in order, to the client's script below (list, stat, device info, read a file;
 * from offset 100 with `seek`, which adds a status after the open).
 */
function conversation(seek: boolean): Uint8Array {
	const info = formatFileInfo({ kind: 'file', size: 9000, blocks: 24, links: 1, modifiedTimeNs: 1748269626603000000n, birthTimeNs: 1748269626603000000n });
	const device = formatDeviceInfo({ model: 'iPhone15,2', totalBytes: 127_989_493_760, freeBytes: 5_000_000_000, blockSize: 4096 });
	const file = new Uint8Array(9000).map((_, i) => i * 13);
	return concatBytes([
		encodeData(0, encodeStringList(['.', '..', '100APPLE', '101APPLE'])),
		encodeData(1, info),
		encodeData(2, device),
		encodeOpenResult(3, 7n),
		...(seek ? [encodeStatus(4, AfcStatus.Success)] : []),
		...[file.subarray(0, 4096), file.subarray(4096, 8192), file.subarray(8192), new Uint8Array(0)].map((data, i) =>
			encodeData(i + (seek ? 5 : 4), data),
		),
		encodeStatus(seek ? 9 : 8, AfcStatus.Success),
	]);
}

/** An AFC packet's entire length (the low half of the u64 at offset 8: a higher one is refused anyway). */
function afcPacketLength(bytes: Uint8Array, at: number): number | undefined {
	if (at + AFC_HEADER_LENGTH > bytes.length) return undefined;
	return new DataView(bytes.buffer, bytes.byteOffset + at + 8, 4).getUint32(0, true);
}

/** The AFC client as the scanner and the backup use it, against a device sending these bytes. */
function clientTarget(): FuzzTarget {
	const seeds = [
		conversation(false),
		conversation(true),
		concatBytes([encodeStatus(0, AfcStatus.ObjectNotFound), encodeStatus(1, AfcStatus.ReadError), encodeStatus(2, AfcStatus.OpNotSupported), encodeStatus(3, AfcStatus.IoError)]),
	];
	return {
		name: 'afc.client',
		description: 'AfcClient list, stat, deviceInfo, read (pipelined FileRefReads; variant 1 seeks first) against these replies',
		inputs: fuzzInputs({ seeds, chunked: true, maxChunks: 12, variants: 2 }),
		mayThrow: 'device-error',
		allocationBound: () => Math.max(AfcLimits.maxListReply, AfcLimits.maxInfoReply),
		quickCases: 1000,
		async run(input) {
			const client = new AfcClient(scriptedChannel(chunksOf(cutAtMessages(input, afcPacketLength))), { readChunkSize: 4096, readsInFlight: 3, replyTimeoutMs: 0 });
			const steps: (() => Promise<unknown>)[] = [
				() => client.list('/DCIM'),
				() => client.stat('/DCIM/100APPLE/IMG_0001.HEIC'),
				() => client.deviceInfo(),
				async () => {
					const reader = client.read('/DCIM/100APPLE/IMG_0001.HEIC', input.variant * 100, 9000).getReader();
					let total = 0;
					for (let next = await reader.read(); !next.done; next = await reader.read()) total += next.value.length;
					expect(total <= 9000, `read ${total} bytes of a file asked for 9000`);
				},
			];
			for (const step of steps) {
				try {
					await step();
				} catch (error) {
					if (!isDeviceError(error)) throw error;
				}
			}
			await client.close();
		},
	};
}

export function afcTargets(corpus: SeedCorpus): FuzzTarget[] {
	return [packetsTarget(corpus), clientTarget()];
}
