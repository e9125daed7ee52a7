/**
 * Passes on the first report of each stage, then at most one report per `intervalMs` (250 ms, as the
 * backup's progress). Each report to the page is a message it must take and render: one per file
 * (tens of thousands in a scan) kept the page busy for seconds after the worker was done.
 */
export function throttleProgress<P extends { stage: string }>(
	report: (progress: P) => void,
	options: { intervalMs?: number; now?: () => number } = {},
): (progress: P) => void {
	const intervalMs = options.intervalMs ?? 250;
	const now = options.now ?? (() => performance.now());
	let stage: string | undefined;
	let last = 0;
	return (progress) => {
		const at = now();
		if (progress.stage === stage && at - last < intervalMs) return;
		stage = progress.stage;
		last = at;
		report(progress);
	};
}
