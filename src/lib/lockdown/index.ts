export {
	LockdownClient,
	DEFAULT_LOCKDOWN_LABEL,
	LOCKDOWN_PORT,
	LOCKDOWN_TYPE,
	type DeviceInfo,
	type DiskUsage,
	type LockdownClientOptions,
	type LockdownSession,
	type PairOptions,
	type PairResult,
	type StartedService,
} from './lockdown-client';
export { lockdownFailure } from './lockdown-errors';
export { pairRecordForDevice, type PairRecord } from './pair-record';
export { PlistChannel, type PlistChannelOptions } from './plist-channel';
export { decodePlist, encodePlist } from '../plist/codec';
export {
	decodePlistFrameBody,
	encodePlistFrame,
	LENGTH_PREFIX_BYTES,
	MAX_PLIST_MESSAGE_BYTES,
	readPlistFrameLength,
} from './plist-frame';
export { isPlistDict, type PlistDict, type PlistValue } from '../plist/value';
export type { SecureChannel, SessionSecurity } from './session-security';
export { tlsSessionSecurity } from './tls-session-security';
