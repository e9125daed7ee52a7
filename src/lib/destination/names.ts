/**
 * File names in the backup folder. Every name that comes from the phone passes through
 * `sanitizeName`, so that it is one path segment every common file system accepts (Windows, macOS,
 * Linux, and Chromium's own File System Access checks) and can never reach outside its folder.
 */

/** UTF-8 bytes a name may take: well under the 255 of common file systems, leaving room for `.part-…`. */
export const MAX_NAME_BYTES = 200;

/**
 * Windows paths. Chromium opens a file on Windows by its full path without the `\\?\` long-path
 * prefix, so a path past MAX_PATH (260 UTF-16 units with its terminating NUL) cannot be written there.
 * File System Access never tells the picked folder's own path, so every path the app writes inside the
 * picked folder, the iPhone's folder included, is kept within `MAX_RELATIVE_PATH_LENGTH` UTF-16 units.
 * That leaves `PICKED_FOLDER_ALLOWANCE` for the picked folder itself (`E:\`, `C:\Users\Anna\Pictures\iPhone
 * backup`) once the separator and the longest temporary name are counted.
 */
const WINDOWS_MAX_PATH_LENGTH = 259;
/** What a temporary name adds to the final one (`.` and `.part-1a2b3c4d`), and Chromium's swap file of it (`.12.crswap`). */
const TEMPORARY_NAME_EXTRA = 25;
export const MAX_RELATIVE_PATH_LENGTH = 130;
export const PICKED_FOLDER_ALLOWANCE = WINDOWS_MAX_PATH_LENGTH - 1 - TEMPORARY_NAME_EXTRA - MAX_RELATIVE_PATH_LENGTH;
/** The iPhone's folder's name at most, in UTF-16 units: `Anna’s iPhone (00008110-001A2B3C4D5E801E)` fits whole. */
export const MAX_DEVICE_FOLDER_LENGTH = 50;
/** An extension longer than this is not treated as one (it would not survive shortening). */
const MAX_EXTENSION_CHARS = 16;

// C0 and C1 controls, DEL, the characters Windows forbids, bidirectional overrides and isolates (which
// can disguise an extension), line and paragraph separators, and Unicode noncharacters.
const PLANE_NONCHARACTERS = Array.from({ length: 16 }, (_, i) => `\\u{${(i + 1).toString(16)}fffe}\\u{${(i + 1).toString(16)}ffff}`).join('');
const UNSAFE_CHARACTERS = new RegExp(
	`[\\u0000-\\u001f\\u007f-\\u009f/\\\\<>:"|?*\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069\\u2028\\u2029\\ufdd0-\\ufdef\\ufffe\\uffff${PLANE_NONCHARACTERS}]`,
	'gu',
);
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const LEADING_SPACE = /^\s+/u;
const TRAILING_SPACE_OR_DOT = /[\s.\u200d]+$/u;
/** Device names Windows reserves, whatever the extension (`NUL.HEIC` too). */
const RESERVED_STEM = /^(con|prn|aux|nul|conin\$|conout\$|com[0-9¹²³]|lpt[0-9¹²³])$/i;
/**
 * Extensions Chromium refuses to create on a real disk (shell-integrated), and its own swap files,
 * which `removeLeftovers` deletes: a photo must never look like one.
 */
const UNSAFE_EXTENSION = /\.(lnk|local|scf|url|crswap)$/i;

const encoder = new TextEncoder();

export function utf8Length(text: string): number {
	return encoder.encode(text).length;
}

/** Splits `IMG_0001.HEIC` into `IMG_0001` and `.HEIC`; a name without a real extension has `''`. */
export function splitExtension(name: string): { stem: string; extension: string } {
	const dot = name.lastIndexOf('.');
	if (dot <= 0 || dot === name.length - 1) return { stem: name, extension: '' };
	const extension = name.slice(dot);
	if (extension.length - 1 > MAX_EXTENSION_CHARS || /\s/u.test(extension)) return { stem: name, extension: '' };
	return { stem: name.slice(0, dot), extension };
}

/** Cuts `text` to at most `maxBytes` UTF-8 bytes and `maxLength` UTF-16 units, on a code point boundary. */
export function truncateToFit(text: string, maxBytes: number, maxLength = Number.POSITIVE_INFINITY): string {
	const cut = truncateUtf8(text, maxBytes);
	if (cut.length <= maxLength) return cut;
	if (maxLength <= 0) return '';
	const end = /[\ud800-\udbff]/.test(cut[maxLength - 1]!) ? maxLength - 1 : maxLength;
	return cut.slice(0, end);
}

/** Cuts `text` to at most `maxBytes` UTF-8 bytes, on a code point boundary. */
export function truncateUtf8(text: string, maxBytes: number): string {
	if (maxBytes <= 0) return '';
	if (text.length * 3 <= maxBytes) return text;
	let bytes = 0;
	let end = 0;
	for (const char of text) {
		const cp = char.codePointAt(0)!;
		const size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
		if (bytes + size > maxBytes) break;
		bytes += size;
		end += char.length;
	}
	return text.slice(0, end);
}

function sanitizeOnce(input: string): string {
	let name = input.replace(LONE_SURROGATE, '\ufffd').normalize('NFC').replace(UNSAFE_CHARACTERS, '_');
	name = name.replace(LEADING_SPACE, '').replace(TRAILING_SPACE_OR_DOT, '');
	// A leading dot hides a file, and our temporary files are the only dot-names we write.
	if (name.startsWith('.')) name = `_${name.slice(1)}`;
	if (name === '') return '_';
	const firstDot = name.indexOf('.');
	const firstPart = (firstDot === -1 ? name : name.slice(0, firstDot)).replace(/\s+$/u, '');
	if (RESERVED_STEM.test(firstPart)) name = `_${name}`;
	if (UNSAFE_EXTENSION.test(name)) name = `${name}_`;
	if (utf8Length(name) > MAX_NAME_BYTES) {
		const { stem, extension } = splitExtension(name);
		const room = MAX_NAME_BYTES - utf8Length(extension);
		name = `${truncateUtf8(stem, room).replace(TRAILING_SPACE_OR_DOT, '') || '_'}${extension}`;
	}
	return name;
}

/**
 * One safe path segment for any string: NFC, no separators, controls or characters Windows forbids,
 * no leading or trailing spaces, no trailing dots, no leading dot, not `.`/`..`/empty, not a Windows
 * device name, at most `MAX_NAME_BYTES` UTF-8 bytes with the extension kept. Idempotent.
 */
export function sanitizeName(input: string): string {
	// Cut before any pattern runs over it (some are quadratic on long runs of spaces): a name longer
	// than this is shortened to MAX_NAME_BYTES anyway; its extension is kept.
	let name = input.length > MAX_INPUT_CHARS ? shortenInput(input) : input;
	// Each step can only shorten the name or add one `_` that no later step undoes; a few rounds settle it.
	for (let round = 0; round < 8; round++) {
		const next = sanitizeOnce(name);
		if (next === name) return name;
		name = next;
	}
	return name;
}

/** Characters of a phone's name looked at, at most: four times what a name may keep. */
const MAX_INPUT_CHARS = 4 * MAX_NAME_BYTES;

function shortenInput(input: string): string {
	const { extension } = splitExtension(input.slice(-(MAX_EXTENSION_CHARS + 2)));
	return input.slice(0, MAX_INPUT_CHARS - extension.length) + extension;
}

/** True when `name` is a single segment that `sanitizeName` leaves unchanged. */
export function isSafeName(name: string): boolean {
	return name !== '' && sanitizeName(name) === name;
}

/** True when every segment of a `/`-separated relative path is a safe name. */
export function isSafeRelativePath(path: string): boolean {
	return path !== '' && path.split('/').every(isSafeName);
}

/**
 * The key under which a path is compared with others, the way the drives people back up to compare
 * names: NTFS, exFAT and APFS ignore case by upper-casing each character (one for one: `ß` stays,
 * `ı` and `i` meet at `I`), and HFS+ and APFS store names decomposed (NFD) as often as composed.
 */
export function pathKey(path: string): string {
	let key = '';
	for (const char of path.normalize('NFC')) {
		const upper = char.toUpperCase();
		key += upper.length === char.length ? upper : char;
	}
	return key;
}

/**
 * Extensions a phone's file may keep in the backup: photos, videos and their sidecars. Any other is
 * kept visible but made harmless (`name.exe` → `name.exe_`): nothing from the phone lands on the
 * drive as a program, a shortcut or a script a double-click would run.
 */
const MEDIA_EXTENSION =
	/^\.(heic|heif|hif|avif|jpe?g|png|gif|webp|tiff?|dng|raw|cr2|cr3|nef|arw|orf|rw2|raf|srw|pef|mov|mp4|m4v|3gp|3g2|avi|hevc|aae|plist|xmp|thm|mpo|bmp)$/i;

/** `IMG_0001.HEIC` as it is; `run.exe` as `run.exe_` with no extension (see `MEDIA_EXTENSION`). */
export function mediaExtensionOnly(parts: { stem: string; extension: string }): { stem: string; extension: string } {
	if (parts.extension === '' || MEDIA_EXTENSION.test(parts.extension)) return parts;
	return { stem: `${parts.stem}${parts.extension}_`, extension: '' };
}

/**
 * Joins a name from a stem and a tail that must stay whole (` (2).HEIC`), shortening the stem when
 * the whole would be longer than `MAX_NAME_BYTES` or `maxLength` UTF-16 units, and sanitizing the
 * result. Only a tail that leaves no room at all makes a longer name (`_` and the tail).
 */
export function composeName(stem: string, tail: string, maxLength = Number.POSITIVE_INFINITY): string {
	const byteRoom = MAX_NAME_BYTES - utf8Length(tail);
	let room = maxLength - tail.length;
	for (;;) {
		const cut = truncateToFit(stem, byteRoom, room);
		const fitted = cut === stem ? stem : cut.replace(TRAILING_SPACE_OR_DOT, '');
		const name = sanitizeName(`${fitted === '' ? '_' : fitted}${tail}`);
		// Sanitizing may add a character (`_CON`, `x.url_`): the stem gives it back.
		if (name.length <= maxLength || room <= 0) return name;
		room -= name.length - maxLength;
	}
}
