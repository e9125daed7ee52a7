/**
 * Things a host did that a real iPhone would object to (or that our host promises never to do). The
 * virtual iPhone records them so tests can assert that none happened.
 */
export type UsbmuxViolationKind =
	/** More unacknowledged bytes than the device's window: a real phone resets with "amnesia". */
	| 'window-overrun'
	/** A packet whose length is a whole number of USB packets, which would need a zero-length packet. */
	| 'zlp-length'
	/** A v2 tx_seq that is not the previous one + 1, or an rx_seq the device never sent. */
	| 'bad-seq'
	/** A v2 header without 0xFEEDFACE. */
	| 'bad-magic'
	/** A packet longer than 65535 bytes (or shorter than its header): the phone answers with a CONTROL error. */
	| 'bad-length'
	/**
	 * An OUT transfer that is not exactly one packet: two packets in one transfer, or one packet over two
	 * (its length field disagrees with the transfer's). The phone parses one packet per transfer.
	 */
	| 'transfer-framing'
	/** A TCP sequence number that is not the next byte expected. */
	| 'tcp-seq'
	/** Anything else that breaks the protocol: TCP before SETUP, odd flags, a short TCP header. */
	| 'malformed';

export interface UsbmuxViolation {
	kind: UsbmuxViolationKind;
	detail: string;
}
