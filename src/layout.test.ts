/**
 * The layout rule: `src/lib/` (with the routes and workers) is what ships; the virtual iPhone
 * (`src/sim/`), the test helpers (`src/testing/`) and the fuzzer (`src/fuzz/`) never reach the page,
 * except the demo, which the app loads with `import()` when "Try the demo iPhone" is clicked, and
 * which carries neither the hostile profile nor any test helper.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = dirname(fileURLToPath(import.meta.url));
const NOT_SHIPPED = ['sim', 'testing', 'fuzz'].map((folder) => join(SRC, folder) + '/');
/** The one way in from the product to the simulator: a dynamic import of the demo. */
const DEMO_ENTRY = join(SRC, 'sim/demo/virtual-iphone-demo.ts');
const DEMO_IMPORTER = join(SRC, 'lib/app/device-service.ts');

interface Import {
	target: string;
	dynamic: boolean;
}

function sourceFiles(folder: string): string[] {
	return readdirSync(folder).flatMap((name) => {
		const path = join(folder, name);
		if (statSync(path).isDirectory()) return sourceFiles(path);
		return /\.(ts|svelte)$/.test(name) && !/\.test\.ts$/.test(name) ? [path] : [];
	});
}

function resolveSpecifier(from: string, specifier: string): string | undefined {
	const base = specifier.startsWith('$lib/') ? join(SRC, 'lib', specifier.slice(5)) : specifier.startsWith('.') ? resolve(dirname(from), specifier) : undefined;
	if (base === undefined) return undefined; // a package
	for (const candidate of [base, `${base}.ts`, `${base}.svelte`, join(base, 'index.ts')]) {
		try {
			if (statSync(candidate).isFile()) return candidate;
		} catch {
			// try the next form
		}
	}
	throw new Error(`${relative(SRC, from)}: cannot resolve ${specifier}`);
}

/** The modules `file` loads at run time: static imports and re-exports (not `import type`), and `import()`. */
function importsOf(file: string): Import[] {
	const text = readFileSync(file, 'utf8');
	const found: Import[] = [];
	for (const match of text.matchAll(/^\s*(?:import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]/gm)) {
		if (match[1]) continue;
		const target = resolveSpecifier(file, match[2]!);
		if (target) found.push({ target, dynamic: false });
	}
	for (const match of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) {
		// `typeof import('…')` names a type; it loads nothing.
		if (/typeof\s+$/.test(text.slice(0, match.index))) continue;
		const target = resolveSpecifier(file, match[1]!);
		if (target) found.push({ target, dynamic: true });
	}
	return found;
}

const notShipped = (path: string) => NOT_SHIPPED.some((folder) => path.startsWith(folder));

describe('what ships', () => {
	const product = [...sourceFiles(join(SRC, 'lib')), ...sourceFiles(join(SRC, 'routes')), ...sourceFiles(join(SRC, 'workers')), join(SRC, 'service-worker.ts')];

	it('src/lib, the routes and the workers import neither the simulator nor a test helper, but for the demo, with import()', () => {
		const crossings = product.flatMap((file) =>
			importsOf(file)
				.filter(({ target }) => notShipped(target))
				.filter(({ target, dynamic }) => !(dynamic && file === DEMO_IMPORTER && target === DEMO_ENTRY))
				.map(({ target }) => `${relative(SRC, file)} → ${relative(SRC, target)}`),
		);
		expect(crossings).toEqual([]);
	});

	it('the demo brings the virtual iPhone, without the hostile profile or any test helper', () => {
		const seen = new Set<string>();
		const queue = [DEMO_ENTRY];
		while (queue.length > 0) {
			const file = queue.pop()!;
			if (seen.has(file)) continue;
			seen.add(file);
			for (const { target } of importsOf(file)) queue.push(target);
		}
		const reached = [...seen].map((file) => relative(SRC, file));
		expect(reached).toContain('sim/virtual-iphone.ts');
		expect(reached.filter((file) => file.startsWith('sim/hostile/') || file.startsWith('testing/') || file.startsWith('fuzz/') || file.endsWith('-node.ts'))).toEqual([]);
	});

	it('a crossing is seen (the check can fail)', () => {
		const probe = join(SRC, 'lib/app/device-service.ts');
		expect(importsOf(probe).some(({ target, dynamic }) => dynamic && target === DEMO_ENTRY)).toBe(true);
	});
});
