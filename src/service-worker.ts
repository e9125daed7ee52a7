/// <reference types="@sveltejs/kit" />
/// <reference no-default-lib="true"/>
/// <reference lib="esnext" />
/// <reference lib="webworker" />
import { build, files, prerendered, version } from '$service-worker';
import { ACTIVATE_NOW } from '$lib/app/app-update';
import { DEFAULT_REMINDER_DAYS } from '$lib/app/backup-due';
import { REMINDER_TAG, remindOfDueBackups } from '$lib/app/reminders';
import { AppDatabase, loadReminderSetting } from '$lib/store';

/**
 * Offline once loaded: every file of this version is cached at install, and served from the cache
 * first. Nothing is fetched from anywhere but this origin. The demo's virtual iPhone is the exception:
 * it is fetched (and then cached) only when someone tries the demo, so no visitor downloads it otherwise.
 *
 * What the workers load themselves (the hash worker; the device worker's chunks loaded when first
 * needed: ExifReader, `@peculiar/x509`, the Photos database reader with SQLite's JS and its
 * `sqlite3.wasm`, about 1 MB together) is not in `build`, which names the page's own chunks and the
 * device worker's script: it is cached by the fetch handler below when first fetched, so a page that
 * read a phone once works offline from then on. None of it is left out on purpose, as the demo is: a
 * real phone needs all of it.
 *
 * A new version waits: it takes over (and deletes the old version's files) only when no tab of the old
 * one is open, or when the page asks it to (`ACTIVATE_NOW`, sent when the person clicks "Reload" on
 * "A new version is ready", which the page offers only while no backup runs). Taking over at once
 * would pull the old version's workers and chunks from under a tab still running them.
 */
const sw = self as unknown as ServiceWorkerGlobalScope;
const CACHE = `app-${version}`;
/** The demo's chunk (its name is kept by vite.config.ts) and the sample photos only the demo shows. */
const ONLY_FOR_THE_DEMO = /\/workers\/chunks\/virtual-iphone-demo-[^/]+\.js$|\/demo-media\//;
const ASSETS = [...build, ...files, ...prerendered].filter((path) => !ONLY_FOR_THE_DEMO.test(path));

sw.addEventListener('install', (event) => {
	event.waitUntil(
		caches
			.open(CACHE)
			.then((cache) => cache.addAll(ASSETS)),
	);
});

sw.addEventListener('message', (event) => {
	if (event.data === ACTIVATE_NOW) void sw.skipWaiting();
});

sw.addEventListener('activate', (event) => {
	event.waitUntil(
		caches
			.keys()
			.then((keys) => Promise.all(keys.filter((key) => key !== CACHE).map((key) => caches.delete(key))))
			.then(() => sw.clients.claim()),
	);
});

sw.addEventListener('fetch', (event) => {
	const url = new URL(event.request.url);
	if (event.request.method !== 'GET' || url.origin !== sw.location.origin) return;
	event.respondWith(
		caches.match(event.request, { ignoreSearch: true }).then(
			(cached) =>
				cached ??
				fetch(event.request).then((response) => {
					if (response.ok) {
						const copy = response.clone();
						void caches.open(CACHE).then((cache) => cache.put(event.request, copy));
					}
					return response;
				}),
		),
	);
});

/**
 * An installed app's periodic check (Chromium's periodic background sync, registered when the person
 * turns reminders on): a notification for each phone whose backup is due. It reads only this
 * browser's own records.
 */
sw.addEventListener('periodicsync' as keyof ServiceWorkerGlobalScopeEventMap, (event) => {
	const sync = event as ExtendableEvent & { tag?: string };
	if (sync.tag === REMINDER_TAG) sync.waitUntil(remindNow());
});

async function remindNow(): Promise<void> {
	const db = new AppDatabase();
	try {
		const setting = await loadReminderSetting(db, DEFAULT_REMINDER_DAYS);
		if (!setting.on) return;
		const show = (reminder: { title: string; body: string; tag: string }) =>
			sw.registration.showNotification(reminder.title, { body: reminder.body, tag: reminder.tag, icon: 'icon.svg' });
		await remindOfDueBackups(db, new Date(), show, setting.intervalDays);
	} finally {
		db.close();
	}
}

/** A reminder clicked: the page, in the window that shows it or a new one. */
sw.addEventListener('notificationclick', (event) => {
	event.notification.close();
	event.waitUntil(
		sw.clients.matchAll({ type: 'window' }).then((windows) => (windows[0] ? windows[0].focus().then(() => undefined) : sw.clients.openWindow(sw.registration.scope).then(() => undefined))),
	);
});
