import { decodePlist, encodePlist } from '../../lib/plist/codec';
import { isPlistDict, type PlistValue } from '../../lib/plist/value';
import { adjustmentPlist } from '../../sim/camera-roll/synthetic-media';
import { fromHex } from '../../lib/bytes';
import { expect } from '../contract';
import { deviceCapture, mediaFile, type SeedCorpus } from '../corpus';
import { fuzzInputs } from '../mutate';
import type { FuzzTarget } from '../run';

/** Both readers refuse anything nested deeper than this (MAX_DEPTH in xml.ts and binary.ts). */
const MAX_DEPTH = 64;

/** XML tokens byte edits rarely produce: tags, entities, CDATA, comments, keys that are JavaScript's own. */
export const XML_TOKENS = [
	'<dict>',
	'</dict>',
	'<dict/>',
	'<array>',
	'</array>',
	'<array/>',
	'<key>',
	'</key>',
	'<string>',
	'</string>',
	'<data>',
	'</data>',
	'<integer>',
	'</integer>',
	'<real>',
	'</real>',
	'<date>',
	'</date>',
	'<true/>',
	'<false/>',
	'<integer>-0x8000000000000000</integer>',
	'<integer>99999999999999999999</integer>',
	'<real>nan</real>',
	'<real>-infinity</real>',
	'<date>0000-00-00T00:00:00Z</date>',
	'<data>====</data>',
	'&amp;',
	'&#x10FFFF;',
	'&#xD800;',
	'&#0;',
	'&#99999999;',
	'&bogus;',
	'<![CDATA[',
	']]>',
	'<!--',
	'-->',
	'<?xml version="1.0"?>',
	'<!DOCTYPE plist>',
	'<plist version="1.0">',
	'</plist>',
	'<key>__proto__</key><dict/>',
	'<key>constructor</key><string>x</string>',
	'<key>toString</key><string>x</string>',
	'<key>valueOf</key><integer>1</integer>',
	'<key>Request</key><dict><key>toString</key><string>x</string></dict>',
	'<key>Error</key><dict><key>toString</key><string>x</string></dict>',
	'<key>Value</key><array><dict/></array>',
	'<dict><key>toString</key><string>x</string></dict>',
	'\u0000',
	'\uFEFF',
	'\uFFFD',
];

function depthAndCount(value: PlistValue, depth = 0): { depth: number; count: number } {
	let deepest = depth;
	let count = 1;
	const children = Array.isArray(value) ? value : isPlistDict(value) ? Object.values(value) : [];
	for (const child of children) {
		const inner = depthAndCount(child, depth + 1);
		deepest = Math.max(deepest, inner.depth);
		count += inner.count;
	}
	return { depth: deepest, count };
}

function validDates(value: PlistValue): boolean {
	if (value instanceof Date) return !Number.isNaN(value.getTime());
	if (Array.isArray(value)) return value.every(validDates);
	if (isPlistDict(value)) return Object.values(value).every(validDates);
	return true;
}

/** The value shapes lockdownd sends, written by our encoder. */
const OUR_VALUES: PlistValue[] = [
	{ Request: 'StartSession', SessionID: '2D0FBF1B-5F2E-4BB4-8A3C-3B1E7F0C9A11', EnableSessionSSL: true },
	{ Request: 'GetValue', Value: { TotalDiskCapacity: 128_000_000_000, TotalDataAvailable: 12_345_678_901 } },
	{ Request: 'Pair', EscrowBag: new Uint8Array(300).map((_, i) => i) },
	{ List: [1, -2, 3.25, Number.NaN, Infinity, true, false, '', 'a<b&c>d'], When: new Date(Date.UTC(2024, 6, 1, 12, 34, 56)) },
];

/** Inputs that once broke a reader: kept as seeds, so every run starts from them. */
const XML_FINDINGS = ['<plist><data>==</data></plist>', '<plist><data>AB=</data></plist>'].map((text) => new TextEncoder().encode(text));
const BINARY_FINDINGS = [
	// A date whose 64-bit float is NaN.
	'62706c6973743030337ff8000000000000080000000000000101000000000000000100000000000000000000000000000011',
].map(fromHex);

function xmlSeeds(corpus: SeedCorpus): Uint8Array[] {
	const lockdown = ['lockdownquerytypemessage.bin', 'lockdowngetvaluemessage.bin', 'lockdowngettimemessage.bin'].map((name) =>
		deviceCapture(corpus, name).subarray(4),
	);
	const usbmuxd = ['usbmuxconnectmessage.bin', 'usbmuxlistdevicemessage.bin'].map((name) => deviceCapture(corpus, name).subarray(16));
	return [
		...lockdown,
		...usbmuxd,
		...OUR_VALUES.map(encodePlist),
		mediaFile(corpus, 'osxphotos/IMG_3582.AAE'),
		adjustmentPlist({ editorBundleId: 'com.apple.Photos', editedAtMs: Date.UTC(2025, 4, 26), data: new Uint8Array(64).fill(0x2a) }),
		...XML_FINDINGS,
	];
}

function checkDecoded(bytes: Uint8Array): void {
	const value = decodePlist(bytes);
	const { depth, count } = depthAndCount(value);
	expect(depth <= MAX_DEPTH + 1, `a value nested ${depth} deep came out`);
	expect(count <= bytes.length, `${count} values came out of ${bytes.length} bytes`);
	expect(validDates(value), 'an invalid Date came out');
}

export function plistTargets(corpus: SeedCorpus): FuzzTarget[] {
	return [
		{
			name: 'plist.xml',
			description: 'decodePlist on XML plists (lockdown and usbmuxd captures, the AAE sidecars, our encoder)',
			inputs: fuzzInputs({ seeds: xmlSeeds(corpus), tokens: XML_TOKENS }),
			mayThrow: 'device-error',
			quickCases: 1000,
			run: (input) => checkDecoded(input.bytes),
		},
		{
			name: 'plist.binary',
			description: 'decodePlist on bplist00 (written by the plist package): offsets, refs, counts, cycles',
			inputs: fuzzInputs({ seeds: [...corpus.binaryPlists, ...BINARY_FINDINGS] }),
			mayThrow: 'device-error',
			quickCases: 1000,
			run: (input) => checkDecoded(input.bytes),
		},
	];
}
