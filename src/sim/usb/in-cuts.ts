/**
 * Where a bulk IN transfer result can end among the packets a device has queued. A device ends each of
 * its transfers with a short USB packet (or a ZLP), and a host transfer completes on a short packet or
 * when its buffer (a whole number of USB packets) is full. So a result ends at the end of a device
 * packet, or inside one at a whole number of USB packets from that packet's start — never anywhere
 * else. (usbmuxd relies on it: a packet continues in the next transfer only after a full one,
 * src/device.c `device_data_input`.)
 *
 * @param packets the device's queued packets, in order
 * @param headOffset bytes of the first packet already taken (a whole number of USB packets)
 * @param wanted the length the result would like to have (at least 1)
 * @param packetSize wMaxPacketSize of the endpoint
 * @returns the length nearest below `wanted` at which a result can end; when there is none, the first
 *   such length above it (the head packet's first USB packet, or its end)
 */
export function inResultLength(
	packets: readonly Uint8Array[],
	headOffset: number,
	wanted: number,
	packetSize: number,
): number {
	let taken = 0;
	for (let i = 0; i < packets.length; i++) {
		const start = i === 0 ? headOffset : 0;
		const left = packets[i]!.byteLength - start;
		if (wanted - taken >= left) {
			taken += left;
			if (taken === wanted) return taken;
			continue;
		}
		const cut = start + (wanted - taken);
		const aligned = cut - (cut % packetSize);
		if (aligned > start) return taken + aligned - start;
		if (taken > 0) return taken;
		return Math.min(left, packetSize);
	}
	return taken;
}
