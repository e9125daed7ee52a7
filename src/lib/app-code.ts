import * as Comlink from 'comlink';
import { DeviceError } from './errors';

/**
 * The page's own code, loaded in parts: chunks that only some moments need (`import()`), and workers.
 * When a new version of the page is put up while a tab is open, the old version's parts are gone from
 * the server; the service worker keeps them for the tab it serves (it waits to take over until the
 * person reloads), but a tab it does not serve (its first visit, or a browser without service
 * workers) asks the server for a part that is no longer there. Without care that is a generic
 * "Failed to fetch dynamically imported module", or a worker that never answers and a page that
 * waits forever. Here both become one plain error that says to reload.
 */
export function appUpdatedError(cause?: unknown): DeviceError {
	return new DeviceError('app-updated', 'A part of this page could not be loaded: a newer version of the page has probably been put up since it was opened.', {
		cause,
		advice: 'Reload the page. Nothing is lost: a backup that was running goes on from where it stopped.',
	});
}

/**
 * `load` is an `import()` of one of the page's own chunks. A failure to fetch or evaluate it is the
 * page's own parts missing, never the phone's or the folder's fault: it becomes `app-updated`, the
 * next call tries again.
 */
export async function loadAppChunk<T>(load: () => Promise<T>): Promise<T> {
	try {
		return await load();
	} catch (error) {
		throw appUpdatedError(error);
	}
}

/**
 * A module worker (started where it is named, `new Worker(new URL(…, import.meta.url))`, the form the
 * bundler finds workers by) behind Comlink, whose calls fail with `app-updated` when its script cannot be
 * loaded, rather than wait forever: Comlink hears only messages, and a worker whose script is
 * missing sends none. Only a load failure counts: it fires a bare `error` event, while an error
 * thrown inside a running worker comes as an `ErrorEvent` and leaves it running.
 */
export function wrapAppWorker<T>(worker: Worker): Comlink.Remote<T> {
	const failed = new Promise<never>((_, reject) => {
		worker.addEventListener('error', (event) => {
			if ('message' in event) return; // an ErrorEvent: thrown inside a worker that runs
			reject(appUpdatedError());
			worker.terminate();
		});
	});
	failed.catch(() => undefined);
	const remote = Comlink.wrap<T>(worker);
	return new Proxy(remote, {
		get(target, property) {
			const member = Reflect.get(target, property) as unknown;
			if (typeof property !== 'string' || property === 'then' || typeof member !== 'function') return member;
			return (...args: unknown[]) => Promise.race([(member as (...a: unknown[]) => Promise<unknown>)(...args), failed]);
		},
	});
}
