import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isDeviceError } from '../errors';
import { concatBytes } from '../bytes';
import { AesGcmRecordCipher } from './record-cipher';
import {
	CONTENT_TYPE,
	MAX_CIPHERTEXT_LENGTH,
	MAX_PLAINTEXT_LENGTH,
	RecordDeframer,
	encodeRecord,
	type ContentType,
	type TlsRecord,
} from './record-layer';
import { TlsError } from './tls-error';

const contentType = fc.constantFrom<ContentType>(20, 21, 22, 23);
const record = fc.record({
	type: contentType,
	version: fc.integer({ min: 0x0300, max: 0x0303 }),
	fragment: fc.uint8Array({ maxLength: 600 }),
});

/** Splits `bytes` at the given cut points (sorted, deduplicated). */
function split(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
	const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
	const out: Uint8Array[] = [];
	let start = 0;
	for (const point of [...points, bytes.length]) {
		out.push(bytes.subarray(start, point));
		start = point;
	}
	return out;
}

function drain(deframer: RecordDeframer): TlsRecord[] {
	const out: TlsRecord[] = [];
	for (let next = deframer.next(); next !== undefined; next = deframer.next()) out.push(next);
	return out;
}

function tlsErrorOf(run: () => unknown): TlsError {
	try {
		run();
	} catch (error) {
		if (error instanceof TlsError) return error;
		throw error;
	}
	throw new Error('expected a TlsError');
}

describe('record framing', () => {
	it('parses what it serialises, however the bytes are chunked', () => {
		fc.assert(
			fc.property(fc.array(record, { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 10 }), (records, cuts) => {
				const deframer = new RecordDeframer();
				const parsed: TlsRecord[] = [];
				for (const chunk of split(concatBytes(records.map(encodeRecord)), cuts)) {
					deframer.push(chunk);
					parsed.push(...drain(deframer));
				}
				expect(parsed.map((r) => ({ ...r, fragment: [...r.fragment] }))).toEqual(
					records.map((r) => ({ ...r, fragment: [...r.fragment] })),
				);
				expect(deframer.buffered).toBe(0);
			}),
		);
	});

	it('accepts the largest protected record and refuses one byte more as soon as the header is in', () => {
		const deframer = new RecordDeframer();
		deframer.push(encodeRecord({ type: 23, version: 0x0303, fragment: new Uint8Array(MAX_CIPHERTEXT_LENGTH) }));
		expect(deframer.next()?.fragment.length).toBe(MAX_CIPHERTEXT_LENGTH);

		const oversized = MAX_CIPHERTEXT_LENGTH + 1;
		deframer.push(Uint8Array.of(23, 3, 3, oversized >> 8, oversized & 0xff));
		const error = tlsErrorOf(() => deframer.next());
		expect(error.code).toBe('tls');
		expect(error.alert).toBe('record_overflow');
		expect(error.message).toMatch(/^The secure connection to the iPhone failed: /);
	});

	it('refuses unknown content types and versions without consuming them', () => {
		const deframer = new RecordDeframer();
		deframer.push(Uint8Array.of(0x00, 0x00, 0x01, 0x2c, 0x3c)); // a plist length prefix, not TLS
		expect(tlsErrorOf(() => deframer.next()).alert).toBe('unexpected_message');
		expect([...deframer.takeBuffered()]).toEqual([0x00, 0x00, 0x01, 0x2c, 0x3c]);

		deframer.push(Uint8Array.of(22, 3, 4, 0, 0));
		expect(tlsErrorOf(() => deframer.next()).alert).toBe('protocol_version');
		deframer.push(Uint8Array.of(22, 2, 0, 0, 0));
		expect(deframer.buffered).toBe(10);
	});

	it('hands back exactly the bytes after the records it gave out', () => {
		fc.assert(
			fc.property(record, fc.uint8Array({ maxLength: 40 }), fc.array(fc.nat(), { maxLength: 5 }), (first, tail, cuts) => {
				const deframer = new RecordDeframer();
				for (const chunk of split(concatBytes([encodeRecord(first), tail]), cuts)) deframer.push(chunk);
				expect(deframer.next()?.type).toBe(first.type);
				const rest = deframer.takeBuffered();
				expect([...rest]).toEqual([...tail]);
				expect(deframer.buffered).toBe(0);
			}),
		);
	});

	it('throws nothing but a TLS DeviceError on random bytes', () => {
		fc.assert(
			fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 8 }), (chunks) => {
				const deframer = new RecordDeframer();
				try {
					for (const chunk of chunks) {
						deframer.push(chunk);
						drain(deframer);
					}
				} catch (error) {
					expect(isDeviceError(error, 'tls')).toBe(true);
				}
			}),
		);
	});
});

describe('AES-GCM record protection', () => {
	const keyPair = async (keyLength: 16 | 32) => {
		const key = crypto.getRandomValues(new Uint8Array(keyLength));
		const iv = crypto.getRandomValues(new Uint8Array(4));
		return [await AesGcmRecordCipher.create(key, iv), await AesGcmRecordCipher.create(key, iv)] as const;
	};
	const deframe = (bytes: Uint8Array): TlsRecord => {
		const deframer = new RecordDeframer();
		deframer.push(bytes);
		const out = deframer.next();
		expect(deframer.buffered).toBe(0);
		return out!;
	};

	it('opens what it seals, for both key sizes and any type and length', async () => {
		await fc.assert(
			fc.asyncProperty(
				fc.constantFrom<16 | 32>(16, 32),
				fc.array(fc.tuple(contentType, fc.uint8Array({ maxLength: 2000 })), { minLength: 1, maxLength: 6 }),
				async (keyLength, messages) => {
					const [writer, reader] = await keyPair(keyLength);
					// All sealed at once (as the connection pipelines them), opened in order.
					const sealed = await Promise.all(messages.map(([type, data]) => writer.seal(type, data)));
					for (const [index, bytes] of sealed.entries()) {
						const [type, data] = messages[index]!;
						const parsed = deframe(bytes);
						expect(parsed.type).toBe(type);
						expect(parsed.version).toBe(0x0303);
						expect(parsed.fragment.length).toBe(8 + data.length + 16);
						expect([...(await reader.open(parsed))]).toEqual([...data]);
					}
				},
			),
			{ numRuns: 30 },
		);
	});

	it('carries a full 16 KiB record', async () => {
		const [writer, reader] = await keyPair(16);
		const data = crypto.getRandomValues(new Uint8Array(MAX_PLAINTEXT_LENGTH));
		expect(await reader.open(deframe(await writer.seal(23, data)))).toEqual(data);
	});

	it('detects any changed byte, a changed type, and records out of order', async () => {
		const [writer, reader] = await keyPair(16);
		const first = await writer.seal(23, new TextEncoder().encode('first record'));
		const second = await writer.seal(23, new TextEncoder().encode('second'));
		await expect(reader.open(deframe(second))).rejects.toMatchObject({ code: 'tls', alert: 'bad_record_mac' });

		await fc.assert(
			fc.asyncProperty(fc.integer({ min: 5, max: first.length - 1 }), fc.integer({ min: 1, max: 255 }), async (at, xor) => {
				const [w, r] = await keyPair(16);
				const bytes = await w.seal(23, new TextEncoder().encode('first record'));
				bytes[at]! ^= xor;
				await expect(r.open(deframe(bytes))).rejects.toMatchObject({ code: 'tls', alert: 'bad_record_mac' });
			}),
			{ numRuns: 40 },
		);

		const [w, r] = await keyPair(32);
		const retyped = deframe(await w.seal(23, Uint8Array.of(1, 2, 3)));
		await expect(r.open({ ...retyped, type: CONTENT_TYPE.handshake })).rejects.toMatchObject({ alert: 'bad_record_mac' });
	});

	it('refuses records too short to hold a tag, or too long to be honest, before decrypting', async () => {
		const [, reader] = await keyPair(16);
		await expect(reader.open({ type: 23, version: 0x0303, fragment: new Uint8Array(23) })).rejects.toMatchObject({
			alert: 'bad_record_mac',
		});
		await expect(
			reader.open({ type: 23, version: 0x0303, fragment: new Uint8Array(MAX_PLAINTEXT_LENGTH + 8 + 16 + 1) }),
		).rejects.toMatchObject({ code: 'tls', alert: 'record_overflow' });
	});
});
