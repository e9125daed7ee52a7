/**
 * The response headers the built site needs from whatever serves it. The page's own policy travels in
 * a <meta> tag, which binds the page alone: its workers (where the phone's bytes are handled) are
 * bound only by a header, and `frame-ancestors` exists only as one. So every build writes the headers
 * beside the site in the forms static hosts read:
 *   _headers            Netlify and Cloudflare Pages
 *   headers.nginx.conf  `include` it in nginx's `location` of the site (docs/DEPLOY.md)
 * and `npm start` (vite preview) sends the same ones (vite.config.ts).
 *
 * The policy is the page's <meta> one as SvelteKit wrote it, hashes of its inline scripts included:
 * a header without them would block the page's start script, since both policies are enforced.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const HEADERS_FILE = '_headers';
export const NGINX_FILE = 'headers.nginx.conf';

/**
 * The page's policy, as SvelteKit put it in the built page's <meta> tag.
 * @param {string} html
 */
function metaPolicy(html) {
	const policy = /<meta http-equiv="content-security-policy" content="([^"]+)"/i.exec(html)?.[1];
	if (policy === undefined) throw new Error('The built page carries no content-security-policy <meta> tag.');
	return policy.replaceAll('&#39;', "'").replaceAll('&quot;', '"').replaceAll('&amp;', '&');
}

/**
 * Name → value of every header the site is served with.
 * @param {string} indexHtml
 * @returns {Record<string, string>}
 */
export function siteHeaders(indexHtml) {
	return {
		'Content-Security-Policy': `${metaPolicy(indexHtml)}; frame-ancestors 'none'`,
		'Referrer-Policy': 'no-referrer',
		'X-Content-Type-Options': 'nosniff',
		'Cross-Origin-Opener-Policy': 'same-origin',
		'Cross-Origin-Resource-Policy': 'same-origin',
		'Permissions-Policy': 'usb=(self), camera=(), microphone=(), geolocation=(), payment=()',
	};
}

/**
 * Writes `_headers` and `headers.nginx.conf` into the built site at `dir`, served at `base` ('' or '/sub').
 * @param {string} dir
 * @param {string} base
 */
export function writeStaticHeaders(dir, base) {
	const headers = siteHeaders(readFileSync(join(dir, 'index.html'), 'utf8'));
	const lines = Object.entries(headers);
	writeFileSync(join(dir, HEADERS_FILE), `${base}/*\n${lines.map(([name, value]) => `  ${name}: ${value}\n`).join('')}`);
	writeFileSync(join(dir, NGINX_FILE), lines.map(([name, value]) => `add_header ${name} "${value}" always;\n`).join(''));
}

/**
 * Reads `_headers` back: the headers for every path under its one rule (what `vite preview` sends).
 * @param {string} dir
 * @returns {{ prefix: string; headers: Record<string, string> }}
 */
export function readStaticHeaders(dir) {
	const [rule = '', ...lines] = readFileSync(join(dir, HEADERS_FILE), 'utf8').trimEnd().split('\n');
	const prefix = rule.replace(/\*$/, '');
	const headers = Object.fromEntries(lines.map((line) => /** @type {[string, string]} */ (line.trim().split(/:\s(.*)/s).slice(0, 2))));
	return { prefix, headers };
}
