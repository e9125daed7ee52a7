/**
 * TEST SUPPORT (Node) — not part of the app. Everything secret or personal a run handled, in every
 * form it could take in a report (text, hex, base64, PEM), and the check that a report holds none.
 */
import { expect } from 'vitest';
import { toHex } from '../../lib/bytes';
import type { PairRecord } from '../../lib/pairing/pair-record';
import type { VirtualIPhone } from '../../sim/virtual-iphone';

/** What lockdownd answers for the person's values in these tests: distinctive, so a leak is found. */
export const PERSONAL_VALUES = {
	DeviceName: 'Zoë Quartermain’s iPhone',
	SerialNumber: 'C39XQ7PRIV8T',
	WiFiAddress: 'a4:c3:f0:9e:71:2b',
} as const;

export interface Secret {
	what: string;
	value: string;
	/** Found only as a word of its own: `Photos` (of `Photos.sqlite`) is a name, `livePhotos` a plan's category. */
	word?: boolean;
}

function bytesForms(what: string, bytes: Uint8Array): Secret[] {
	const forms: Secret[] = [];
	// Aligned pieces at each of base64's three phases: any copy of the bytes contains one of them.
	for (let phase = 0; phase < 3; phase++) {
		for (let at = phase; at + 48 <= bytes.byteLength; at += 48) {
			const piece = bytes.subarray(at, at + 48);
			forms.push({ what: `${what} (base64 @${at})`, value: Buffer.from(piece).toString('base64') });
			if (phase === 0) forms.push({ what: `${what} (hex @${at})`, value: toHex(piece) }, { what: `${what} (HEX @${at})`, value: toHex(piece).toUpperCase() });
		}
	}
	if (bytes.byteLength > 0 && bytes.byteLength < 48) {
		forms.push({ what: `${what} (base64)`, value: Buffer.from(bytes).toString('base64') }, { what: `${what} (hex)`, value: toHex(bytes) });
	}
	return forms;
}

function pemForms(what: string, pem: Uint8Array): Secret[] {
	const text = new TextDecoder().decode(pem);
	const body = text.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
	const der = new Uint8Array(Buffer.from(body, 'base64'));
	const lines = text.split('\n').filter((line) => line.length >= 40 && !line.startsWith('-----'));
	return [
		{ what: `${what} (PEM)`, value: text.trim() },
		...lines.map((line, i) => ({ what: `${what} (PEM line ${i})`, value: line })),
		...bytesForms(`${what} (DER)`, der),
		...bytesForms(`${what} (PEM bytes)`, pem),
	];
}

/** The phone's identity, the pair record, the camera roll's names and a few KB of its photos. */
export async function secretsOf(phone: VirtualIPhone, record: PairRecord | undefined): Promise<Secret[]> {
	const udid = phone.udid;
	const secrets: Secret[] = [
		{ what: 'UDID', value: udid },
		{ what: 'UDID without dash', value: udid.replaceAll('-', '') },
		{ what: 'UDID, lower case', value: udid.toLowerCase() },
		{ what: 'device name', value: PERSONAL_VALUES.DeviceName },
		{ what: 'serial number', value: PERSONAL_VALUES.SerialNumber },
		{ what: 'Wi-Fi address', value: PERSONAL_VALUES.WiFiAddress },
	];
	if (record !== undefined) {
		secrets.push(
			{ what: 'host ID', value: record.hostId },
			{ what: 'host ID, lower case', value: record.hostId.toLowerCase() },
			{ what: 'system BUID', value: record.systemBuid },
			{ what: 'system BUID, lower case', value: record.systemBuid.toLowerCase() },
			...pemForms('root certificate', record.rootCertificate),
			...pemForms('host certificate', record.hostCertificate),
			...pemForms('device certificate', record.deviceCertificate),
			...bytesForms('device public key', record.devicePublicKey),
			...bytesForms('escrow bag', record.escrowBag ?? new Uint8Array(0)),
		);
	}
	const roll = phone.cameraRoll!;
	const files = [...roll.files()];
	// Photos.sqlite and its journals are named alike on every iPhone (and "Photos" is a word advice uses).
	for (const file of files.filter((f) => f.tag !== 'library-database')) {
		const name = file.path.slice(file.path.lastIndexOf('/') + 1);
		const stem = name.includes('.') ? name.slice(0, name.lastIndexOf('.')) : name;
		secrets.push({ what: `file name ${file.path}`, value: stem, word: true });
	}
	const photos = files.filter((file) => !file.unreadable && file.size > 8192 && /\.(JPG|HEIC|MOV|PNG)$/i.test(file.path)).slice(0, 4);
	for (const photo of photos) {
		secrets.push(...bytesForms(`contents of ${photo.path}`, await roll.read(photo.path, 2048, 4096)));
	}
	return secrets;
}

/** None of `secrets` is in `text`, and no long run of hex or base64 (a blob of anything) is either. */
export function expectNothingSecret(text: string, secrets: readonly Secret[]): void {
	const found = secrets.filter((secret) => secret.value.length >= 4 && (secret.word ? asWord(secret.value).test(text) : text.includes(secret.value))).map((secret) => secret.what);
	expect(found).toEqual([]);
	// Keyed hashes of the UDID are 24 hex digits after `udid:`; nothing else comes close.
	expect(text.match(/[0-9a-fA-F]{25,}/g) ?? []).toEqual([]);
	expect(text.match(/[A-Za-z0-9+/]{40,}={0,2}/g) ?? []).toEqual([]);
}

function asWord(value: string): RegExp {
	return new RegExp(`(?<![\\p{L}\\p{N}_])${value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\p{L}\\p{N}_])`, 'u');
}
