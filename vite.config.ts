/// <reference types="vitest/config" />
import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vite';

// The app is served from one fixed origin: IndexedDB, OPFS and granted USB devices are per origin
// (scheme + host + port), so a resumed backup must find the page where it left it.
const HOST = '127.0.0.1';
const PORT = 4173;

export default defineConfig({
	plugins: [sveltekit()],
	worker: { format: 'es' },
	server: { host: HOST, port: 5173, strictPort: true },
	preview: { host: HOST, port: PORT, strictPort: true },
	test: {
		include: ['src/**/*.test.ts'],
		environment: 'node',
		testTimeout: 20_000,
	},
});
