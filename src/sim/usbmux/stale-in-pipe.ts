import { writeU32 } from '../../lib/bytes';
import { LOCKDOWN_PORT } from '../../lib/lockdown';
import { TcpFlag } from '../../lib/usbmux/constants';
import { MuxFramer } from '../../lib/usbmux/mux-packets';
import { fillerBytes } from '../camera-roll/filler';

/**
 * What a phone's IN pipe may still hold when a host opens it again (after a replug, a tab reload or a
 * crash): the tail of a 32 KiB packet it was sending when the host went, then whole packets for
 * connections of the session before, which no longer exist. Each is one USB transfer, as the phone
 * sent them. The tail is file data, so its bytes 4–7 may well read as a packet length the host could
 * believe (here they do: 12,288).
 */
export function staleInPipe(seed = 1): Uint8Array[] {
	const tail = fillerBytes(seed, 0, 20_000);
	writeU32(tail, 4, 12_288);
	const framer = new MuxFramer();
	framer.useVersion2();
	framer.rxSeq = 41;
	const oldConnection = (sourcePort: number, destinationPort: number, bytes: number) =>
		framer.tcp(
			{ sourcePort, destinationPort, seq: 1_000_000, ack: 77, flags: TcpFlag.Ack, window: 131_072 },
			fillerBytes(seed + destinationPort, 0, bytes),
		);
	return [tail, oldConnection(49_152, 3, 16_360), oldConnection(LOCKDOWN_PORT, 2, 120)];
}
