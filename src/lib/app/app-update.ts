/**
 * A new version of the page, put up while a tab is open, is installed by the service worker and then
 * waits (see `src/service-worker.ts`): the tab keeps running the version it loaded, whose files the
 * old service worker still serves. The page offers "A new version is ready: reload" when a version
 * waits, and only while no backup runs; the person's click activates it and reloads the page.
 */

/** The message that tells a waiting service worker to take over now. */
export const ACTIVATE_NOW = 'activate-now';

/** Takes the waiting version into use: it activates, and the page reloads into it. */
export type ActivateNewVersion = () => void;

/**
 * Calls `onReady` when a new version is installed and waiting behind the one this tab runs: at once if
 * one already waits, or when one finishes installing later. A first visit's service worker, with no
 * version before it, takes over by itself and is not offered.
 */
export async function watchForNewVersion(onReady: (activate: ActivateNewVersion) => void): Promise<void> {
	if (!('serviceWorker' in navigator)) return;
	const container = navigator.serviceWorker;
	const registration = await container.ready;
	const offer = (waiting: ServiceWorker | null) => {
		if (waiting === null || container.controller === null) return;
		onReady(() => {
			container.addEventListener('controllerchange', () => location.reload(), { once: true });
			waiting.postMessage(ACTIVATE_NOW);
		});
	};
	offer(registration.waiting);
	registration.addEventListener('updatefound', () => {
		const installing = registration.installing;
		installing?.addEventListener('statechange', () => {
			if (installing.state === 'installed') offer(installing);
		});
	});
}
