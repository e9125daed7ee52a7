import { HEADER_SIZE, MAX_MESSAGE_SIZE, MessageType, decodeHeader, decodePlistBody, encodeMessage, encodePlistMessage } from '../../sim/usbmuxd-server/protocol';
import { concatBytes } from '../../lib/bytes';
import { expect } from '../contract';
import { deviceCapture, type SeedCorpus } from '../corpus';
import { fuzzInputs } from '../mutate';
import type { FuzzTarget } from '../run';
import { XML_TOKENS } from './plist';

/**
 * The virtual iPhone's usbmuxd front-end reads what third-party tools send: 16-byte little-endian
 * headers and plist bodies. This walks a stream of messages the way `serveClient` does (stopping where
 * it would close the socket) and decodes each plist body, which must never throw.
 */
export function usbmuxdTargets(corpus: SeedCorpus): FuzzTarget[] {
	const captures = ['usbmuxconnectmessage.bin', 'usbmuxlistdevicemessage.bin', 'usbmuxreadpairmessage.bin'].map((name) =>
		deviceCapture(corpus, name),
	);
	const connect = new Uint8Array(8);
	new DataView(connect.buffer).setUint32(0, 1, true);
	new DataView(connect.buffer).setUint16(4, 62078, false);
	const requests = concatBytes([
		encodePlistMessage(1, { MessageType: 'ListDevices', ClientVersionString: 'fuzz', ProgName: 'fuzz' }),
		encodePlistMessage(2, { MessageType: 'ReadBUID' }),
		encodePlistMessage(3, { MessageType: 'SavePairRecord', PairRecordID: '00008030-001A2D3E0C38802E', PairRecordData: new Uint8Array(64).fill(9) }),
		encodePlistMessage(4, { MessageType: 'ReadPairRecord', PairRecordID: '00008030-001A2D3E0C38802E' }),
		encodePlistMessage(5, { MessageType: 'Connect', DeviceID: 1, PortNumber: 32498 }),
	]);
	return [
		{
			name: 'sim.usbmuxd-protocol',
			description: 'the usbmuxd front-end: decodeHeader, length cap, decodePlistBody (never throws) over a stream of binary and plist messages',
			inputs: fuzzInputs({ seeds: [...captures, requests, encodeMessage(0, MessageType.Connect, 7, connect)], tokens: XML_TOKENS }),
			mayThrow: 'nothing',
			quickCases: 1000,
			run(input) {
				const bytes = input.bytes;
				for (let at = 0; at + HEADER_SIZE <= bytes.length; ) {
					const header = decodeHeader(bytes.subarray(at, at + HEADER_SIZE));
					if (header.length < HEADER_SIZE || header.length > MAX_MESSAGE_SIZE || at + header.length > bytes.length) return;
					const body = bytes.subarray(at + HEADER_SIZE, at + header.length);
					at += header.length;
					// A binary Connect is read from its first 8 bytes, known to be there; then the socket is a tunnel.
					if (header.version === 0 && header.message === MessageType.Connect && body.length >= 8) return;
					if (header.version !== 1 || header.message !== MessageType.Plist) continue;
					const request = decodePlistBody(body);
					expect(request === undefined || typeof request === 'object', 'a request that is not a dictionary');
				}
			},
		},
	];
}
