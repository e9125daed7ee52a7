/** When a synthetic item was taken: the instant and the phone's UTC offset at that moment. */
export interface CaptureMoment {
	epochMs: number;
	/** Minutes east of UTC. */
	offsetMinutes: number;
}

function pad(value: number, width = 2): string {
	return String(value).padStart(width, '0');
}

function wallClock(moment: CaptureMoment): Date {
	return new Date(moment.epochMs + moment.offsetMinutes * 60_000);
}

/** EXIF's `YYYY:MM:DD HH:MM:SS`, in the phone's local time. */
export function exifDateTime(moment: CaptureMoment): string {
	const d = wallClock(moment);
	return (
		`${pad(d.getUTCFullYear(), 4)}:${pad(d.getUTCMonth() + 1)}:${pad(d.getUTCDate())} ` +
		`${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`
	);
}

/** EXIF's OffsetTime form, `+02:00`. */
export function exifOffset(offsetMinutes: number): string {
	const sign = offsetMinutes < 0 ? '-' : '+';
	const abs = Math.abs(offsetMinutes);
	return `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** The local time as ISO 8601 without zone, `2025-05-26T09:27:06` (XMP DateCreated). */
export function isoLocal(moment: CaptureMoment): string {
	const d = wallClock(moment);
	return (
		`${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T` +
		`${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`
	);
}

/** Apple's QuickTime creationdate spelling, `2025-05-26T09:27:06-0500`. */
export function quickTimeDate(moment: CaptureMoment): string {
	return isoLocal(moment) + exifOffset(moment.offsetMinutes).replace(':', '');
}

/** UTC with a `Z`, as plists write dates, whole seconds. */
export function isoUtc(epochMs: number): string {
	return new Date(Math.floor(epochMs / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
