import type { ByteChannel } from '../../lib/streams/byte-channel';
import { BulkPipe, type InChunking } from './bulk-pipe';
import { iPhoneUsbInfo, type IPhoneUsbInfoOptions, type SimUsbDeviceInfo } from './descriptors';
import { SimUsbFaults } from './faults';
import type { SimUsbHolder } from './holder';
import {
	chromiumError,
	type SimControlSetup,
	type SimInResult,
	type SimOutResult,
	type SimTransferStatus,
	type SimUsbLink,
} from './link';

export interface SimUsbHardwareOptions extends IPhoneUsbInfoOptions {
	/** Descriptors of some other device (a non-iPhone, a phone in another USB mode); default an iPhone's. */
	info?: SimUsbDeviceInfo;
	chunking?: InChunking;
	/** Seed of the 'stream' chunking; the same seed cuts the same data the same way. */
	seed?: number;
	inBufferBytes?: number;
	outBufferBytes?: number;
	/** Caps the IN data rate (the benchmark's "USB 2" run); uncapped by default. */
	bytesPerSecond?: number;
	/** Another program that holds the mux interface from the start (see `holdBy`). */
	heldBy?: SimUsbHolder;
}

/** What the hardware saw, for tests that check how a host drives it. */
export type SimUsbTraceEvent =
	| { readonly kind: 'in-submitted'; readonly length: number; readonly pending: number }
	| { readonly kind: 'in-completed'; readonly status: SimTransferStatus; readonly bytes: number }
	| { readonly kind: 'out-completed'; readonly status: SimTransferStatus; readonly bytes: number }
	| { readonly kind: 'clear-halt'; readonly direction: 'in' | 'out' }
	| { readonly kind: 'select-configuration'; readonly value: number }
	| { readonly kind: 'reset'; readonly ok: boolean }
	| { readonly kind: 'holder-claimed' }
	| { readonly kind: 'holder-evicted' };

interface Handle {
	opened: boolean;
	readonly claims: Set<number>;
	/** Chromium: after a failed reset, the handle's next configuration change fails too (netmuxd). */
	spoiledByFailedReset?: boolean;
}

interface Holding {
	readonly holder: SimUsbHolder;
	readonly handle: Handle;
	comeBack: ReturnType<typeof setTimeout> | undefined;
}

interface Pending<T> {
	readonly handle: Handle;
	readonly interfaceNumber: number | undefined;
	readonly resolve: (value: T) => void;
	readonly reject: (error: unknown) => void;
	settled: boolean;
}

interface PendingIn extends Pending<SimInResult> {
	readonly length: number;
}

const EMPTY = new Uint8Array(0);
/** GET_MODE's answer in the default mode, "3:3:3:0" (protocol.md §1.4). */
const GET_MODE_ANSWER = Uint8Array.of(3, 3, 3, 0);
const APPLE_GET_MODE = 0x45;
const APPLE_SET_MODE = 0x52;

/**
 * The virtual iPhone's USB internals: descriptors, the active configuration and who claimed what, the
 * bulk pipe whose device end (`deviceEnd`) the device's usbmux speaks through, vendor control answers,
 * IN chunking and faults. Hosts reach it through links (`connect()`), one per `USBDevice` handle.
 *
 * One instance is one plug-in: after `unplug()` it is dead; plug a new one to model a replug.
 */
export class SimUsbHardware {
	readonly info: SimUsbDeviceInfo;
	readonly faults: SimUsbFaults;
	/** Settles when the cable is pulled. */
	readonly unplugged: Promise<void>;
	/** Sees every transfer; for tests. */
	trace: ((event: SimUsbTraceEvent) => void) | undefined;

	readonly #pipe: BulkPipe;
	readonly #handles = new Set<Handle>();
	#activeConfiguration: number | null;
	#plugged = true;
	#markUnplugged!: () => void;
	readonly #pipeIn: PendingIn[] = [];
	readonly #parked = new Set<Pending<never>>();
	readonly #pendingOut = new Set<Pending<SimOutResult>>();
	#outChain: Promise<void> = Promise.resolve();
	readonly #wakeups = new Set<() => void>();
	readonly #pace: InPace | undefined;
	#holding: Holding | undefined;

	constructor(options: SimUsbHardwareOptions = {}) {
		this.info = options.info ?? iPhoneUsbInfo(options);
		this.#activeConfiguration = this.info.activeConfiguration;
		this.unplugged = new Promise((resolve) => (this.#markUnplugged = resolve));
		this.faults = new SimUsbFaults({ changed: () => this.#changed(), unplug: () => this.unplug() });
		this.#pace = options.bytesPerSecond ? new InPace(options.bytesPerSecond, () => this.#serviceIn()) : undefined;
		const pipeIn = this.info.pipe && this.#endpointInfo(this.info.pipe.inEndpoint, 'in');
		this.#pipe = new BulkPipe({
			chunking: options.chunking ?? 'packet',
			seed: options.seed ?? 1,
			packetSize: pipeIn?.packetSize ?? 512,
			inBufferBytes: options.inBufferBytes ?? 256 * 1024,
			outBufferBytes: options.outBufferBytes ?? 256 * 1024,
			onInData: () => this.#serviceIn(),
		});
		if (options.heldBy) this.holdBy(options.heldBy);
	}

	/**
	 * Another program takes the mux interface now, as the system's usbmuxd does when the phone is
	 * plugged in: it selects the highest configuration with the mux if the active one has none, and
	 * claims it. From then on it behaves as `holder` says when a host tries to take the interface.
	 */
	holdBy(holder: SimUsbHolder): void {
		const pipe = this.info.pipe;
		if (!pipe || pipe.configurations.length === 0) throw new Error('This device has no mux interface to hold.');
		const handle: Handle = { opened: true, claims: new Set() };
		this.#handles.add(handle);
		this.#holding = { holder, handle, comeBack: undefined };
		if (this.#activeConfiguration === null || !pipe.configurations.includes(this.#activeConfiguration)) {
			this.#activeConfiguration = Math.max(...pipe.configurations);
		}
		this.#holderClaims();
	}

	/** Whether the other program (`holdBy`) holds the mux interface now. */
	get heldByOtherProgram(): boolean {
		return (this.#holding?.handle.claims.size ?? 0) > 0;
	}

	/**
	 * The device's end of the bulk pipe: write one whole mux packet per chunk (it goes IN to the host);
	 * read what the host sent OUT. `close()` stops the device end (the host then sees silence).
	 */
	get deviceEnd(): ByteChannel {
		return this.#pipe.deviceEnd;
	}

	get activeConfiguration(): number | null {
		return this.#activeConfiguration;
	}

	get plugged(): boolean {
		return this.#plugged;
	}

	/** IN transfers the host has waiting on the pipe. */
	get pendingInTransfers(): number {
		return this.#pipeIn.length;
	}

	/** A new handle on the device, as a `USBDevice` object in one JS realm holds. */
	connect(): SimUsbLink {
		const handle: Handle = { opened: false, claims: new Set() };
		this.#handles.add(handle);
		return {
			gone: this.unplugged,
			open: async () => this.#open(handle),
			close: async () => this.#close(handle),
			selectConfiguration: async (value) => this.#selectConfiguration(handle, value),
			claimInterface: async (n) => this.#claim(handle, n),
			releaseInterface: async (n) => this.#release(handle, n),
			selectAlternateInterface: async () => this.#ensurePlugged(),
			reset: async () => this.#reset(handle),
			clearHalt: async (direction, endpointNumber) => this.#clearHalt(direction, endpointNumber),
			controlTransferIn: async (setup, length) => this.#controlIn(setup, length),
			controlTransferOut: async () => this.#controlOut(),
			transferIn: (endpointNumber, length) => this.#transferIn(handle, endpointNumber, length),
			transferOut: (endpointNumber, data) => this.#transferOut(handle, endpointNumber, data),
		};
	}

	/** Pulls the cable: waiting transfers fail as a host controller reports it, the device end ends. */
	unplug(): void {
		if (!this.#plugged) return;
		this.#plugged = false;
		const failed = [...this.#pipeIn, ...this.#parked, ...this.#pendingOut];
		this.#pipeIn.length = 0;
		this.#parked.clear();
		this.#pendingOut.clear();
		for (const pending of failed) this.#settle(pending, chromiumError('transferError'));
		this.#pipe.end();
		clearTimeout(this.#holding?.comeBack);
		this.#changed();
		this.#markUnplugged();
	}

	#ensurePlugged(): void {
		if (!this.#plugged) throw chromiumError('disconnected');
	}

	#open(handle: Handle): { activeConfiguration: number | null } {
		this.#ensurePlugged();
		if (this.faults.openDenied) throw chromiumError('accessDenied');
		handle.opened = true;
		return { activeConfiguration: this.#activeConfiguration };
	}

	#close(handle: Handle): void {
		this.#cancel(handle, undefined);
		handle.claims.clear();
		handle.opened = false;
	}

	#selectConfiguration(handle: Handle, value: number): void {
		this.#ensurePlugged();
		if (handle.spoiledByFailedReset) {
			handle.spoiledByFailedReset = false;
			throw chromiumError('configurationFailed');
		}
		const claimers = [...this.#handles].filter((other) => other !== handle && other.claims.size > 0);
		const holder = this.#holding;
		const holderYields =
			holder !== undefined &&
			holder.holder.onConfigurationChange === 'yield' &&
			claimers.every((other) => other === holder.handle);
		if (this.faults.configurationBusy || (claimers.length > 0 && !holderYields)) {
			throw chromiumError('configurationFailed');
		}
		if (!this.info.configurations.some((c) => c.configurationValue === value)) {
			throw chromiumError('noSuchConfiguration');
		}
		if (claimers.length > 0) this.#evictHolder();
		this.#cancel(handle, undefined);
		handle.claims.clear();
		this.#activeConfiguration = value;
		this.trace?.({ kind: 'select-configuration', value });
		this.#holderComesBack();
	}

	/**
	 * A bus reset: every other claimer loses its claims (Linux), unless the holder keeps an exclusive
	 * session that refuses it (macOS). The resetting handle keeps its own claims and the configuration,
	 * as libusb restores them.
	 */
	#reset(handle: Handle): void {
		this.#ensurePlugged();
		const holder = this.#holding;
		if (holder && holder.holder.onReset === 'refuse' && holder.handle.claims.size > 0) {
			handle.spoiledByFailedReset = true;
			this.trace?.({ kind: 'reset', ok: false });
			throw chromiumError('resetFailed');
		}
		this.trace?.({ kind: 'reset', ok: true });
		for (const other of this.#handles) {
			if (other === handle || other.claims.size === 0) continue;
			if (other === holder?.handle) {
				this.#evictHolder();
			} else {
				this.#cancel(other, undefined);
				other.claims.clear();
			}
		}
		this.#holderComesBack();
	}

	#evictHolder(): void {
		const holding = this.#holding;
		if (!holding || holding.handle.claims.size === 0) return;
		holding.handle.claims.clear();
		this.trace?.({ kind: 'holder-evicted' });
	}

	/** The holder, having lost the interface, claims it again after its delay if it is free then. */
	#holderComesBack(): void {
		const holding = this.#holding;
		if (!holding || holding.handle.claims.size > 0) return;
		if (holding.holder.comesBackAfterMs <= 0) {
			this.#holderClaims();
			return;
		}
		clearTimeout(holding.comeBack);
		holding.comeBack = setTimeout(() => {
			holding.comeBack = undefined;
			this.#holderClaims();
		}, holding.holder.comesBackAfterMs);
	}

	/** The holder claims the mux interface if the active configuration has it and nobody else holds it. */
	#holderClaims(): void {
		const holding = this.#holding;
		const pipe = this.info.pipe;
		if (!holding || !pipe || !this.#plugged) return;
		if (this.#activeConfiguration === null || !pipe.configurations.includes(this.#activeConfiguration)) return;
		const taken = [...this.#handles].some((other) => other !== holding.handle && other.claims.has(pipe.interfaceNumber));
		if (taken) return;
		holding.handle.claims.add(pipe.interfaceNumber);
		this.trace?.({ kind: 'holder-claimed' });
	}

	#claim(handle: Handle, interfaceNumber: number): void {
		this.#ensurePlugged();
		const heldElsewhere = [...this.#handles].some(
			(other) => other !== handle && other.claims.has(interfaceNumber),
		);
		if (this.faults.claimBusy || heldElsewhere) throw chromiumError('claimFailed');
		handle.claims.add(interfaceNumber);
	}

	#release(handle: Handle, interfaceNumber: number): void {
		this.#cancel(handle, interfaceNumber);
		handle.claims.delete(interfaceNumber);
	}

	#clearHalt(direction: 'in' | 'out', endpointNumber: number): void {
		this.#ensurePlugged();
		const pipe = this.info.pipe;
		if (pipe && endpointNumber === (direction === 'in' ? pipe.inEndpoint : pipe.outEndpoint)) {
			this.faults.clearedHalt(direction);
		}
		this.trace?.({ kind: 'clear-halt', direction });
		this.#changed();
	}

	#controlIn(setup: SimControlSetup, length: number): SimInResult {
		this.#ensurePlugged();
		if (setup.requestType === 'vendor' && setup.recipient === 'device') {
			if (setup.request === APPLE_GET_MODE) return { status: 'ok', data: GET_MODE_ANSWER.slice(0, length) };
			// Only the default mode is modelled: switching to it is accepted, any other is refused.
			if (setup.request === APPLE_SET_MODE && setup.index === 1) {
				return { status: 'ok', data: Uint8Array.of(0).subarray(0, length) };
			}
		}
		return { status: 'stall', data: EMPTY };
	}

	/** No OUT control request is modelled (SET_MODE is an IN request): the device stalls them all. */
	#controlOut(): SimOutResult {
		this.#ensurePlugged();
		return { status: 'stall', bytesWritten: 0 };
	}

	/** Whether `endpointNumber` is the pipe's in the active configuration, for a handle that claimed it. */
	#onPipe(handle: Handle, endpointNumber: number, direction: 'in' | 'out'): boolean {
		const pipe = this.info.pipe;
		return (
			pipe !== undefined &&
			this.#activeConfiguration !== null &&
			pipe.configurations.includes(this.#activeConfiguration) &&
			handle.claims.has(pipe.interfaceNumber) &&
			endpointNumber === (direction === 'in' ? pipe.inEndpoint : pipe.outEndpoint)
		);
	}

	#transferIn(handle: Handle, endpointNumber: number, length: number): Promise<SimInResult> {
		if (!this.#plugged) return Promise.reject(chromiumError('disconnected'));
		return new Promise((resolve, reject) => {
			const interfaceNumber = this.#interfaceOf(endpointNumber, 'in');
			const pending: PendingIn = { handle, interfaceNumber, length, resolve, reject, settled: false };
			if (!this.#onPipe(handle, endpointNumber, 'in')) {
				// Endpoints other than the pipe's never have anything to say.
				this.#parked.add(pending as Pending<never>);
				return;
			}
			this.#pipeIn.push(pending);
			this.trace?.({ kind: 'in-submitted', length, pending: this.#pipeIn.length });
			this.#serviceIn();
		});
	}

	#serviceIn(): void {
		if (!this.#plugged || this.faults.stalled) return;
		while (this.#pipeIn.length > 0) {
			if (this.#pace && !this.#pace.mayReturn()) return;
			const transfer = this.#pipeIn[0]!;
			let result: SimInResult | undefined;
			if (this.faults.isHalted('in')) result = { status: 'stall', data: EMPTY };
			else if (transfer.length === 0) result = { status: 'ok', data: EMPTY };
			else result = this.#pipe.takeIn(transfer.length, this.faults.byteBudget);
			if (result === undefined) return;
			this.#pipeIn.shift();
			this.#pace?.spend(result.data.byteLength);
			this.trace?.({ kind: 'in-completed', status: result.status, bytes: result.data.byteLength });
			this.#settle(transfer, result);
			if (this.faults.spend(result.data.byteLength)) {
				this.unplug();
				return;
			}
		}
	}

	#transferOut(handle: Handle, endpointNumber: number, data: Uint8Array): Promise<SimOutResult> {
		if (!this.#plugged) return Promise.reject(chromiumError('disconnected'));
		return new Promise((resolve, reject) => {
			const interfaceNumber = this.#interfaceOf(endpointNumber, 'out');
			const pending: Pending<SimOutResult> = { handle, interfaceNumber, resolve, reject, settled: false };
			if (!this.#onPipe(handle, endpointNumber, 'out')) {
				// Other OUT endpoints take anything and do nothing with it.
				resolve({ status: 'ok', bytesWritten: data.byteLength });
				return;
			}
			this.#pendingOut.add(pending);
			// OUT transfers complete in order, one after another, as on one endpoint.
			this.#outChain = this.#outChain.then(() => this.#runOut(pending, data)).catch(() => undefined);
		});
	}

	async #runOut(pending: Pending<SimOutResult>, data: Uint8Array): Promise<void> {
		while (this.faults.stalled && !pending.settled) {
			await new Promise<void>((resolve) => this.#wakeups.add(resolve));
		}
		if (pending.settled) return;
		if (this.faults.isHalted('out')) {
			this.#finishOut(pending, { status: 'stall', bytesWritten: 0 });
			return;
		}
		const accepted = Math.min(data.byteLength, this.faults.byteBudget);
		// A transfer the cable cuts never completes on the phone's side either: its mux, which reads one
		// packet per transfer, gets none of it (the cable is gone, the session with it).
		if (accepted === data.byteLength) await this.#pipe.deliverOut(data);
		if (pending.settled) return;
		const exhausted = this.faults.spend(accepted);
		if (accepted === data.byteLength) this.#finishOut(pending, { status: 'ok', bytesWritten: accepted });
		if (exhausted) this.unplug();
	}

	#finishOut(pending: Pending<SimOutResult>, result: SimOutResult): void {
		this.#pendingOut.delete(pending);
		this.trace?.({ kind: 'out-completed', status: result.status, bytes: result.bytesWritten });
		this.#settle(pending, result);
	}

	/** Transfers of `handle` (on one interface, or all) fail as cancelled: released or closed. */
	#cancel(handle: Handle, interfaceNumber: number | undefined): void {
		const mine = (pending: Pending<never>) =>
			pending.handle === handle && (interfaceNumber === undefined || pending.interfaceNumber === interfaceNumber);
		const cancelled: Pending<never>[] = [];
		for (let i = this.#pipeIn.length - 1; i >= 0; i--) {
			if (mine(this.#pipeIn[i]!)) cancelled.push(...(this.#pipeIn.splice(i, 1) as Pending<never>[]));
		}
		for (const set of [this.#parked, this.#pendingOut] as Set<Pending<never>>[]) {
			for (const pending of set) {
				if (mine(pending)) {
					set.delete(pending);
					cancelled.push(pending);
				}
			}
		}
		for (const pending of cancelled) this.#settle(pending, chromiumError('cancelled'));
		if (cancelled.length > 0) this.#changed();
	}

	#settle<T>(pending: Pending<T>, outcome: T | DOMException): void {
		if (pending.settled) return;
		pending.settled = true;
		if (outcome instanceof DOMException) pending.reject(outcome);
		else pending.resolve(outcome);
	}

	/** Something a waiting transfer may care about changed: a fault released, a halt cleared, an unplug. */
	#changed(): void {
		const wakeups = [...this.#wakeups];
		this.#wakeups.clear();
		for (const wake of wakeups) wake();
		this.#serviceIn();
	}

	#interfaceOf(endpointNumber: number, direction: 'in' | 'out'): number | undefined {
		const configuration = this.info.configurations.find((c) => c.configurationValue === this.#activeConfiguration);
		return configuration?.interfaces.find((i) =>
			i.alternates.some((a) => a.endpoints.some((e) => e.endpointNumber === endpointNumber && e.direction === direction)),
		)?.interfaceNumber;
	}

	#endpointInfo(endpointNumber: number, direction: 'in' | 'out') {
		for (const configuration of this.info.configurations) {
			for (const iface of configuration.interfaces) {
				for (const alternate of iface.alternates) {
					const found = alternate.endpoints.find(
						(e) => e.endpointNumber === endpointNumber && e.direction === direction,
					);
					if (found) return found;
				}
			}
		}
		return undefined;
	}
}

/**
 * A token bucket for IN data: a transfer completes only while credit is left, and credit refills at
 * `bytesPerSecond`. A result may overdraw the bucket; the wait that follows pays it back, so the
 * average rate holds whatever the transfer sizes and the timers' granularity.
 */
class InPace {
	readonly #bytesPerMs: number;
	/** Credit never piles up past this while the host is idle: a burst of at most ~20 ms. */
	readonly #burst: number;
	readonly #wake: () => void;
	#credit = 0;
	#at = Date.now();
	#timer: ReturnType<typeof setTimeout> | undefined;

	constructor(bytesPerSecond: number, wake: () => void) {
		this.#bytesPerMs = bytesPerSecond / 1000;
		this.#burst = Math.max(64 * 1024, bytesPerSecond / 50);
		this.#wake = wake;
	}

	/** Whether a transfer may complete now; if not, `wake` is called when it may. */
	mayReturn(): boolean {
		const now = Date.now();
		this.#credit = Math.min(this.#burst, this.#credit + (now - this.#at) * this.#bytesPerMs);
		this.#at = now;
		if (this.#credit > 0) return true;
		this.#timer ??= setTimeout(() => {
			this.#timer = undefined;
			this.#wake();
		}, Math.max(1, Math.ceil(-this.#credit / this.#bytesPerMs)));
		return false;
	}

	spend(bytes: number): void {
		this.#credit -= bytes;
	}
}
