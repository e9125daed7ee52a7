import type { ByteChannel } from '../../lib/streams/byte-channel';

/**
 * A trivial device end for tests of the USB layers alone: every chunk the host sends comes back as one
 * IN packet. Settles when the device end ends (unplug).
 */
export async function echoDeviceEnd(channel: ByteChannel): Promise<void> {
	const reader = channel.readable.getReader();
	const writer = channel.writable.getWriter();
	try {
		for (;;) {
			const { value, done } = await reader.read();
			if (done) break;
			await writer.write(value);
		}
	} catch {
		// the device was unplugged while echoing
	} finally {
		reader.releaseLock();
		writer.releaseLock();
	}
}
