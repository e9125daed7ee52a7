import { describe, expect, it } from 'vitest';
import { reduceFileNames, redactIdentifiers, redactKnown, scrubText } from './scrub';

describe('scrubbing the words that go into a report', () => {
	it('reduces paths and file names to their extension, keeping the sentence', () => {
		expect(reduceFileNames('There is no /DCIM/100APPLE/IMG_0001.HEIC on the iPhone.')).toBe('There is no ‹*.HEIC› on the iPhone.');
		expect(reduceFileNames('The iPhone could not read /PhotoData/CPLAssets/group12/4B1C.MOV: try again')).toBe('The iPhone could not read ‹*.MOV›: try again');
		expect(reduceFileNames('There is no folder /DCIM/101APPLE on the iPhone.')).toBe('There is no folder ‹path› on the iPhone.');
		expect(reduceFileNames('2024/05/IMG_0001.JPG kept changing.')).toBe('‹*.JPG› kept changing.');
		expect(reduceFileNames('"IMG_0042.JPG" is already in the backup')).toBe('"‹*.JPG›" is already in the backup');
	});

	it('leaves numbers, versions and protocol names alone', () => {
		const text = 'iOS 17.2 sent 1.5 GB; com.apple.afc would not start (status 8).';
		expect(reduceFileNames(text)).toBe(text);
	});

	it('replaces the phone’s name and identifiers it is told of, in any case and with or without the dash', () => {
		const secrets = { deviceName: 'Zoë’s iPhone', identifiers: ['00008110-000A1B2C3D4E5F60'] };
		expect(redactKnown('Zoë’s iPhone (00008110000a1b2c3d4e5f60) is busy', secrets)).toBe('‹iPhone name› (‹UDID›) is busy');
	});

	it('leaves a factory name (“iPhone”) and a placeholder alone, so that scrubbing twice changes nothing', () => {
		expect(redactKnown('The iPhone was disconnected.', { deviceName: 'iPhone', identifiers: [] })).toBe('The iPhone was disconnected.');
		const secrets = { deviceName: 'name', identifiers: [] };
		const once = redactKnown('Its name is name.', secrets);
		expect(once).toBe('Its ‹iPhone name› is ‹iPhone name›.');
		expect(redactKnown(once, secrets)).toBe(once);
	});

	it('replaces anything shaped like a UDID or a UUID, known or not', () => {
		expect(redactIdentifiers('host 1E2D3C4B-5A69-4788-9A1B-2C3D4E5F6071 on 00008030-001A35E02E41802E and 0123456789abcdef0123456789abcdef01234567')).toBe(
			'host ‹UUID› on ‹UDID› and ‹UDID›',
		);
	});

	it('does all three in one call, names first', () => {
		const secrets = { deviceName: 'Anna.HEIC', identifiers: [] };
		expect(scrubText('Anna.HEIC: /DCIM/100APPLE/IMG_0001.JPG', secrets)).toBe('‹iPhone name›: ‹*.JPG›');
	});
});
