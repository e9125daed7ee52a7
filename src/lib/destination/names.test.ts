import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
	composeName,
	isSafeName,
	MAX_NAME_BYTES,
	MAX_RELATIVE_PATH_LENGTH,
	mediaExtensionOnly,
	pathKey,
	PICKED_FOLDER_ALLOWANCE,
	sanitizeName,
	splitExtension,
	truncateToFit,
	truncateUtf8,
	utf8Length,
} from './names';

/** Every rule a safe segment must meet, checked independently of `sanitizeName`'s own code. */
function assertSafeSegment(name: string): void {
	expect(name.length).toBeGreaterThan(0);
	expect(name).not.toMatch(/[/\\<>:"|?*\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u);
	expect(name).not.toBe('.');
	expect(name).not.toBe('..');
	expect(name.startsWith('.')).toBe(false);
	expect(name).not.toMatch(/^\s|[\s.]$/u);
	expect(name.normalize('NFC')).toBe(name);
	expect(utf8Length(name)).toBeLessThanOrEqual(MAX_NAME_BYTES);
	expect(name.split('.')[0]!.trimEnd()).not.toMatch(/^(con|prn|aux|nul|com\d|lpt\d)$/i);
	expect(name).not.toMatch(/\.crswap$/i);
	// Well-formed UTF-16: no lone surrogates.
	expect(name).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
}

const awkwardCharacters = fc.constantFrom('/', '\\', '.', ' ', '\u0000', '\n', '\r', '\t', ':', '*', '?', '"', '<', '>', '|', '\u202e', '\u2028', '\ud800', '\udc00', 'e\u0301', '😀', '\ufffe', 'CON', 'nul', '.crswap', '.lnk');
const anyName = fc.oneof(
	fc.string({ unit: 'binary', maxLength: 300 }),
	fc.string({ unit: fc.oneof(fc.constantFrom('a', 'B', '1', '_'), awkwardCharacters), maxLength: 40 }).map((s) => s),
	fc.string({ unit: 'grapheme', minLength: 60, maxLength: 150 }),
	fc.array(awkwardCharacters, { maxLength: 8 }).map((parts) => parts.join('')),
);

describe('sanitizeName', () => {
	it('makes any string a single safe path segment', () => {
		fc.assert(
			fc.property(anyName, (input) => {
				assertSafeSegment(sanitizeName(input));
			}),
			{ numRuns: 2000 },
		);
	});

	it('is idempotent', () => {
		fc.assert(
			fc.property(anyName, (input) => {
				expect(sanitizeName(sanitizeName(input))).toBe(sanitizeName(input));
			}),
			{ numRuns: 2000 },
		);
	});

	it('leaves ordinary camera names alone', () => {
		for (const name of ['IMG_0001.HEIC', 'IMG_E3582.MOV', 'IMG_O3582.AAE', '6F1A1E5B-1C2D-4E5F-8A9B-0C1D2E3F4A5B.JPG', 'Anna’s iPhone', 'Ünïcödé 写真.jpg']) {
			expect(sanitizeName(name)).toBe(name);
		}
	});

	it('replaces what could escape the folder or that file systems refuse', () => {
		expect(sanitizeName('../../etc/passwd')).toBe('_._.._etc_passwd');
		expect(sanitizeName('..')).toBe('_');
		expect(sanitizeName('.')).toBe('_');
		expect(sanitizeName('')).toBe('_');
		expect(sanitizeName('a\\b')).toBe('a_b');
		expect(sanitizeName('a\u0000b')).toBe('a_b');
		expect(sanitizeName('line\nbreak.HEIC')).toBe('line_break.HEIC');
		expect(sanitizeName('what?.jpg')).toBe('what_.jpg');
		expect(sanitizeName('  name.  ')).toBe('name');
		expect(sanitizeName('.hidden')).toBe('_hidden');
		expect(sanitizeName('CON')).toBe('_CON');
		expect(sanitizeName('com1.HEIC')).toBe('_com1.HEIC');
		expect(sanitizeName('NUL .txt')).toBe('_NUL .txt');
		expect(sanitizeName('CONSOLE.txt')).toBe('CONSOLE.txt');
		expect(sanitizeName('photo.crswap')).toBe('photo.crswap_');
		expect(sanitizeName('gpj.exe\u202eIMG.jpg')).toBe('gpj.exe_IMG.jpg');
		expect(sanitizeName('\ud800x')).toBe('\ufffdx');
	});

	it('normalizes to NFC', () => {
		expect(sanitizeName('Cafe\u0301.jpg')).toBe('Caf\u00e9.jpg');
	});

	it('shortens long names to 200 UTF-8 bytes and keeps the extension', () => {
		const long = sanitizeName(`${'写'.repeat(150)}.HEIC`);
		expect(long.endsWith('.HEIC')).toBe(true);
		expect(utf8Length(long)).toBeLessThanOrEqual(MAX_NAME_BYTES);
		expect(utf8Length(long)).toBeGreaterThan(MAX_NAME_BYTES - 3);
		const emoji = sanitizeName('😀'.repeat(100));
		expect(utf8Length(emoji)).toBe(200);
	});
});

describe('names as drives compare them', () => {
	it('compares case-insensitively by upper-casing, one character for one, and NFC and NFD alike', () => {
		expect(pathKey('2025/05/img_0001.heic')).toBe(pathKey('2025/05/IMG_0001.HEIC'));
		expect(pathKey('Café.JPG'.normalize('NFD'))).toBe(pathKey('Café.JPG'.normalize('NFC')));
		expect(pathKey('ı.jpg')).toBe(pathKey('I.JPG')); // dotless i upper-cases to I, as NTFS's table has it
		expect(pathKey('ß.jpg')).not.toBe(pathKey('SS.JPG')); // no one-to-two mappings: ß stays ß
	});

	it('writes a phone’s extension only when it is a photo, video or sidecar type', () => {
		expect(mediaExtensionOnly(splitExtension('IMG_0001.HEIC'))).toEqual({ stem: 'IMG_0001', extension: '.HEIC' });
		expect(mediaExtensionOnly(splitExtension('IMG_0001.aae'))).toEqual({ stem: 'IMG_0001', extension: '.aae' });
		expect(mediaExtensionOnly(splitExtension('Adjustments.plist'))).toEqual({ stem: 'Adjustments', extension: '.plist' });
		for (const name of ['run.exe', 'open.js', 'page.html', 'script.command', 'x.desktop']) {
			const { stem, extension } = mediaExtensionOnly(splitExtension(name));
			expect(extension).toBe('');
			expect(stem).toBe(`${name}_`);
		}
	});
});

describe('names of any length from a hostile phone', () => {
	it('ends, on runs of spaces that would make a pattern quadratic, and keeps the extension of a long name', () => {
		const attack = `a${' '.repeat(1_000_000)}b`;
		const name = sanitizeName(attack);
		expect(isSafeName(name)).toBe(true);
		expect(utf8Length(name)).toBeLessThanOrEqual(200);
		expect(sanitizeName(`${'x'.repeat(1_000_000)}.HEIC`)).toBe(`${'x'.repeat(195)}.HEIC`);
		expect(sanitizeName(`${'. '.repeat(500_000)}IMG_0001.JPG`)).toMatch(/^_/);
	});
});

describe('helpers', () => {
	it('splits extensions the way names are composed', () => {
		expect(splitExtension('IMG_0001.HEIC')).toEqual({ stem: 'IMG_0001', extension: '.HEIC' });
		expect(splitExtension('archive.tar.gz')).toEqual({ stem: 'archive.tar', extension: '.gz' });
		expect(splitExtension('README')).toEqual({ stem: 'README', extension: '' });
		expect(splitExtension('a.very long extension')).toEqual({ stem: 'a.very long extension', extension: '' });
	});

	it('cuts UTF-8 on code point boundaries', () => {
		fc.assert(
			fc.property(fc.string({ unit: 'binary' }), fc.integer({ min: 0, max: 50 }), (text, max) => {
				const cut = truncateUtf8(text, max);
				expect(text.startsWith(cut)).toBe(true);
				expect(utf8Length(cut)).toBeLessThanOrEqual(max);
			}),
		);
	});

	it('composes names that keep their tail whole', () => {
		fc.assert(
			fc.property(anyName, fc.integer({ min: 2, max: 99_999 }), (stem, copy) => {
				const name = composeName(sanitizeName(stem), ` (${copy}).HEIC`);
				expect(isSafeName(name)).toBe(true);
				expect(name.endsWith(` (${copy}).HEIC`)).toBe(true);
			}),
		);
	});

	it('composes names within a length, giving back what sanitizing adds, the tail whole', () => {
		fc.assert(
			fc.property(anyName, fc.constantFrom('', ' (2).HEIC', ' (12) (#3).MOV'), fc.integer({ min: 1, max: 80 }), (stem, tail, room) => {
				const maxLength = tail.length + room;
				const name = composeName(sanitizeName(stem), tail, maxLength);
				assertSafeSegment(name);
				expect(name.length).toBeLessThanOrEqual(maxLength);
				expect(name.endsWith(tail)).toBe(true);
			}),
		);
		expect(composeName('CONSOLE', '', 3)).toBe('CO');
		expect(composeName('IMG_0001', '.HEIC', 13)).toBe('IMG_0001.HEIC');
	});

	it('cuts to a number of UTF-16 units and of UTF-8 bytes on code point boundaries', () => {
		fc.assert(
			fc.property(fc.string({ unit: 'binary' }), fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 50 }), (text, bytes, length) => {
				const cut = truncateToFit(text, bytes, length);
				expect(text.startsWith(cut)).toBe(true);
				expect(utf8Length(cut)).toBeLessThanOrEqual(bytes);
				expect(cut.length).toBeLessThanOrEqual(length);
				// No pair of surrogates is split.
				if (/[\ud800-\udbff]$/.test(cut)) expect(/[\udc00-\udfff]/.test(text[cut.length] ?? '')).toBe(false);
			}),
		);
	});

	it('leaves a picked folder room within Windows’ MAX_PATH, with the longest temporary name', () => {
		// `C:\Users\Anna\Pictures\iPhone backup`, separator, a path of the bound, `.name.part-1a2b3c4d.12.crswap`.
		expect(PICKED_FOLDER_ALLOWANCE).toBeGreaterThanOrEqual('C:\\Users\\Anna\\Pictures\\iPhone backup'.length + 60);
		expect(PICKED_FOLDER_ALLOWANCE + 1 + MAX_RELATIVE_PATH_LENGTH + '..part-1a2b3c4d.12.crswap'.length).toBeLessThanOrEqual(259);
	});

	it('compares paths case-insensitively and across Unicode forms', () => {
		expect(pathKey('2025/05/IMG_0001.HEIC')).toBe(pathKey('2025/05/img_0001.heic'));
		expect(pathKey('Cafe\u0301')).toBe(pathKey('Caf\u00e9'));
	});
});
