/// <reference types="vitest/config" />
import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig, type Plugin } from 'vite';
import { CONTENT_SECURITY_POLICY } from './svelte.config.js';

// The app is served from one fixed origin: IndexedDB, OPFS and granted USB devices are per origin
// (scheme + host + port), so a resumed backup must find the page where it left it.
const HOST = '127.0.0.1';
// APP_PORT moves it, for running two checkouts side by side; the default is the one the README names.
const PORT = Number(process.env.APP_PORT ?? 4173);

/** The page's policy as a header, so that it also binds the workers (a <meta> policy binds only the page). */
const cspHeader = Object.entries(CONTENT_SECURITY_POLICY)
	.map(([directive, sources]) => `${directive} ${(sources as readonly string[]).map((s) => (s.includes(':') ? s : `'${s}'`)).join(' ')}`)
	.join('; ');

/**
 * Chunks that workers load on demand keep their module's name (SvelteKit names them by hash alone), so
 * that the service worker can tell the demo's virtual iPhone, fetched only when the demo is tried,
 * from the app's own chunks. Runs after SvelteKit's plugin, whose setting it refines.
 */
const namedWorkerChunks: Plugin = {
	name: 'named-worker-chunks',
	enforce: 'post',
	config: () => ({ worker: { rollupOptions: { output: { chunkFileNames: '_app/immutable/workers/chunks/[name]-[hash].js' } } } }),
};

export default defineConfig({
	plugins: [sveltekit(), namedWorkerChunks],
	worker: { format: 'es' },
	server: { host: HOST, port: 5173, strictPort: true },
	preview: {
		host: HOST,
		port: PORT,
		strictPort: true,
		headers: { 'Content-Security-Policy': cspHeader, 'Referrer-Policy': 'no-referrer' },
	},
	test: {
		include: ['src/**/*.test.ts'],
		setupFiles: ['src/testing/vitest-setup.ts'],
		environment: 'node',
		testTimeout: 20_000,
	},
});
