import { readdir, readFile } from 'node:fs/promises';
import * as plist from 'plist';
import type { SeedCorpus } from './corpus';
import { recordTlsHandshake } from './tls-recording';

/** The shared fixtures sit beside the checkout (`../shared/fixtures/` from the repository root). */
const FIXTURES = new URL('../../../shared/fixtures/', import.meta.url);
const DEVICE_BYTES = new URL('bytes/appium-ios-device/', FIXTURES);
const MEDIA = new URL('media/', FIXTURES);
const MEDIA_FILES = [
	'osxphotos/IMG_0102.HEIC',
	'osxphotos/IMG_1064.jpeg',
	'osxphotos/IMG_2908.PNG',
	'osxphotos/IMG_3539.MOV',
	'osxphotos/IMG_3582.AAE',
	'osxphotos/IMG_3582.HEIC',
	'osxphotos/IMG_3582.mov',
	'osxphotos/IMG_O3582.aae',
	'exiftool/Apple.jpg',
	'exiftool/PNG.png',
	'exiftool/QuickTime.heic',
];

/** Values shaped like lockdownd's and usbmuxd's messages, for binary plists another encoder writes. */
const BINARY_PLIST_VALUES: plist.PlistValue[] = [
	{ Request: 'QueryType', Type: 'com.apple.mobile.lockdown' },
	{ Key: 'ProductVersion', Request: 'GetValue', Value: '17.5.1' },
	{ Key: 'TimeIntervalSince1970', Request: 'GetValue', Value: 1561317733.062099 },
	{ Request: 'StartSession', SessionID: 'E2F1C3A4-0000-4000-8000-000000000001', EnableSessionSSL: true },
	{ Request: 'StartService', Service: 'com.apple.afc', Port: 49_152, EnableServiceSSL: false },
	{ Request: 'Pair', EscrowBag: new TextEncoder().encode('escrow bag bytes, opaque to the host'), Error: 'PairingDialogResponsePending' },
	{
		DeviceList: [
			{
				DeviceID: 1,
				MessageType: 'Attached',
				Properties: { ConnectionSpeed: 480_000_000, ConnectionType: 'USB', ProductID: 4776, SerialNumber: '00008030-001A2D3E0C38802E' },
			},
		],
	},
	{ Nested: [[1, 2.5, true, false], { Date: new Date('2024-07-01T12:34:56Z'), Data: new Uint8Array(40).fill(7) }], Unicode: 'Ünïcødé ✓ 📷' },
];

let loading: Promise<SeedCorpus> | undefined;

/** Reads the fixtures and records a TLS handshake, once per process. */
export function loadSeedCorpus(): Promise<SeedCorpus> {
	loading ??= load();
	return loading;
}

async function load(): Promise<SeedCorpus> {
	const deviceBytes = new Map<string, Uint8Array>();
	for (const name of (await readdir(DEVICE_BYTES)).filter((name) => name.endsWith('.bin')).sort()) {
		deviceBytes.set(name, new Uint8Array(await readFile(new URL(name, DEVICE_BYTES))));
	}
	const media = new Map<string, Uint8Array>();
	for (const path of MEDIA_FILES) media.set(path, new Uint8Array(await readFile(new URL(path, MEDIA))));
	const binaryPlists = BINARY_PLIST_VALUES.map((value) => new Uint8Array(plist.buildBinary(value)));
	return { deviceBytes, media, binaryPlists, tls: await recordTlsHandshake() };
}
