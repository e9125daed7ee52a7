import { describe, expect, it } from 'vitest';
import type { ClaimProgress } from './claim-mux';
import { claimProgressWords } from './claim-words';
import type { HostOs } from './host-os';

const ALL_OS: HostOs[] = ['linux', 'macos', 'windows', 'chromeos', 'android', 'unknown'];

describe('claimProgressWords', () => {
	it('says what is being tried, with the try and the bound', () => {
		expect(claimProgressWords({ kind: 'trying', method: 'claim', attempt: 1, attempts: 6 }, 'macos')).toBe(
			'Connecting to the iPhone…',
		);
		const bounce = claimProgressWords({ kind: 'trying', method: 'bounce', attempt: 3, attempts: 6 }, 'macos');
		expect(bounce).toMatch(/^macOS’s own iPhone service is holding the iPhone\. Taking it over/);
		expect(bounce).toContain('(try 3 of 6)');
		const reset = claimProgressWords({ kind: 'trying', method: 'reset', attempt: 2, attempts: 4 }, 'linux');
		expect(reset).toMatch(/^The usbmuxd service is holding the iPhone\. Restarting the iPhone’s USB connection/);
		expect(reset).toContain('(try 2 of 4)');
	});

	it('says on every OS, while taking the phone and once taken, who loses it and how to give it back', () => {
		const taking: ClaimProgress[] = [
			{ kind: 'trying', method: 'bounce', attempt: 2, attempts: 3 },
			{ kind: 'trying', method: 'reset', attempt: 3, attempts: 3 },
		];
		for (const os of ALL_OS) {
			for (const progress of taking) expect(claimProgressWords(progress, os)).toMatch(/While this page holds it, .+ can’t use it\./);
			for (const method of ['bounce', 'reset'] as const) {
				const taken = claimProgressWords({ kind: 'taken', method }, os);
				expect(taken).toContain('can’t use it');
				expect(taken).toContain('unplug the iPhone and plug it back in to give it back');
			}
		}
		expect(claimProgressWords({ kind: 'taken', method: 'bounce' }, 'macos')).toContain('Finder, Photos, Image Capture');
		expect(claimProgressWords({ kind: 'taken', method: 'reset' }, 'linux')).toContain('usbmuxd');
	});
});
