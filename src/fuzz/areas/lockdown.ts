import { isDeviceError } from '../../lib/errors';
import { LockdownClient } from '../../lib/lockdown/lockdown-client';
import type { PairRecord } from '../../lib/lockdown/pair-record';
import { PlistChannel } from '../../lib/lockdown/plist-channel';
import { MAX_PLIST_MESSAGE_BYTES, encodePlistFrame } from '../../lib/lockdown/plist-frame';
import { encodePem } from '../../lib/pairing/pem';
import { rsaPublicKeyFromSpki } from '../../lib/pairing/rsa-public-key';
import { encodePlist } from '../../lib/plist/codec';
import { isPlistDict, type PlistDict } from '../../lib/plist/value';
import { concatBytes } from '../../lib/bytes';
import { expect } from '../contract';
import { deviceCapture, type SeedCorpus } from '../corpus';
import { chunksOf, cutAtMessages, fuzzInputs, markerOffsets, type FuzzInput } from '../mutate';
import type { FuzzTarget } from '../run';
import { scriptedChannel } from '../scripted';
import { XML_TOKENS } from './plist';

function frame(message: PlistDict): Uint8Array {
	const { prefix, body } = encodePlistFrame(message);
	return concatBytes([prefix, body]);
}

/** A smaller cap than the default in variant 1, so refusals of honest-looking lengths happen too. */
function maxMessageBytes(input: FuzzInput): number {
	return input.variant === 0 ? MAX_PLIST_MESSAGE_BYTES : 512;
}

function channelTarget(corpus: SeedCorpus): FuzzTarget {
	const captures = ['lockdownquerytypemessage.bin', 'lockdowngetvaluemessage.bin', 'lockdowngettimemessage.bin'].map((name) =>
		deviceCapture(corpus, name),
	);
	const binary = corpus.binaryPlists.map((body) => {
		const prefix = new Uint8Array(4);
		new DataView(prefix.buffer).setUint32(0, body.length);
		return concatBytes([prefix, body]);
	});
	const seeds = [
		...captures,
		concatBytes(captures),
		deviceCapture(corpus, 'usbmuxconnectandlockdown.bin').subarray(294),
		frame({ Request: 'StartSession', SessionID: 'E2F1C3A4', EnableSessionSSL: true }),
		concatBytes(binary.slice(0, 3)),
		...binary,
	];
	return {
		name: 'lockdown.plist-channel',
		description: 'PlistChannel.receiveOrEnd until the end: 4-byte length prefix, cap, XML or binary body, dictionary',
		inputs: fuzzInputs({ seeds, tokens: XML_TOKENS, chunked: true, variants: 2, maxChunks: 12 }),
		mayThrow: 'device-error',
		allocationBound: maxMessageBytes,
		quickCases: 1000,
		async run(input) {
			const channel = new PlistChannel(scriptedChannel(chunksOf(input)), { maxMessageBytes: maxMessageBytes(input) });
			let total = 0;
			for (;;) {
				const message = await channel.receiveOrEnd();
				if (message === undefined) break;
				expect(isPlistDict(message), 'a message that is not a dictionary came out');
				expect(++total <= input.bytes.length / 5, 'more messages than the bytes can hold');
			}
		},
	};
}

/** Splits a stream of plist documents (XML or binary) where each begins, to frame them one by one. */
function documents(bytes: Uint8Array): Uint8Array[] {
	const starts = [...new Set([0, ...markerOffsets(bytes, ['<?xml', 'bplist00'], 256)])].sort((a, b) => a - b);
	return starts.map((start, i) => bytes.subarray(start, starts[i + 1] ?? bytes.length)).filter((part) => part.length > 0);
}

function plistFrameLength(bytes: Uint8Array, at: number): number | undefined {
	if (at + 4 > bytes.length) return undefined;
	return 4 + new DataView(bytes.buffer, bytes.byteOffset + at, 4).getUint32(0);
}

function framed(bytes: Uint8Array): Uint8Array {
	return concatBytes(
		documents(bytes).flatMap((body) => {
			const prefix = new Uint8Array(4);
			new DataView(prefix.buffer).setUint32(0, body.length);
			return [prefix, body];
		}),
	);
}

/** The replies a phone gives to the client's script below, in order, as XML bodies: four conversations. */
function conversations(devicePublicKey: Uint8Array): Uint8Array[] {
	const request = (name: string, fields: PlistDict = {}) => encodePlist({ Request: name, ...fields });
	const value = (key: string, value: PlistDict[string]) => request('GetValue', { Key: key, Value: value });
	const honest = [
		request('QueryType', { Type: 'com.apple.mobile.lockdown' }),
		value('DevicePublicKey', devicePublicKey),
		value('WiFiAddress', 'a4:5e:60:00:00:01'),
		value('DeviceName', 'iPhone'),
		value('ProductType', 'iPhone15,2'),
		value('ProductVersion', '17.5.1'),
		value('UniqueDeviceID', '00008030-001A2D3E0C38802E'),
		request('GetValue', { Domain: 'com.apple.disk_usage', Value: { TotalDiskCapacity: 128e9, AmountDataAvailable: 5e9 } }),
		request('StartService', { Service: 'com.apple.afc', Port: 49152, EnableServiceSSL: false }),
		request('Pair', { Error: 'PairingDialogResponsePending' }),
		request('Pair', { EscrowBag: new Uint8Array(64).fill(1) }),
		request('StartSession', { SessionID: 'E2F1C3A4-0000-4000-8000-000000000001', EnableSessionSSL: false }),
		request('StopSession'),
	];
	const refusing = [
		request('QueryType', { Error: 'PasswordProtected' }),
		request('GetValue', { Error: 'MissingValue' }),
		request('GetValue', { Error: 'InvalidHostID' }),
		request('StartService', { Error: 'MissingValue' }),
		request('Pair', { Error: 'UserDeniedPairing' }),
		request('StartSession', { Error: 'InvalidHostID' }),
	];
	const odd = [
		request('QueryType', { Type: 7 }),
		value('DevicePublicKey', 'not bytes'),
		request('GetValue', { Value: [] }),
		request('StartService', { Port: 70000 }),
		request('Pair', { Result: 'Failure' }),
		request('StartSession', { SessionID: 'X', EnableSessionSSL: true }),
	];
	// Once broke the client: a Request echoed as a dictionary with a `toString` key.
	const hostile = [
		encodePlist({ Request: { toString: 'x' }, Type: 'com.apple.mobile.lockdown' }),
		value('DeviceName', { valueOf: 1, toString: 'x' }),
		request('GetValue', { Error: { toString: 'x' } }),
	];
	return [honest, refusing, odd, hostile].map(concatBytes);
}

/**
 * The lockdown client's reading of replies: types of fields, Error strings, echoed Request names. The
 * input is a stream of plist documents; each is framed with its right length, so edits reach the
 * values rather than the framing (which `lockdown.plist-channel` covers).
 */
function clientTarget(corpus: SeedCorpus): FuzzTarget {
	const { pkcs1 } = rsaPublicKeyFromSpki(corpus.tls.publicKeys[2]!);
	const devicePublicKey = new TextEncoder().encode(encodePem('RSA PUBLIC KEY', pkcs1));
	const record: PairRecord = {
		hostId: 'D0C0FFEE-0000-4000-8000-000000000001',
		systemBuid: 'B0B0B0B0-0000-4000-8000-000000000001',
		rootCertificate: corpus.tls.certificates[0]!,
		hostCertificate: corpus.tls.certificates[1]!,
		deviceCertificate: corpus.tls.certificates[2]!,
		hostPrivateKey: corpus.tls.clientOptions.privateKey as CryptoKey,
	};
	return {
		name: 'lockdown.client',
		description: 'LockdownClient: QueryType, getDeviceInfo, getDiskUsage, StartService, Pair, StartSession, StopSession against these replies',
		inputs: fuzzInputs({
			seeds: conversations(devicePublicKey),
			tokens: XML_TOKENS,
			chunked: true,
			maxChunks: 8,
		}),
		mayThrow: 'device-error',
		allocationBound: () => MAX_PLIST_MESSAGE_BYTES,
		quickCases: 1000,
		async run(input) {
			const messages = cutAtMessages({ ...input, bytes: framed(input.bytes) }, plistFrameLength);
			const client = new LockdownClient(scriptedChannel(chunksOf(messages)), {
				replyTimeoutMs: 60_000,
			});
			const steps: (() => Promise<unknown>)[] = [
				() => client.queryType(),
				() => client.getDeviceInfo(),
				() => client.getDiskUsage(),
				() => client.startService('com.apple.afc'),
				() => client.pair(record, { pollIntervalMs: 0, trustTimeoutMs: 1 }),
				() => client.startSession(record),
				() => client.stopSession(),
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

export function lockdownTargets(corpus: SeedCorpus): FuzzTarget[] {
	return [channelTarget(corpus), clientTarget(corpus)];
}
