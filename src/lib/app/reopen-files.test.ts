import { describe, expect, it } from 'vitest';
import { DeviceError } from '../errors';
import type { DeviceFiles } from '../library';
import { reopenFiles, type ReopenSteps } from './reopen-files';

const FILES = { list: async () => [], stat: async () => ({ kind: 'file', size: 0, birthTime: 0, modifiedTime: 0 }), read: () => new ReadableStream() } satisfies DeviceFiles;
const locked = () => new DeviceError('locked', 'Unlock your iPhone, then try again.');
const reset = () => new DeviceError('connection-reset', 'The iPhone closed the connection.');

/** Steps that answer from scripts, one entry per call: an error to throw, or success. */
function scripted(opens: (DeviceError | 'ok')[], renewals: (DeviceError | 'ok')[] = []) {
	const calls: string[] = [];
	const next = (script: (DeviceError | 'ok')[], name: string) => {
		calls.push(name);
		const step = script.shift();
		if (step === undefined) throw new Error(`${name} called once too often`);
		if (step !== 'ok') throw step;
	};
	const steps: ReopenSteps = {
		openFiles: async () => (next(opens, 'open'), FILES),
		renewSession: async () => next(renewals, 'renew'),
	};
	return { steps, calls };
}

describe('reopenFiles', () => {
	it('opens the file service again on the session there is', async () => {
		const { steps, calls } = scripted(['ok']);
		const waits: string[] = [];
		expect(await reopenFiles(steps, { signal: new AbortController().signal, waiting: (r) => waits.push(r.code) })).toBe(FILES);
		expect(calls).toEqual(['open']);
		expect(waits).toEqual([]);
	});

	it('opens a new lockdown session when the old one was dropped too, once', async () => {
		const { steps, calls } = scripted([reset(), 'ok'], ['ok']);
		expect(await reopenFiles(steps, { signal: new AbortController().signal, waiting: () => undefined })).toBe(FILES);
		expect(calls).toEqual(['open', 'renew', 'open']);

		const failing = scripted([reset(), reset()], ['ok']);
		await expect(reopenFiles(failing.steps, { signal: new AbortController().signal, waiting: () => undefined })).rejects.toMatchObject({ code: 'connection-reset' });
		expect(failing.calls).toEqual(['open', 'renew', 'open']);

		const renewalFails = scripted([reset()], [new DeviceError('pairing-forgotten', 'Your iPhone no longer trusts this computer.')]);
		await expect(reopenFiles(renewalFails.steps, { signal: new AbortController().signal, waiting: () => undefined })).rejects.toMatchObject({ code: 'pairing-forgotten' });
	});

	it('gives up at once when the phone is gone', async () => {
		const { steps, calls } = scripted([new DeviceError('unplugged', 'The iPhone was disconnected.')]);
		await expect(reopenFiles(steps, { signal: new AbortController().signal, waiting: () => undefined })).rejects.toMatchObject({ code: 'unplugged' });
		expect(calls).toEqual(['open']);
	});

	it('waits for a locked phone, saying so in plain words, and goes on once it is unlocked', async () => {
		const { steps, calls } = scripted([reset(), locked(), locked(), 'ok'], [locked(), 'ok']);
		const waits: DeviceError[] = [];
		const files = await reopenFiles(steps, { signal: new AbortController().signal, waiting: (r) => waits.push(r), unlockPollMs: 1 });
		expect(files).toBe(FILES);
		expect(calls).toEqual(['open', 'renew', 'renew', 'open', 'open', 'open']);
		expect(waits.map((w) => w.code)).toEqual(['locked', 'locked', 'locked']);
		expect(waits[0]!.message).toMatch(/^Unlock your iPhone/);
		expect(waits[0]!.advice).toBeTruthy();
	});

	it('stops waiting when the backup is cancelled', async () => {
		const control = new AbortController();
		const { steps } = scripted(Array.from({ length: 1000 }, locked));
		const reason = new DOMException('The backup was cancelled.', 'AbortError');
		const waiting = reopenFiles(steps, { signal: control.signal, waiting: () => control.abort(reason), unlockPollMs: 60_000 });
		await expect(waiting).rejects.toBe(reason);
	});

	it('drops a request the phone never answers once cancelled', async () => {
		const control = new AbortController();
		const steps: ReopenSteps = { openFiles: () => new Promise(() => undefined), renewSession: async () => undefined };
		const waiting = reopenFiles(steps, { signal: control.signal, waiting: () => undefined });
		control.abort(new Error('stop'));
		await expect(waiting).rejects.toThrow('stop');
	});
});
