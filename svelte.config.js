import adapter from '@sveltejs/adapter-static';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/**
 * What the page may do, and nothing more: its own scripts and workers, WebAssembly for hashing, and
 * requests to its own origin only. A photo can leave this computer through none of them.
 * The same policy is sent as a header by the preview server (vite.config.ts), which also covers workers.
 */
/** @type {NonNullable<NonNullable<import('@sveltejs/kit').KitConfig['csp']>['directives']>} */
export const CONTENT_SECURITY_POLICY = {
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
		adapter: adapter({ fallback: undefined }),
		csp: { mode: 'hash', directives: CONTENT_SECURITY_POLICY },
		serviceWorker: { register: true },
	},
};
