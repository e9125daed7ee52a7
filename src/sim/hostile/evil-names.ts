/**
 * File names a lying phone puts in a listing: each one a way a careless host could write outside its
 * folder, hide an extension, trip Windows, or overflow a file system's name limit. A real iPhone (APFS)
 * can hold some of these (controls, RTL overrides, `CON`), never a `/` or a NUL.
 */
export const EVIL_NAMES: readonly string[] = [
	'../../../../escaped.JPG',
	'..\\..\\windows.JPG',
	'/absolute.JPG',
	'sub/folder.JPG',
	'.hidden.JPG',
	'...',
	'IMG\u0001\u0007\u001b[31m.JPG',
	'line\nbreak.JPG',
	'gpj.\u202eEXE.JPG',
	'CON',
	'aux.txt.JPG',
	'NUL.HEIC',
	'trailing dot.JPG.',
	'trailing space.JPG ',
	`${'L'.repeat(300)}.JPG`,
	`${'é'.repeat(300)}.JPG`,
	'nul\u0000inside.JPG',
	'IMG_\ufffd\ud800.JPG',
];

/** Folder names a lying phone puts in `/DCIM`, for the layout that keeps the phone's folders. */
export const EVIL_FOLDER_NAMES: readonly string[] = [
	'CON',
	'\u202eGPJ.EXE',
	'tab\there',
	'dots...',
	' space ',
	'F'.repeat(300),
	'..\\up',
	'a:b*c?',
];

/** The names among `EVIL_NAMES` that an honest AFC listing could carry (no `/`, no NUL: those split or nest). */
export function isListableName(name: string): boolean {
	return !name.includes('/') && !name.includes('\0') && name !== '.' && name !== '..' && name !== '';
}
