import adapter from '@sveltejs/adapter-static';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';
import { writeStaticHeaders } from './scripts/static-headers.js';

/**
 * Where the site is put up: `BASE_PATH=/photos` builds it for https://example.org/photos/ (a GitHub
 * Pages project site, say). `BUILD_DIR` and `SVELTEKIT_DIR` move the build's output and SvelteKit's
 * working folder, so that a second build can be made beside the one being served.
 */
const BASE_PATH = process.env.BASE_PATH ?? '';
const BUILD_DIR = process.env.BUILD_DIR ?? 'build';

/** The static adapter, then the response headers written beside the site (scripts/static-headers.js). */
function staticSite() {
	const inner = adapter({ pages: BUILD_DIR, assets: BUILD_DIR, fallback: undefined });
	return {
		...inner,
		async adapt(builder) {
			await inner.adapt(builder);
			writeStaticHeaders(BUILD_DIR, builder.config.kit.paths.base);
		},
	};
}

/**
 * What the page may do, and nothing more: its own scripts and workers, WebAssembly for hashing, and
 * requests to its own origin only. A photo can leave this computer through none of them.
 * The same policy, with `frame-ancestors`, is written beside the built site as response headers for
 * static hosts and sent by `npm start` (scripts/static-headers.js): a header also binds the workers.
 */
/** @type {NonNullable<NonNullable<import('@sveltejs/kit').KitConfig['csp']>['directives']>} */
const CONTENT_SECURITY_POLICY = {
	'default-src': ['self'],
	'script-src': ['self', 'wasm-unsafe-eval'],
	'worker-src': ['self'],
	'connect-src': ['self'],
	'img-src': ['self', 'blob:', 'data:'],
	'style-src': ['self', 'unsafe-inline'],
	'font-src': ['self'],
	'manifest-src': ['self'],
	'object-src': ['none'],
	'base-uri': ['none'],
	'form-action': ['none'],
};

/** @type {import('@sveltejs/kit').Config} */
export default {
	preprocess: vitePreprocess(),
	kit: {
		adapter: staticSite(),
		outDir: process.env.SVELTEKIT_DIR ?? '.svelte-kit',
		paths: { base: BASE_PATH },
		csp: { mode: 'hash', directives: CONTENT_SECURITY_POLICY },
		serviceWorker: { register: true },
	},
};
