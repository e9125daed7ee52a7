/**
 * AFC (Apple File Conduit, service `com.apple.afc`) numbers: operations, status codes, open modes and
 * the limits this app holds a device to. Byte layouts: shared docs, protocol.md §7.
 */

/** Operation codes, the u64 at offset 32 of every packet. */
export const AfcOperation = {
	Status: 0x01,
	Data: 0x02,
	ReadDir: 0x03,
	RemovePath: 0x08,
	MakeDir: 0x09,
	GetFileInfo: 0x0a,
	GetDeviceInfo: 0x0b,
	FileRefOpen: 0x0d,
	FileRefOpenResult: 0x0e,
	FileRefRead: 0x0f,
	FileRefWrite: 0x10,
	FileRefSeek: 0x11,
	FileRefTell: 0x12,
	FileRefTellResult: 0x13,
	FileRefClose: 0x14,
} as const;

/** Status codes carried by a Status reply (include/libimobiledevice/afc.h, pymobiledevice3 `AfcError`). */
export const AfcStatus = {
	Success: 0,
	UnknownError: 1,
	OpHeaderInvalid: 2,
	NoResources: 3,
	ReadError: 4,
	WriteError: 5,
	UnknownPacketType: 6,
	InvalidArg: 7,
	ObjectNotFound: 8,
	ObjectIsDir: 9,
	PermDenied: 10,
	ServiceNotConnected: 11,
	OpTimeout: 12,
	TooMuchData: 13,
	EndOfData: 14,
	OpNotSupported: 15,
	ObjectExists: 16,
	ObjectBusy: 17,
	NoSpaceLeft: 18,
	OpWouldBlock: 19,
	IoError: 20,
	OpInterrupted: 21,
	OpInProgress: 22,
	InternalError: 23,
} as const;

const statusNames = new Map<number, string>(Object.entries(AfcStatus).map(([name, code]) => [code, name]));

/** `ObjectNotFound` for 8; `status 99` for a code no device is known to send. */
export function afcStatusName(status: number): string {
	return statusNames.get(status) ?? `status ${status}`;
}

/** FileRefOpen modes (`AFC_FOPEN_*`). The photo app only reads. */
export const AfcOpenMode = { ReadOnly: 1 } as const;

/** FileRefSeek `whence`, as in lseek(2). */
export const AfcSeekFrom = { Start: 0, Current: 1, End: 2 } as const;
export type AfcSeekFrom = (typeof AfcSeekFrom)[keyof typeof AfcSeekFrom];

/**
 * Requests the client has sent on one AFC connection and not yet had answered: the one bound on all
 * its pipelining (a folder's stats, a file's reads two deep, the close sent behind them). Every public
 * client but pymobiledevice3 since 2026 waits for each reply; how many a real afcd takes is unknown,
 * so the bound is modest, and a phone that turns pipelined requests down gets plain request/reply.
 */
export const AFC_PIPELINE_DEPTH = 16;

export const AFC_MAGIC = 'CFA6LPAA';
export const AFC_HEADER_LENGTH = 40;

const MiB = 1024 * 1024;

/**
 * What a device may announce before we refuse to allocate it. A read reply is further held to the
 * length that was asked for; these are the ceilings.
 */
export const AfcLimits = {
	/** Largest FileRefRead length we ask for, and so the largest data reply we accept. */
	maxReadLength: 8 * MiB,
	/** A ReadDir reply: 100,000 names of 150 bytes still fit. */
	maxListReply: 16 * MiB,
	/** A GetFileInfo or GetDeviceInfo reply: a handful of short key/value strings. */
	maxInfoReply: 64 * 1024,
	/** Status, FileRefOpenResult, FileRefTellResult: 8 bytes, with room for a device that pads. */
	maxSmallReply: 4096,
	/** Longest path we send or, as the simulated device, accept. */
	maxPathBytes: 4096,
} as const;
