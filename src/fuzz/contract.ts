/**
 * The contract every parser of device bytes keeps, whatever the bytes: it returns a value or throws a
 * `DeviceError` (some promise never to throw at all), it settles (never hangs), and it allocates no more
 * than its stated bound. A target's `run` feeds a parser and checks its own output with `expect`; the
 * runner checks the rest.
 */

/** A broken promise found by a target's own checks (an output past its bound, a wrong shape). */
export class ContractViolation extends Error {
	override readonly name = 'ContractViolation';
}

export function expect(condition: boolean, what: string): asserts condition {
	if (!condition) throw new ContractViolation(what);
}

/** A case that did not settle in time: the parser hangs (or waits for bytes that will never come). */
export class HangError extends Error {
	override readonly name = 'HangError';
}

export async function withTimeLimit<T>(promise: Promise<T>, ms: number): Promise<T> {
	let timer: ReturnType<typeof setTimeout> | undefined;
	const limit = new Promise<never>((_, reject) => {
		timer = setTimeout(() => reject(new HangError(`did not settle within ${ms} ms`)), ms);
	});
	try {
		return await Promise.race([promise, limit]);
	} finally {
		clearTimeout(timer);
	}
}

/**
 * Counts the sizes of `new Uint8Array(n)` and `new ArrayBuffer(n)` while installed, by putting counting
 * proxies in place of the two globals (code looks them up when it runs, so parsers see the proxies).
 * Allocations made inside the engine (slice, TextEncoder) are not seen: this catches a parser that
 * allocates what a device announced, which is the allocation that matters.
 */
export class AllocationWatch {
	static readonly #realUint8Array = globalThis.Uint8Array;
	static readonly #realArrayBuffer = globalThis.ArrayBuffer;
	static #active: AllocationWatch | undefined;
	static readonly #countingUint8Array = AllocationWatch.#counting(AllocationWatch.#realUint8Array);
	static readonly #countingArrayBuffer = AllocationWatch.#counting(AllocationWatch.#realArrayBuffer);

	/** The largest single allocation seen, in bytes. */
	largest = 0;

	static #counting<T extends new (...args: never[]) => object>(real: T): T {
		return new Proxy(real, {
			construct(target, args: unknown[], newTarget) {
				const size = args[0];
				const watch = AllocationWatch.#active;
				if (watch !== undefined && typeof size === 'number' && size > watch.largest) watch.largest = size;
				return Reflect.construct(target, args, newTarget);
			},
		});
	}

	/** Starts counting; one watch at a time (the runner runs one case at a time). */
	static start(): AllocationWatch {
		const watch = new AllocationWatch();
		AllocationWatch.#active = watch;
		globalThis.Uint8Array = AllocationWatch.#countingUint8Array;
		globalThis.ArrayBuffer = AllocationWatch.#countingArrayBuffer;
		return watch;
	}

	stop(): void {
		if (AllocationWatch.#active !== this) return;
		AllocationWatch.#active = undefined;
		globalThis.Uint8Array = AllocationWatch.#realUint8Array;
		globalThis.ArrayBuffer = AllocationWatch.#realArrayBuffer;
	}
}

const CONSOLE_METHODS = ['log', 'info', 'warn', 'error', 'debug'] as const;

/**
 * Counts what parsers write to the console while installed, instead of printing it (ExifReader warns
 * about some malformed files): a hundred thousand cases would drown the report. Not a contract breach.
 */
export class ConsoleWatch {
	messages = 0;
	readonly #saved = CONSOLE_METHODS.map((method) => console[method]);

	static start(): ConsoleWatch {
		const watch = new ConsoleWatch();
		for (const method of CONSOLE_METHODS) console[method] = () => void watch.messages++;
		return watch;
	}

	stop(): void {
		CONSOLE_METHODS.forEach((method, i) => (console[method] = this.#saved[i]!));
	}
}
