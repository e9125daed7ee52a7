import { LOCKDOWN_TYPE } from '../../lib/lockdown/lockdown-client';
import { PlistChannel } from '../../lib/lockdown/plist-channel';
import { isPlistDict, type PlistDict } from '../../lib/plist/value';
import type { SecureChannel } from '../../lib/lockdown/session-security';
import type { ByteChannel } from '../../lib/streams/byte-channel';
import { createDeviceIdentity, type DeviceIdentity, type DeviceKeys, type DeviceValues } from './device-identity';
import type { DeviceSessionSecurity, DeviceTlsCredentials } from './device-session-security';
import { equalBytes } from '../../lib/bytes';
import { checkPairRecord, type AcceptedPairRecord } from './pair-record-check';
import type { ServiceRegistry } from './service-registry';
import { skipLeadingCloseNotify } from './skip-close-notify';
import { TrustDialog, type TrustDialogOptions } from './trust-dialog';

export interface SimLockdowndOptions {
	identity: DeviceIdentity;
	/** Starts the services StartService asks for; without it every service is InvalidService. */
	services?: ServiceRegistry;
	/**
	 * The TLS server for sessions. Without it sessions stay in plaintext (EnableSessionSSL false), which
	 * no current iPhone does: a convenience for tests of what happens inside a session.
	 */
	security?: DeviceSessionSecurity;
	trust?: TrustDialogOptions;
	/** Computers this phone trusts already (kept from an earlier run by `onTrustChanged`). */
	trustedHosts?: readonly TrustedHost[];
	/** The computers it trusts changed (a Pair, an Unpair, a forget): what to keep for next time. */
	onTrustChanged?: (hosts: TrustedHost[]) => void;
	/** Write each reply's length prefix and body separately, as the real daemon does. Default true. */
	separateLengthWrite?: boolean;
	/** Test hook: “Trust This Computer?” appeared on screen. */
	onTrustPromptShown?: () => void;
	/** Test hook: every request as received. */
	onRequest?: (request: PlistDict) => void;
	/** Test hook: a connection ended because of an error (bad framing, failed TLS). */
	onConnectionError?: (error: unknown) => void;
}

/** A computer the phone trusts: the pair record it accepted and the escrow bag it handed out. */
export interface TrustedHost {
	record: AcceptedPairRecord;
	escrowBag: Uint8Array;
}

type Pairing = TrustedHost;

/** How a phone shows it forgot a computer: InvalidHostID to StartSession, or a TLS handshake dropped after it. */
export type ForgetHow = 'invalid-host-id' | 'drop-tls';

/** State of one connection: plain → (StartSession) → session, TLS → (StopSession) → plain. */
interface Connection {
	session: { id: string; hostId: string } | undefined;
	secure: SecureChannel | undefined;
}

interface Outcome {
	reply: PlistDict;
	/** What the connection does right after the reply is sent. */
	then?: 'start-tls' | 'stop-tls' | 'close';
}

/** Keys an iPhone answers before it trusts the host (protocol.md §4.3); the rest is GetProhibited. */
const UNPAIRED_KEYS = new Set([
	'BuildVersion',
	'DeviceClass',
	'DeviceName',
	'DevicePublicKey',
	'ProductType',
	'ProductVersion',
	'ProtocolVersion',
	'TimeIntervalSince1970',
	'TimeZone',
	'UniqueDeviceID',
	'WiFiAddress',
]);

const DISK_USAGE_DOMAIN = 'com.apple.disk_usage';

/**
 * The virtual iPhone's lockdownd: answers each connection handed to `serve()` the way a real one does,
 * with persistent state shared by all connections (trusted hosts and their escrow bags, the lock, the
 * Trust dialog). It checks requests the way the phone does, not the way our client happens to send them.
 */
export class SimLockdownd {
	readonly identity: DeviceIdentity;
	readonly trustDialog: TrustDialog;
	readonly #services: ServiceRegistry | undefined;
	readonly #security: DeviceSessionSecurity | undefined;
	readonly #separateLengthWrite: boolean;
	readonly #onRequest: ((request: PlistDict) => void) | undefined;
	readonly #onConnectionError: ((error: unknown) => void) | undefined;
	readonly #pairings = new Map<string, Pairing>();
	/** Hosts forgotten in a way that still takes their StartSession, then drops the TLS handshake. */
	readonly #forgottenAtTls = new Set<string>();
	readonly #onTrustChanged: ((hosts: TrustedHost[]) => void) | undefined;

	constructor(options: SimLockdowndOptions) {
		this.identity = options.identity;
		this.trustDialog = new TrustDialog(options.trust, options.onTrustPromptShown);
		this.#services = options.services;
		this.#security = options.security;
		this.#separateLengthWrite = options.separateLengthWrite ?? true;
		this.#onRequest = options.onRequest;
		this.#onConnectionError = options.onConnectionError;
		this.#onTrustChanged = options.onTrustChanged;
		for (const host of options.trustedHosts ?? []) this.#pairings.set(host.record.hostId, { ...host });
	}

	/** A lockdownd with a freshly generated device key pair, or the one in `deviceKeys`. */
	static async create(
		options: Omit<SimLockdowndOptions, 'identity'> & { values?: Partial<DeviceValues>; deviceKeys?: DeviceKeys } = {},
	): Promise<SimLockdownd> {
		return new SimLockdownd({ ...options, identity: await createDeviceIdentity(options.values, options.deviceKeys) });
	}

	/** HostIDs of the computers this phone trusts. */
	get trustedHostIds(): string[] {
		return [...this.#pairings.keys()];
	}

	/** The escrow bag handed to `hostId` at pairing. */
	escrowBagOf(hostId: string): Uint8Array | undefined {
		return this.#pairings.get(hostId)?.escrowBag;
	}

	/**
	 * The phone forgets one computer, as after a restore. Its next StartSession gets InvalidHostID; with
	 * 'drop-tls', StartSession is still taken and the TLS handshake after it dropped (the phone closes
	 * the connection: pymobiledevice3's SSLZeroReturnError, "a pair record, but it was removed on-device").
	 */
	forgetHost(hostId: string, how: ForgetHow = 'invalid-host-id'): void {
		if (!this.#pairings.delete(hostId)) return;
		if (how === 'drop-tls') this.#forgottenAtTls.add(hostId);
		this.#trustChanged();
	}

	/** Settings › Reset Location & Privacy: every computer is forgotten (see `forgetHost`). */
	forgetAllHosts(how: ForgetHow = 'invalid-host-id'): void {
		for (const hostId of this.trustedHostIds) this.forgetHost(hostId, how);
	}

	#trustChanged(): void {
		this.#onTrustChanged?.([...this.#pairings.values()].map((pairing) => ({ ...pairing })));
	}

	/** Serves one connection to port 62078 until it ends. Never rejects. */
	async serve(channel: ByteChannel): Promise<void> {
		const plist = new PlistChannel(channel, { separateLengthWrite: this.#separateLengthWrite });
		const connection: Connection = { session: undefined, secure: undefined };
		try {
			for (;;) {
				const request = await plist.receiveOrEnd();
				if (request === undefined) break;
				this.#onRequest?.(request);
				const { reply, then } = await this.#handle(request, connection);
				await plist.send(reply);
				if (then === 'close') break;
				if (then === 'start-tls') await this.#startTls(plist, connection);
				if (then === 'stop-tls') await this.#stopTls(plist, connection);
			}
		} catch (error) {
			// Like the real daemon, a connection that breaks the protocol is dropped.
			this.#onConnectionError?.(error);
		} finally {
			await plist.close();
		}
	}

	async #startTls(plist: PlistChannel, connection: Connection): Promise<void> {
		const security = this.#security;
		const credentials = connection.session && this.#credentialsOf(connection.session.hostId);
		if (security === undefined || credentials === undefined) return;
		await plist.switchTransport(async (transport) => {
			connection.secure = await security.startServer(transport, credentials);
			return connection.secure;
		});
	}

	/** The TLS server's side for a trusted host: the device certificate it made, the phone's own key. */
	#credentialsOf(hostId: string): DeviceTlsCredentials | undefined {
		const pairing = this.#pairings.get(hostId);
		if (pairing === undefined) return undefined;
		return {
			certificate: pairing.record.deviceCertificate,
			privateKey: this.identity.keyPair.privateKey,
			rootCertificate: pairing.record.rootCertificate,
		};
	}

	async #stopTls(plist: PlistChannel, connection: Connection): Promise<void> {
		const secure = connection.secure;
		if (secure === undefined) return;
		connection.secure = undefined;
		await plist.switchTransport(async () => skipLeadingCloseNotify(await secure.detach()));
	}

	async #handle(request: PlistDict, connection: Connection): Promise<Outcome> {
		const name = request.Request;
		switch (name) {
			case 'QueryType':
				return { reply: { Request: name, Type: LOCKDOWN_TYPE } };
			case 'GetValue':
				return { reply: this.#getValue(request, connection) };
			case 'SetValue':
				return { reply: this.#setValue(request, connection) };
			case 'Pair':
				return { reply: await this.#pair(request) };
			case 'ValidatePair':
				return { reply: this.#validatePair(request) };
			case 'Unpair':
				return { reply: this.#unpair(request) };
			case 'StartSession':
				return this.#startSession(request, connection);
			case 'StopSession':
				return this.#stopSession(request, connection);
			case 'StartService':
				return { reply: await this.#startService(request, connection) };
			case 'Goodbye':
				return { reply: { Request: name }, then: 'close' };
			default:
				// Not a string the public error tables list; an unknown request is refused all the same.
				return { reply: failure(typeof name === 'string' ? name : undefined, 'InvalidRequest') };
		}
	}

	#getValue(request: PlistDict, connection: Connection): PlistDict {
		const { Domain: domain, Key: key } = request;
		const echo: PlistDict = { Request: 'GetValue' };
		if (typeof domain === 'string') echo.Domain = domain;
		if (typeof key === 'string') echo.Key = key;
		if ((domain !== undefined && typeof domain !== 'string') || (key !== undefined && typeof key !== 'string')) {
			return { ...echo, Error: 'MissingValue' };
		}
		const inSession = connection.session !== undefined;
		let values: PlistDict;
		if (domain === undefined) {
			values = this.#globalValues();
			if (!inSession) {
				if (key !== undefined && !UNPAIRED_KEYS.has(key)) return { ...echo, Error: 'GetProhibited' };
				values = Object.fromEntries(Object.entries(values).filter(([name]) => UNPAIRED_KEYS.has(name)));
			}
		} else {
			if (!inSession) return { ...echo, Error: 'GetProhibited' };
			if (domain !== DISK_USAGE_DOMAIN) return { ...echo, Error: 'MissingValue' };
			values = { ...this.identity.values.diskUsage };
		}
		if (key === undefined) return { ...echo, Value: values };
		const value = values[key];
		return value === undefined ? { ...echo, Error: 'MissingValue' } : { ...echo, Value: value };
	}

	#globalValues(): PlistDict {
		const { diskUsage: _diskUsage, ...values } = this.identity.values;
		return {
			...values,
			DevicePublicKey: this.identity.devicePublicKey,
			ProtocolVersion: '2',
			TimeIntervalSince1970: Date.now() / 1000,
		};
	}

	#setValue(request: PlistDict, connection: Connection): PlistDict {
		// usbmuxd tells an untrusted phone who is asking; nothing else is settable here.
		if (request.Key === 'UntrustedHostBUID' && typeof request.Value === 'string') return { Request: 'SetValue' };
		return failure('SetValue', connection.session ? 'SetProhibited' : 'SessionInactive');
	}

	async #pair(request: PlistDict): Promise<PlistDict> {
		const checked = await checkPairRecord(request.PairRecord, this.identity.publicKeySpki);
		if ('error' in checked) return failure('Pair', checked.error);
		const known = this.#pairings.get(checked.hostId);
		if (known !== undefined && equalBytes(known.record.rootCertificate, checked.rootCertificate)) {
			known.record = checked;
			this.#trustChanged();
			return { EscrowBag: known.escrowBag, Request: 'Pair' };
		}
		switch (this.trustDialog.ask()) {
			case 'locked':
				return failure('Pair', 'PasswordProtected');
			case 'pending':
				return failure('Pair', 'PairingDialogResponsePending');
			case 'denied':
				return failure('Pair', 'UserDeniedPairing');
			case 'trusted': {
				const escrowBag = crypto.getRandomValues(new Uint8Array(32));
				this.#pairings.set(checked.hostId, { record: checked, escrowBag });
				this.#forgottenAtTls.delete(checked.hostId);
				this.#trustChanged();
				return { EscrowBag: escrowBag, Request: 'Pair' };
			}
		}
	}

	#validatePair(request: PlistDict): PlistDict {
		const record = request.PairRecord;
		if (!isPlistDict(record)) return failure('ValidatePair', 'MissingPairRecord');
		const known = typeof record.HostID === 'string' ? this.#pairings.get(record.HostID) : undefined;
		const certificate = record.HostCertificate;
		if (
			known === undefined ||
			!(certificate instanceof Uint8Array) ||
			!equalBytes(certificate, known.record.hostCertificate)
		) {
			return failure('ValidatePair', 'InvalidHostID');
		}
		return { Request: 'ValidatePair' };
	}

	#unpair(request: PlistDict): PlistDict {
		const record = request.PairRecord;
		const hostId = isPlistDict(record) ? record.HostID : undefined;
		if (typeof hostId !== 'string') return failure('Unpair', 'MissingHostID');
		if (!this.#pairings.delete(hostId)) return failure('Unpair', 'InvalidHostID');
		this.#trustChanged();
		return { Request: 'Unpair' };
	}

	#startSession(request: PlistDict, connection: Connection): Outcome {
		if (connection.session !== undefined) return { reply: failure('StartSession', 'SessionActive') };
		const hostId = request.HostID;
		if (typeof hostId !== 'string') return { reply: failure('StartSession', 'MissingHostID') };
		if (this.#forgottenAtTls.has(hostId)) {
			// Taken, as if the host were known, and then the handshake the host starts is dropped.
			return { reply: { EnableSessionSSL: true, Request: 'StartSession', SessionID: crypto.randomUUID().toUpperCase() }, then: 'close' };
		}
		if (!this.#pairings.has(hostId)) return { reply: failure('StartSession', 'InvalidHostID') };
		const id = crypto.randomUUID().toUpperCase();
		connection.session = { id, hostId };
		const encrypted = this.#security !== undefined;
		return {
			reply: { EnableSessionSSL: encrypted, Request: 'StartSession', SessionID: id },
			then: encrypted ? 'start-tls' : undefined,
		};
	}

	#stopSession(request: PlistDict, connection: Connection): Outcome {
		const session = connection.session;
		if (session === undefined) return { reply: failure('StopSession', 'SessionInactive') };
		const id = request.SessionID;
		if (typeof id !== 'string') return { reply: failure('StopSession', 'MissingSessionID') };
		if (id !== session.id) return { reply: failure('StopSession', 'InvalidSessionID') };
		connection.session = undefined;
		return { reply: { Request: 'StopSession' }, then: 'stop-tls' };
	}

	async #startService(request: PlistDict, connection: Connection): Promise<PlistDict> {
		if (connection.session === undefined) return failure('StartService', 'SessionInactive');
		const name = request.Service;
		if (typeof name !== 'string') return failure('StartService', 'MissingService');
		const escrowBag = request.EscrowBag instanceof Uint8Array ? request.EscrowBag : undefined;
		const started = await this.#services?.(name, { escrowBag, tls: this.#credentialsOf(connection.session.hostId) });
		if (started === undefined) return { ...failure('StartService', 'InvalidService'), Service: name };
		if ('error' in started) return { ...failure('StartService', started.error), Service: name };
		const reply: PlistDict = { Port: started.port, Request: 'StartService', Service: name };
		if (started.enableServiceSSL) reply.EnableServiceSSL = true;
		return reply;
	}
}

function failure(request: string | undefined, error: string): PlistDict {
	const reply: PlistDict = { Error: error };
	if (request !== undefined) reply.Request = request;
	return reply;
}
