import type { CDPSession } from '@playwright/test';

/**
 * Samples a worker's JS heap (`Runtime.getHeapUsage`) through a page's CDP session: Playwright has no
 * sessions of its own for workers, so the worker target is attached unflattened and spoken to through
 * `Target.sendMessageToTarget`.
 */
export async function workerHeap(cdp: CDPSession, urlPart: string): Promise<() => Promise<number>> {
	const { targetInfos } = (await cdp.send('Target.getTargets')) as { targetInfos: { targetId: string; type: string; url: string }[] };
	const target = targetInfos.find((info) => info.type === 'worker' && info.url.includes(urlPart));
	if (!target) throw new Error(`no worker ${urlPart}`);
	const { sessionId } = (await cdp.send('Target.attachToTarget', { targetId: target.targetId, flatten: false })) as { sessionId: string };
	let id = 0;
	const replies = new Map<number, (value: { usedSize: number }) => void>();
	cdp.on('Target.receivedMessageFromTarget', (event: { sessionId: string; message: string }) => {
		if (event.sessionId !== sessionId) return;
		const message = JSON.parse(event.message) as { id?: number; result?: { usedSize: number } };
		if (message.id !== undefined && message.result) replies.get(message.id)?.(message.result);
	});
	return async () => {
		const request = ++id;
		const reply = new Promise<{ usedSize: number }>((resolve) => replies.set(request, resolve));
		await cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id: request, method: 'Runtime.getHeapUsage' }) });
		return (await reply).usedSize;
	};
}
