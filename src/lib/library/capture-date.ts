/** Where an asset's capture date came from, best first. */
export type CaptureDateSource =
	| 'exif' // DateTimeOriginal (+ OffsetTimeOriginal, SubSecTimeOriginal) of a HEIC/JPEG/DNG
	| 'xmp' // photoshop:DateCreated of a screenshot (a wall-clock time)
	| 'quicktime-metadata' // com.apple.quicktime.creationdate of a MOV/MP4
	| 'quicktime-header' // the mvhd creation time of a MOV/MP4 (UTC)
	| 'photos-database' // ZDATECREATED of the Photos app's database (an instant; its zone is not read)
	| 'file-birth-time' // the file's creation time on the phone
	| 'file-modified-time'; // its modification time, when there is no creation time

export interface CaptureDate {
	/**
	 * Milliseconds since the epoch. When `floating`, the file gave a wall-clock time without a zone
	 * and this is that wall-clock time read as if it were UTC.
	 */
	epochMs: number;
	/** Minutes east of UTC, when the file states it. */
	offsetMinutes: number | undefined;
	floating: boolean;
	source: CaptureDateSource;
}

export type ParsedDate = Omit<CaptureDate, 'source'>;

const MIN_YEAR = 1970;
const MAX_YEAR = 2200;
const MAX_OFFSET_MINUTES = 14 * 60;

function instant(
	year: number,
	month: number,
	day: number,
	hour: number,
	minute: number,
	second: number,
	millisecond: number,
): number | undefined {
	if (year < MIN_YEAR || year > MAX_YEAR || month < 1 || month > 12 || day < 1 || day > 31) return undefined;
	if (hour > 23 || minute > 59 || second > 60) return undefined;
	const ms = Date.UTC(year, month - 1, day, hour, minute, Math.min(second, 59), millisecond);
	// Date.UTC rolls 31 February over into March; a date that does not exist is no date.
	if (new Date(ms).getUTCDate() !== day) return undefined;
	return ms;
}

/** `+02:00`, `-0500`, `Z`, `+05` → minutes east of UTC. */
export function parseOffset(text: string | undefined): number | undefined {
	if (text === undefined) return undefined;
	const trimmed = text.trim();
	if (trimmed === 'Z') return 0;
	const match = /^([+-])(\d{2}):?(\d{2})?$/.exec(trimmed);
	if (match === null) return undefined;
	const minutes = Number(match[2]) * 60 + Number(match[3] ?? '0');
	if (minutes > MAX_OFFSET_MINUTES || Number(match[3] ?? '0') > 59) return undefined;
	return match[1] === '-' ? -minutes : minutes;
}

/** Fraction-of-second digits (`603`, `6`, `60312`) → milliseconds. */
function subSecondMs(digits: string | undefined): number {
	if (digits === undefined) return 0;
	const clean = digits.trim();
	if (!/^\d{1,9}$/.test(clean)) return 0;
	return Number(clean.padEnd(3, '0').slice(0, 3));
}

/**
 * EXIF `YYYY:MM:DD HH:MM:SS` with OffsetTimeOriginal and SubSecTimeOriginal. Blank or zeroed dates
 * (`0000:00:00 00:00:00`, as cameras write when unset) are no date.
 */
export function parseExifDate(dateTime: string, offset?: string, subSeconds?: string): ParsedDate | undefined {
	const match = /^\s*(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(dateTime);
	if (match === null) return undefined;
	const [, y, mo, d, h, mi, s] = match.map(Number) as [number, number, number, number, number, number, number];
	const wall = instant(y, mo, d, h, mi, s, subSecondMs(subSeconds));
	if (wall === undefined) return undefined;
	const offsetMinutes = parseOffset(offset);
	if (offsetMinutes === undefined) return { epochMs: wall, offsetMinutes: undefined, floating: true };
	return { epochMs: wall - offsetMinutes * 60_000, offsetMinutes, floating: false };
}

/** ISO 8601 as QuickTime writes it: `2025-05-26T09:27:06-0500`, with optional fraction and zone. */
export function parseIsoDate(text: string): ParsedDate | undefined {
	const match = /^\s*(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?\s*$/.exec(text);
	if (match === null) return undefined;
	const wall = instant(
		Number(match[1]),
		Number(match[2]),
		Number(match[3]),
		Number(match[4]),
		Number(match[5]),
		Number(match[6] ?? '0'),
		subSecondMs(match[7]),
	);
	if (wall === undefined) return undefined;
	const offsetMinutes = parseOffset(match[8]);
	if (offsetMinutes === undefined) return { epochMs: wall, offsetMinutes: undefined, floating: true };
	return { epochMs: wall - offsetMinutes * 60_000, offsetMinutes, floating: false };
}

/** A file time (ms since the epoch, 0 when unknown) as a capture date of last resort. */
export function fileTimeDate(file: { birthTime: number; modifiedTime: number }): CaptureDate {
	const useBirth = Number.isFinite(file.birthTime) && file.birthTime > 0;
	return {
		epochMs: useBirth ? file.birthTime : Number.isFinite(file.modifiedTime) ? file.modifiedTime : 0,
		offsetMinutes: undefined,
		floating: false,
		source: useBirth ? 'file-birth-time' : 'file-modified-time',
	};
}

/**
 * The date's wall-clock time, `YYYY-MM-DDTHH:MM:SS`: local to the photo when its offset is known or
 * it is floating; otherwise in the zone given by `fallbackOffsetMinutes` (default UTC), for instance
 * the computer's own.
 */
export function localDateTime(date: CaptureDate, fallbackOffsetMinutes = 0): string {
	const shift = date.floating ? 0 : (date.offsetMinutes ?? fallbackOffsetMinutes) * 60_000;
	const wall = new Date(date.epochMs + shift);
	return Number.isNaN(wall.getTime()) ? '' : wall.toISOString().slice(0, 19);
}
