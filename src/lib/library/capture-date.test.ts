import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fileTimeDate, localDateTime, parseExifDate, parseIsoDate, parseOffset } from './capture-date';

describe('capture date parsing', () => {
	it('reads EXIF dates with and without a zone', () => {
		expect(parseExifDate('2025:05:26 09:27:06', '-05:00', '603')).toEqual({
			epochMs: Date.parse('2025-05-26T14:27:06.603Z'),
			offsetMinutes: -300,
			floating: false,
		});
		expect(parseExifDate('2020:02:04 19:07:38')).toEqual({ epochMs: Date.parse('2020-02-04T19:07:38Z'), offsetMinutes: undefined, floating: true });
		expect(parseExifDate('2020:02:04 19:07:38', 'garbage', '7')).toEqual({
			epochMs: Date.parse('2020-02-04T19:07:38.700Z'),
			offsetMinutes: undefined,
			floating: true,
		});
	});

	it('refuses unset and impossible EXIF dates', () => {
		for (const text of ['0000:00:00 00:00:00', '    :  :     :  :  ', '2023:02:30 10:00:00', '2023:13:01 10:00:00', '2023:01:01 24:00:00', '']) {
			expect(parseExifDate(text), text).toBeUndefined();
		}
	});

	it('reads QuickTime ISO dates', () => {
		expect(parseIsoDate('2025-05-26T09:27:06-0500')).toEqual({ epochMs: Date.parse('2025-05-26T14:27:06Z'), offsetMinutes: -300, floating: false });
		expect(parseIsoDate('2016-01-18T15:20:40-07:00')?.epochMs).toBe(Date.parse('2016-01-18T22:20:40Z'));
		expect(parseIsoDate('2016-01-18T15:20:40.25Z')).toEqual({ epochMs: Date.parse('2016-01-18T15:20:40.250Z'), offsetMinutes: 0, floating: false });
		expect(parseIsoDate('2016-01-18T15:20')).toEqual({ epochMs: Date.parse('2016-01-18T15:20:00Z'), offsetMinutes: undefined, floating: true });
		expect(parseIsoDate('yesterday')).toBeUndefined();
		expect(parseOffset('+05:30')).toBe(330);
		expect(parseOffset('+1500')).toBeUndefined();
		expect(parseOffset('+05:75')).toBeUndefined();
	});

	it('falls back on the birth time, then the modification time', () => {
		expect(fileTimeDate({ birthTime: 5000, modifiedTime: 9000 })).toEqual({ epochMs: 5000, offsetMinutes: undefined, floating: false, source: 'file-birth-time' });
		expect(fileTimeDate({ birthTime: 0, modifiedTime: 9000 }).source).toBe('file-modified-time');
	});

	it('gives the wall-clock time where the photo was taken', () => {
		const date = { ...parseExifDate('2025:05:26 09:27:06', '-05:00')!, source: 'exif' as const };
		expect(localDateTime(date)).toBe('2025-05-26T09:27:06');
		const floating = { ...parseExifDate('2020:02:04 19:07:38')!, source: 'exif' as const };
		expect(localDateTime(floating, 120)).toBe('2020-02-04T19:07:38');
		expect(localDateTime(fileTimeDate({ birthTime: Date.parse('2020-01-01T00:00:00Z'), modifiedTime: 0 }), 60)).toBe('2020-01-01T01:00:00');
		expect(localDateTime(fileTimeDate({ birthTime: 1e20, modifiedTime: 0 }))).toBe('');
	});

	it('round-trips any valid date and never throws on any text', () => {
		const pad = (n: number, w = 2) => String(n).padStart(w, '0');
		fc.assert(
			fc.property(
				fc.date({ min: new Date('1971-01-01T00:00:00Z'), max: new Date('2199-12-31T00:00:00Z'), noInvalidDate: true }),
				fc.integer({ min: -14 * 60, max: 14 * 60 }),
				(when, offset) => {
					const wall = new Date(Math.floor(when.getTime() / 1000) * 1000 + offset * 60_000);
					const sign = offset < 0 ? '-' : '+';
					const zone = `${sign}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
					const exif = `${wall.getUTCFullYear()}:${pad(wall.getUTCMonth() + 1)}:${pad(wall.getUTCDate())} ${pad(wall.getUTCHours())}:${pad(wall.getUTCMinutes())}:${pad(wall.getUTCSeconds())}`;
					const parsed = parseExifDate(exif, zone);
					if (wall.getUTCFullYear() < 1970 || wall.getUTCFullYear() > 2200) return;
					expect(parsed?.epochMs).toBe(Math.floor(when.getTime() / 1000) * 1000);
					expect(parseIsoDate(`${exif.slice(0, 10).replace(/:/g, '-')}T${exif.slice(11)}${zone.replace(':', '')}`)?.epochMs).toBe(parsed?.epochMs);
				},
			),
		);
		fc.assert(
			fc.property(fc.string(), fc.string(), fc.string(), (a, b, c) => {
				parseExifDate(a, b, c);
				parseIsoDate(a);
				parseOffset(b);
			}),
		);
	});
});
