/// <reference types="vitest/config" />
import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vite';
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

export default defineConfig({
	plugins: [sveltekit()],
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
		environment: 'node',
		testTimeout: 20_000,
	},
});
