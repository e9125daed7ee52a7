/*
 * "After this task": a promise that settles once the current task and every microtask it queued have
 * run, through a message posted to ourselves. A timer would do the same but for the clamping browsers
 * apply to timers set from timer callbacks (4 ms each), which a chain of requests would soon reach.
 */

const waiting: (() => void)[] = [];
let port: MessagePort | undefined;

function post(): void {
	if (port === undefined) {
		const channel = new MessageChannel();
		channel.port1.onmessage = () => waiting.shift()?.();
		// In Node a port that listens keeps the process alive; this one must not.
		(channel.port1 as MessagePort & { unref?: () => void }).unref?.();
		port = channel.port2;
	}
	port.postMessage(undefined);
}

/** Settles in a later task than this one: after everything the current task set off in microtasks. */
export function nextTask(): Promise<void> {
	return new Promise((resolve) => {
		waiting.push(resolve);
		post();
	});
}
