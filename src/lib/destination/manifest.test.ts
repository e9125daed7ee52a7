import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createManifest, manifestUdidFromHead, parseManifest, serializeManifest } from './manifest';
import type { Manifest, ManifestEntry } from './types';

const UDID = '00008110-001A2C3E0E41801E';

const entryArbitrary: fc.Arbitrary<ManifestEntry> = fc.record(
	{
		devicePath: fc.string({ minLength: 1 }).map((s) => `/DCIM/100APPLE/${s}`),
		assetId: fc.string(),
		size: fc.nat(),
		modifiedTime: fc.integer(),
		birthTime: fc.integer(),
		capturedAt: fc.constantFrom('2025-05-26T09:27:06-05:00', '2025-05-26T09:27:06'),
		sha256: fc.stringMatching(/^[0-9a-f]{64}$/),
		path: fc.constantFrom('2025/05/IMG_0001.HEIC', 'Undated/写真 😀.JPG', '2025/05/IMG_0001 (2).MOV'),
		backedUpAt: fc.constant('2025-06-01T10:00:00.000Z'),
		albums: fc.array(fc.string(), { minLength: 1, maxLength: 3 }),
		favorite: fc.constant(true as const),
	},
	{ requiredKeys: ['devicePath', 'assetId', 'size', 'modifiedTime', 'birthTime', 'sha256', 'path', 'backedUpAt'] },
);

describe('manifest text', () => {
	it('round-trips', () => {
		fc.assert(
			fc.property(fc.array(entryArbitrary, { maxLength: 20 }), fc.option(fc.string(), { nil: undefined }), (entries, name) => {
				const manifest = createManifest({ udid: UDID, ...(name === undefined ? {} : { name }), productType: 'iPhone14,2' }, entries, new Date(0));
				const parsed = parseManifest(serializeManifest(manifest), UDID);
				expect(parsed.problem).toBeUndefined();
				expect(parsed.manifest).toEqual(manifest);
			}),
		);
	});

	it('puts one entry per line and the device first', () => {
		const entry: ManifestEntry = {
			devicePath: '/DCIM/100APPLE/IMG_0001.HEIC',
			assetId: '/DCIM/100APPLE/IMG_0001.HEIC',
			size: 3,
			modifiedTime: 1,
			birthTime: 1,
			sha256: 'a'.repeat(64),
			path: '2025/05/IMG_0001.HEIC',
			backedUpAt: 'x',
		};
		const text = serializeManifest(createManifest({ udid: UDID }, [entry, entry], new Date(0)));
		expect(text.split('\n')).toHaveLength(5);
		expect(text.indexOf('"udid"')).toBeLessThan(100);
		expect(manifestUdidFromHead(text.slice(0, 200))).toBe(UDID);
	});
});

describe('albums and favourites', () => {
	const entry: ManifestEntry = {
		devicePath: '/DCIM/100APPLE/IMG_0001.HEIC',
		assetId: '/DCIM/100APPLE/IMG_0001.HEIC',
		size: 10,
		modifiedTime: 1,
		birthTime: 1,
		sha256: 'a'.repeat(64),
		path: '2025/05/IMG_0001.HEIC',
		backedUpAt: '2025-06-01T10:00:00.000Z',
	};
	const text = (entries: unknown[]) => JSON.stringify({ format: 'iphone-photo-backup-manifest', version: 1, device: { udid: UDID }, updatedAt: '', entries });

	it('are recorded per file, and a manifest written before them is read as it was', () => {
		const withFacts = { ...entry, albums: ['Holidays', 'Best of'], favorite: true as const };
		expect(parseManifest(text([withFacts, entry]), UDID)).toEqual({ manifest: expect.objectContaining({ entries: [withFacts, entry] }) });
		expect(serializeManifest(createManifest({ udid: UDID }, [withFacts], new Date(0)))).toContain('"albums":["Holidays","Best of"],"favorite":true');
	});

	it('make an entry damaged when they are not what this app writes', () => {
		for (const bad of [{ albums: 'Holidays' }, { albums: [1] }, { favorite: false }, { favorite: 'yes' }]) {
			const parsed = parseManifest(text([{ ...entry, ...bad }, entry]), UDID);
			expect(parsed.manifest?.entries).toEqual([entry]);
			expect(parsed.problem?.kind).toBe('bad-entries');
		}
	});
});

describe('reading a manifest tolerantly', () => {
	const good = createManifest({ udid: UDID }, [], new Date(0));

	it('reports damage instead of failing', () => {
		expect(parseManifest('{"format":"iphone-photo-b', UDID).problem?.kind).toBe('not-json');
		expect(parseManifest('', UDID).problem?.kind).toBe('not-json');
		expect(parseManifest('[1,2]', UDID).problem?.kind).toBe('foreign');
		expect(parseManifest('{"files":[]}', UDID).problem?.kind).toBe('foreign');
		expect(parseManifest(JSON.stringify({ ...good, version: 2 }), UDID).problem?.kind).toBe('newer-version');
		expect(parseManifest(JSON.stringify({ ...good, device: {} }), UDID).problem?.kind).toBe('foreign');
		expect(parseManifest(JSON.stringify(good), 'another').problem?.kind).toBe('other-device');
	});

	it('leaves out damaged entries, and entries whose path could leave the folder', () => {
		const valid = { devicePath: '/a', assetId: '/a', size: 1, modifiedTime: 0, birthTime: 0, sha256: 'f'.repeat(64), path: 'a', backedUpAt: '' };
		const manifest = {
			...good,
			entries: [valid, { ...valid, path: '../escape' }, { ...valid, path: '/abs' }, { ...valid, sha256: 'XYZ' }, { ...valid, size: -1 }, null, 'x'],
		};
		const parsed = parseManifest(JSON.stringify(manifest), UDID);
		expect(parsed.manifest?.entries).toEqual([valid]);
		expect(parsed.problem).toMatchObject({ kind: 'bad-entries', dropped: 6 });
	});

	it('never throws on arbitrary text', () => {
		fc.assert(
			fc.property(fc.oneof(fc.string(), fc.json(), fc.jsonValue().map((value) => JSON.stringify({ ...good, entries: value }))), (text) => {
				const parsed = parseManifest(text, UDID);
				expect(parsed.manifest !== undefined || parsed.problem !== undefined).toBe(true);
			}),
		);
	});

	it('finds the UDID only in our manifests', () => {
		expect(manifestUdidFromHead('{"udid":"x"}')).toBeUndefined();
		expect(manifestUdidFromHead(serializeManifest({ ...good, device: { udid: 'a"b' } } as Manifest))).toBe('a"b');
	});
});
