import { DeviceError, isDeviceError } from '../errors';
import type { ByteChannel } from '../streams/byte-channel';
import { lockdownFailure } from './lockdown-errors';
import { pairRecordForDevice, type PairRecord } from './pair-record';
import { PlistChannel } from './plist-channel';
import { isPlistDict, type PlistDict, type PlistValue } from '../plist/value';
import type { SecureChannel, SessionSecurity } from './session-security';
import { sleep, withDeadline } from '../streams/waits';

/** What lockdownd logs as the client's name with every request. */
export const DEFAULT_LOCKDOWN_LABEL = 'iPhone Photo Backup';

export const LOCKDOWN_TYPE = 'com.apple.mobile.lockdown';

/**
 * The longest name or version we take from the phone: iOS keeps a device's name far shorter; a lying
 * phone could send a megabyte.
 */
export const MAX_INFO_TEXT = 256;

/** lockdownd's port on every iPhone. */
export const LOCKDOWN_PORT = 62078;

export interface LockdownClientOptions {
	/** The `Label` sent with every request. */
	label?: string;
	/** TLS for sessions; without it StartSession fails when the phone asks for encryption (it always does). */
	security?: SessionSecurity;
	/** How long to wait for any one reply before giving up with 'timeout'. */
	replyTimeoutMs?: number;
}

export interface PairOptions {
	/** Called once, when the iPhone starts showing “Trust This Computer?”. */
	onWaitingForTrust?: () => void;
	/** Pause between two Pair requests while the question is on screen (libimobiledevice: 1 s). */
	pollIntervalMs?: number;
	/** How long to wait in all for an answer on the phone. */
	trustTimeoutMs?: number;
	/** Stops waiting for an answer (the person closed the page's dialog). */
	signal?: AbortSignal;
}

export interface PairResult {
	/** Keep it in the pair record: it lets services open while the phone is locked. */
	escrowBag: Uint8Array | undefined;
}

export interface LockdownSession {
	sessionId: string;
	/** Whether the connection is now in TLS (always so on current iPhones). */
	encrypted: boolean;
}

export interface StartedService {
	port: number;
	/** The service connection needs TLS right after connecting (iOS 12–13 did not ask it for com.apple.afc). */
	enableServiceSSL: boolean;
}

/** The global-domain values the app reads, all readable before pairing. */
export interface DeviceInfo {
	deviceName: string;
	productType: string;
	productVersion: string;
	uniqueDeviceId: string;
	/** PEM "RSA PUBLIC KEY" (PKCS#1), as bytes: what the pair record's DeviceCertificate must wrap. */
	devicePublicKey: Uint8Array;
	/** The pair record's WiFiMACAddress; absent on devices without Wi-Fi. */
	wifiAddress: string | undefined;
}

/** The domain `com.apple.disk_usage`, in bytes. Only hints since iOS 17 (they no longer match Settings). */
export interface DiskUsage {
	totalDiskCapacity: number | undefined;
	totalDataCapacity: number | undefined;
	totalDataAvailable: number | undefined;
	amountDataAvailable: number | undefined;
}

const DEFAULT_REPLY_TIMEOUT_MS = 30_000;
const DEFAULT_POLL_INTERVAL_MS = 1_000;
const DEFAULT_TRUST_TIMEOUT_MS = 5 * 60_000;

/**
 * The host's side of lockdownd (device port 62078) over one connection: request, reply, one at a time.
 * Every failure is a DeviceError; the reply's `Error` strings become codes the page can act on.
 */
export class LockdownClient {
	readonly #channel: PlistChannel;
	readonly #label: string;
	readonly #security: SessionSecurity | undefined;
	readonly #replyTimeoutMs: number;
	#queue: Promise<unknown> = Promise.resolve();
	#sessionId: string | undefined;
	#secureChannel: SecureChannel | undefined;

	constructor(channel: ByteChannel, options: LockdownClientOptions = {}) {
		this.#channel = new PlistChannel(channel);
		this.#label = options.label ?? DEFAULT_LOCKDOWN_LABEL;
		this.#security = options.security;
		this.#replyTimeoutMs = options.replyTimeoutMs ?? DEFAULT_REPLY_TIMEOUT_MS;
	}

	/** The id of the running session, if one is. */
	get sessionId(): string | undefined {
		return this.#sessionId;
	}

	/** `com.apple.mobile.lockdown` on a phone in normal mode. */
	async queryType(): Promise<string> {
		const reply = await this.#request('QueryType');
		return requireString(reply, 'Type');
	}

	/**
	 * A value from the global domain or from `domain`; the whole domain's dictionary without `key`.
	 * `undefined` when the phone has no such value.
	 */
	async getValue(domain?: string, key?: string): Promise<PlistValue | undefined> {
		const fields: PlistDict = {};
		if (domain !== undefined) fields.Domain = domain;
		if (key !== undefined) fields.Key = key;
		const reply = await this.#exchange('GetValue', fields);
		if (reply.Error === 'MissingValue') return undefined;
		throwIfError('GetValue', reply);
		return reply.Value;
	}

	async getDeviceInfo(): Promise<DeviceInfo> {
		const text = async (key: string) => {
			const value = await this.getValue(undefined, key);
			if (typeof value !== 'string') throw malformed(`GetValue ${key}`);
			// Shown on the page and made into a folder name: a phone's word of any length is cut here.
			return value.length > MAX_INFO_TEXT ? value.slice(0, MAX_INFO_TEXT) : value;
		};
		const devicePublicKey = await this.getValue(undefined, 'DevicePublicKey');
		if (!(devicePublicKey instanceof Uint8Array)) throw malformed('GetValue DevicePublicKey');
		// Optional in a pair record: a phone that will not tell (or has no Wi-Fi) does not stop pairing.
		const wifiAddress = await this.getValue(undefined, 'WiFiAddress').catch((error: unknown) => {
			if (isDeviceError(error, 'device-refused')) return undefined;
			throw error;
		});
		return {
			deviceName: await text('DeviceName'),
			productType: await text('ProductType'),
			productVersion: await text('ProductVersion'),
			uniqueDeviceId: await text('UniqueDeviceID'),
			devicePublicKey,
			wifiAddress: typeof wifiAddress === 'string' ? wifiAddress : undefined,
		};
	}

	/** Needs a session on current iPhones. */
	async getDiskUsage(): Promise<DiskUsage> {
		const usage = await this.getValue('com.apple.disk_usage');
		if (!isPlistDict(usage)) throw malformed('GetValue com.apple.disk_usage');
		const bytes = (key: string) => (typeof usage[key] === 'number' ? (usage[key] as number) : undefined);
		return {
			totalDiskCapacity: bytes('TotalDiskCapacity'),
			totalDataCapacity: bytes('TotalDataCapacity'),
			totalDataAvailable: bytes('TotalDataAvailable'),
			amountDataAvailable: bytes('AmountDataAvailable'),
		};
	}

	/**
	 * Asks the phone to trust this computer with `record` (made for this phone's DevicePublicKey). The
	 * phone shows “Trust This Computer?”; the same request is repeated until someone answers there.
	 */
	async pair(record: PairRecord, options: PairOptions = {}): Promise<PairResult> {
		const interval = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
		const timeout = options.trustTimeoutMs ?? DEFAULT_TRUST_TIMEOUT_MS;
		const started = Date.now();
		const fields: PlistDict = {
			PairRecord: pairRecordForDevice(record),
			PairingOptions: { ExtendedPairingErrors: true },
			ProtocolVersion: '2',
		};
		let asked = false;
		for (;;) {
			const reply = await this.#exchange('Pair', fields);
			if (reply.Error !== 'PairingDialogResponsePending') {
				throwIfError('Pair', reply);
				return { escrowBag: reply.EscrowBag instanceof Uint8Array ? reply.EscrowBag : undefined };
			}
			if (!asked) {
				asked = true;
				options.onWaitingForTrust?.();
			}
			if (Date.now() - started + interval > timeout) {
				throw new DeviceError('timeout', 'Nobody answered “Trust This Computer?” on the iPhone.', {
					advice: 'Unlock the iPhone, tap Trust when it asks, enter your passcode, then try again.',
				});
			}
			await pause(interval, options.signal);
		}
	}

	/** Checks that the phone still knows `record` (only iOS < 7 requires it before a session). */
	async validatePair(record: PairRecord): Promise<void> {
		await this.#request('ValidatePair', {
			PairRecord: pairRecordForDevice(record),
			ProtocolVersion: '2',
		});
	}

	/** Makes the phone forget this computer. */
	async unpair(hostId: string): Promise<void> {
		// Old firmware answers Unpair with Request = ValidatePair.
		await this.#request('Unpair', { PairRecord: { HostID: hostId }, ProtocolVersion: '2' }, ['ValidatePair']);
	}

	/**
	 * Opens a session as the paired host; the connection moves into TLS at once when the phone asks
	 * (it always does). 'pairing-forgotten' when the phone no longer knows the record: it answers
	 * InvalidHostID, or takes the session and then ends the TLS handshake.
	 */
	async startSession(record: PairRecord): Promise<LockdownSession> {
		return this.#serialized(async () => {
			const reply = await this.#exchangeNow('StartSession', {
				HostID: record.hostId,
				SystemBUID: record.systemBuid,
			});
			throwIfError('StartSession', reply);
			const sessionId = requireString(reply, 'SessionID');
			const encrypted = reply.EnableSessionSSL === true;
			if (encrypted) {
				const security = this.#security;
				if (security === undefined) {
					await this.#channel.close();
					throw new DeviceError('protocol', 'The iPhone asked for an encrypted connection this page cannot make.');
				}
				// TLS starts on the same connection right after the reply (protocol.md §4.4 step 5).
				await this.#channel.switchTransport(async (transport) => {
					try {
						// A phone that accepts the session and then drops the handshake must not hold us for ever.
						this.#secureChannel = await this.#withTimeout(security.startClient(transport, record));
					} catch (error) {
						throw handshakeFailure(error);
					}
					return this.#secureChannel;
				});
			}
			this.#sessionId = sessionId;
			return { sessionId, encrypted };
		});
	}

	/** Ends the session; the connection goes back to plaintext. Nothing to do without a session. */
	async stopSession(): Promise<void> {
		return this.#serialized(async () => {
			const sessionId = this.#sessionId;
			if (sessionId === undefined) return;
			throwIfError('StopSession', await this.#exchangeNow('StopSession', { SessionID: sessionId }));
			this.#sessionId = undefined;
			const secure = this.#secureChannel;
			if (secure !== undefined) {
				this.#secureChannel = undefined;
				await this.#channel.switchTransport(() => secure.detach());
			}
		});
	}

	/**
	 * Asks the phone to start a service; connect to the returned port on a new connection, in TLS when
	 * `enableServiceSSL`. The escrow bag only unlocks what a locked phone protects (mobilebackup2 is
	 * the only service public clients send it to): a phone that turns a request with it down is asked
	 * again without it.
	 */
	async startService(name: string, options: { escrowBag?: Uint8Array } = {}): Promise<StartedService> {
		const fields: PlistDict = { Service: name };
		let reply: PlistDict;
		if (options.escrowBag !== undefined) {
			reply = await this.#exchange('StartService', { ...fields, EscrowBag: options.escrowBag });
			if (reply.Error !== undefined) {
				const withBag = reply.Error;
				reply = await this.#exchange('StartService', fields);
				if (reply.Error !== undefined && withBag === 'MissingValue') {
					// "Escrow unlock unavailable because user has not unlocked device since boot".
					throw lockdownFailure('StartService', 'EscrowLocked');
				}
			}
		} else {
			reply = await this.#exchange('StartService', fields);
		}
		throwIfError('StartService', reply);
		const port = reply.Port;
		if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 0xffff) {
			throw malformed('StartService Port');
		}
		return { port, enableServiceSSL: reply.EnableServiceSSL === true };
	}

	/** Says goodbye and closes the connection, without waiting for the phone to answer. */
	async close(): Promise<void> {
		await this.#serialized(() => this.#channel.send({ Label: this.#label, Request: 'Goodbye' })).catch(
			() => undefined, // the connection may already be gone; closing is all that is left to do
		);
		await this.#channel.close();
	}

	/** Sends a request and returns its reply, a DeviceError when the reply carries an Error. */
	async #request(request: string, fields: PlistDict = {}, alsoEchoed: string[] = []): Promise<PlistDict> {
		const reply = await this.#exchange(request, fields, alsoEchoed);
		throwIfError(request, reply);
		return reply;
	}

	/** One request and its reply, errors in the reply included. */
	#exchange(request: string, fields: PlistDict, alsoEchoed: string[] = []): Promise<PlistDict> {
		return this.#serialized(() => this.#exchangeNow(request, fields, alsoEchoed));
	}

	async #exchangeNow(request: string, fields: PlistDict, alsoEchoed: string[] = []): Promise<PlistDict> {
		// Sending is bounded too: a phone that stops taking data leaves the write waiting, not only the reply.
		const reply = await this.#withTimeout(
			this.#channel.send({ ...fields, Label: this.#label, Request: request }).then(() => this.#channel.receive()),
		);
		const echoed = reply.Request;
		if (echoed !== undefined && echoed !== request && !alsoEchoed.includes(echoed as string)) {
			await this.#channel.close();
			// The echo may be any plist value, a dict with a `toString` key included: describe, never stringify.
			throw malformed(`${request} answered as ${typeof echoed === 'string' ? echoed : `a ${typeof echoed}`}`);
		}
		return reply;
	}

	/** Requests on one connection never overlap: each waits for the previous reply. */
	#serialized<T>(work: () => Promise<T>): Promise<T> {
		const result = this.#queue.then(work);
		this.#queue = result.catch(() => undefined);
		return result;
	}

	#withTimeout<T>(promise: Promise<T>): Promise<T> {
		return withDeadline(
			promise,
			this.#replyTimeoutMs,
			() => new DeviceError('timeout', 'The iPhone stopped answering.', { advice: 'Unplug the iPhone, plug it back in and try again.' }),
			() => void this.#channel.close(),
		);
	}
}

/**
 * Why the session's TLS handshake failed. A phone that took StartSession and then ended the handshake
 * (closed the connection, or refused our certificate) no longer knows this pairing: it was removed on
 * the phone, which then still answers StartSession (pymobiledevice3 pairs again there, on its
 * SSLZeroReturnError). A pulled cable, a silent phone, our own close stay what they are.
 */
function handshakeFailure(error: unknown): DeviceError {
	if (isDeviceError(error, 'connection-reset') || isDeviceError(error, 'tls')) {
		const forgotten = lockdownFailure('StartSession', 'InvalidHostID');
		return new DeviceError(forgotten.code, forgotten.message, { cause: error, advice: forgotten.advice });
	}
	if (isDeviceError(error)) return error;
	return new DeviceError('protocol', 'The encrypted connection to the iPhone could not be set up.', {
		cause: error,
		advice: 'Unplug the iPhone, plug it back in and try again.',
	});
}

function throwIfError(request: string, reply: PlistDict): void {
	const error = reply.Error;
	if (error === undefined && reply.Result !== 'Failure') return;
	throw lockdownFailure(request, typeof error === 'string' ? error : 'Failure');
}

function requireString(reply: PlistDict, key: string): string {
	const value = reply[key];
	if (typeof value !== 'string') throw malformed(`${String(reply.Request)} without ${key}`);
	return value;
}

function malformed(what: string): DeviceError {
	return new DeviceError('protocol', 'The iPhone sent an answer this page does not understand.', {
		cause: new Error(`lockdown: ${what}`),
	});
}

/** Waits between Trust polls; a cancel ends the pairing with 'connection-closed'. */
async function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
	try {
		await sleep(ms, signal);
	} catch (reason) {
		throw new DeviceError('connection-closed', 'Pairing with the iPhone was cancelled.', { cause: reason });
	}
}
