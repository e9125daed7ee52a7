import { pathExtension } from './message-fields';

/**
 * Words that go into a report from the app (error messages, advice, step details) can carry a file's
 * name, a folder's, the phone's name or its UDID. What leaves is the words around them: the phone's
 * name and identifiers replaced, a path or file name reduced to its extension.
 */

/** Values the app knows and the report must not show: the phone's name, its UDID and USB serial. */
export interface KnownSecrets {
	deviceName?: string;
	identifiers: readonly string[];
}

export const DEVICE_NAME_PLACEHOLDER = '‹iPhone name›';
export const UDID_PLACEHOLDER = '‹UDID›';
export const UUID_PLACEHOLDER = '‹UUID›';

const UUID = /\b[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\b/g;
/** New-style UDIDs (8-16 hex digits, with or without the dash) and old 40-digit ones. */
const UDID = /\b[0-9A-Fa-f]{8}-?[0-9A-Fa-f]{16}\b|\b[0-9A-Fa-f]{40}\b/g;
/** A run of characters that is not space or a quote: a word, a path, a file name. */
const TOKEN = /[^\s"'“”‘’«»()<>[\]{},;]+/g;
/** A name with an extension that has a letter in it (`IMG_0001.HEIC`, not `1.5` or `17.2`). */
const FILE_NAME = /^[^.]+(?:\.[^.]+)*\.[A-Za-z][A-Za-z0-9]{0,7}$/;
/** Protocol names look like file names and say nothing of the person. */
const PROTOCOL_NAME = /^com\.apple\./;

/**
 * The names every phone has until someone changes it: they say nothing of anyone, and "iPhone" is in
 * every other sentence of a report.
 */
const FACTORY_NAMES = /^(?:iPhone|iPad|iPod|iPod touch)$/i;
/** A placeholder already in the text: left alone, so that scrubbing twice changes nothing. */
const PLACEHOLDER = /(‹[^›]*›)/;

/**
 * Every occurrence of a known value replaced by its placeholder (case-insensitively, for UDIDs and
 * serials). A name of fewer than 3 characters, or a factory name, is left: it identifies no one.
 */
export function redactKnown(text: string, secrets: KnownSecrets): string {
	const replacements: [RegExp, string][] = [];
	const name = secrets.deviceName?.trim();
	if (name && name.length >= 3 && !FACTORY_NAMES.test(name)) replacements.push([new RegExp(escapeRegExp(name), 'g'), DEVICE_NAME_PLACEHOLDER]);
	for (const identifier of secrets.identifiers) {
		if (identifier.length < 8) continue;
		for (const form of new Set([identifier, identifier.replaceAll('-', '')])) replacements.push([new RegExp(escapeRegExp(form), 'gi'), UDID_PLACEHOLDER]);
	}
	if (replacements.length === 0) return text;
	return text
		.split(PLACEHOLDER)
		.map((part, i) => (i % 2 === 1 ? part : replacements.reduce((out, [pattern, placeholder]) => out.replace(pattern, placeholder), part)))
		.join('');
}

/** UUIDs (host IDs, system BUIDs) and anything shaped like a UDID, replaced. */
export function redactIdentifiers(text: string): string {
	return text.replace(UUID, UUID_PLACEHOLDER).replace(UDID, UDID_PLACEHOLDER);
}

/** Paths and file names reduced to their extension: `/DCIM/100APPLE/IMG_0001.HEIC` → `‹*.HEIC›`. */
export function reduceFileNames(text: string): string {
	return text.replace(TOKEN, (token) => {
		// A sentence's own punctuation stays outside the name.
		const trailing = /[.:!?]+$/.exec(token)?.[0] ?? '';
		const word = token.slice(0, token.length - trailing.length);
		if (word === '' || PROTOCOL_NAME.test(word)) return token;
		if (word.includes('/') && /[A-Za-z0-9_]/.test(word)) {
			const extension = pathExtension(word);
			return `${extension === '-' ? '‹path›' : `‹*.${extension}›`}${trailing}`;
		}
		if (FILE_NAME.test(word)) return `‹*.${pathExtension(word)}›${trailing}`;
		return token;
	});
}

/** All three, in the order that keeps each from hiding the next. */
export function scrubText(text: string, secrets: KnownSecrets): string {
	return reduceFileNames(redactIdentifiers(redactKnown(text, secrets)));
}

function escapeRegExp(text: string): string {
	return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
