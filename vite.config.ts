/// <reference types="vitest/config" />
import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig, type Plugin } from 'vite';
import { readStaticHeaders } from './scripts/static-headers.js';

// The app is served from one fixed origin: IndexedDB, OPFS and granted USB devices are per origin
// (scheme + host + port), so a resumed backup must find the page where it left it.
const HOST = '127.0.0.1';
// APP_PORT moves it, for running two checkouts side by side; the default is the one the README names.
const PORT = Number(process.env.APP_PORT ?? 4173);

/**
 * `npm start` sends the headers every static host is given with the build (its `_headers` file, see
 * scripts/static-headers.js), so that the page and its workers run here under the policy they get
 * where the site is put up. SvelteKit's preview server does not apply `preview.headers`.
 */
const staticHostHeaders: Plugin = {
	name: 'static-host-headers',
	configurePreviewServer(server) {
		const built = readStaticHeaders(process.env.BUILD_DIR ?? 'build');
		server.middlewares.use((request, response, next) => {
			if (request.url?.startsWith(built.prefix)) for (const [name, value] of Object.entries(built.headers)) response.setHeader(name, value);
			next();
		});
	},
};

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
	plugins: [staticHostHeaders, sveltekit(), namedWorkerChunks],
	worker: { format: 'es' },
	// SQLite's WebAssembly build finds `sqlite3.wasm` beside its own module (`new URL(…, import.meta.url)`):
	// pre-bundled by `vite dev`, the module would move away from the file.
	optimizeDeps: { exclude: ['@sqlite.org/sqlite-wasm'] },
	server: { host: HOST, port: 5173, strictPort: true },
	preview: {
		host: HOST,
		port: PORT,
		strictPort: true,
	},
	test: {
		include: ['src/**/*.test.ts'],
		setupFiles: ['src/testing/vitest-setup.ts'],
		environment: 'node',
		testTimeout: 20_000,
	},
});
