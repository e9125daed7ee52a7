/*
 * Waits with an end: every wait on the phone has a bound (a deadline) or an abort signal the person
 * controls (Cancel), so that no promise in a reconnection can leave the page waiting for ever.
 */

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
	return new Promise<void>((resolve, reject) => {
		if (signal?.aborted) return reject(signal.reason);
		const timer = setTimeout(() => {
			signal?.removeEventListener('abort', onAbort);
			resolve();
		}, ms);
		const onAbort = () => {
			clearTimeout(timer);
			reject(signal!.reason);
		};
		signal?.addEventListener('abort', onAbort, { once: true });
	});
}

/** `promise`, or the abort reason as soon as `signal` aborts (the work itself runs on and is dropped). */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
	return new Promise<T>((resolve, reject) => {
		if (signal.aborted) return reject(signal.reason);
		const onAbort = () => reject(signal.reason);
		signal.addEventListener('abort', onAbort, { once: true });
		promise.then(
			(value) => {
				signal.removeEventListener('abort', onAbort);
				resolve(value);
			},
			(error: unknown) => {
				signal.removeEventListener('abort', onAbort);
				reject(error);
			},
		);
	});
}

/**
 * `promise`, or the error `late()` makes once `ms` have passed without it settling. `onLate` runs then
 * too, to undo what the work holds (close a connection), since nothing else will.
 */
export function withDeadline<T>(promise: Promise<T>, ms: number, late: () => Error, onLate?: () => void): Promise<T> {
	let timer: ReturnType<typeof setTimeout> | undefined;
	const expired = new Promise<never>((_, reject) => {
		timer = setTimeout(() => {
			onLate?.();
			reject(late());
		}, ms);
	});
	return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}
