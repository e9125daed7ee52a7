import { describe, expect, it } from 'vitest';
import { printablePath } from './format';

describe('printablePath', () => {
	it('shows control and direction characters as escapes and keeps ordinary names', () => {
		expect(printablePath('/DCIM/100APPLE/IMG_0001.HEIC')).toBe('/DCIM/100APPLE/IMG_0001.HEIC');
		expect(printablePath('/DCIM/a\u0000b\u001b[31m\u202egnp.exe')).toBe('/DCIM/a\\u0000b\\u001b[31m\\u202egnp.exe');
		expect(printablePath('/DCIM/Été à Zürich.JPG')).toBe('/DCIM/Été à Zürich.JPG');
	});

	it('cuts long paths to a bounded length', () => {
		const shown = printablePath(`/DCIM/${'x'.repeat(300)}`);
		expect(shown.length).toBe(120);
		expect(shown.endsWith('…')).toBe(true);
	});
});
