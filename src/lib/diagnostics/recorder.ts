import { RingBuffer } from './ring-buffer';
import { UdidPseudonyms } from './udid-pseudonym';

/**
 * The flight recorder behind "Save a report": what the USB tap saw cross the cable (bounded rings of
 * message headers per layer, and counters), the connection steps with their outcome and timing, and
 * the USB devices opened. It holds no payload, no value of a plist, no file name: only what the tap
 * and the app hand it, which is headers, counts and plain words. Recording never throws and never
 * waits; a flood only overwrites the oldest entries.
 */

/** The layers whose headers are kept, bottom up. */
export type WireLayer = 'usb' | 'usbmux' | 'lockdown' | 'tls' | 'afc';
export const WIRE_LAYERS: readonly WireLayer[] = ['usb', 'usbmux', 'lockdown', 'tls', 'afc'];

/** Host to phone (`out`) or phone to host (`in`), as USB names the endpoints. */
export type Direction = 'out' | 'in';

export type WireValue = string | number | boolean;

/** One header seen on the cable: when (ms since the recorder began), which way, on which connection, what. */
export interface WireEntry {
	t: number;
	dir?: Direction;
	/** The usbmux connection, `hostPort>devicePort`. */
	conn?: string;
	what: string;
	[field: string]: WireValue | undefined;
}

/** The connection steps a report names; the tap notes the ones it sees, the app the rest. */
export type DiagnosticStep =
	| 'chooser'
	| 'devices'
	| 'open'
	| 'configure'
	| 'claim'
	| 'version'
	| 'lockdown'
	| 'pairing'
	| 'trust'
	| 'session'
	| 'services'
	| 'scan'
	| 'plan'
	| 'backup'
	| 'reconnect'
	| 'verify'
	| 'cable';

export type StepOutcome = 'started' | 'ok' | 'failed' | 'waiting';

export interface StepEntry {
	t: number;
	step: DiagnosticStep;
	outcome: StepOutcome;
	/** For `ok` and `failed` after `started`: how long the step took. */
	ms?: number;
	/** Plain words or an error code; scrubbed of names when the report is built. */
	detail?: string;
}

/** A USB device as the tap found it when it was opened: its descriptors, never its serial number. */
export interface UsbDeviceRecord {
	t: number;
	vendorId: string;
	productId: string;
	usbVersion: string;
	deviceVersion: string;
	deviceClass: number;
	manufacturerName: string | null;
	productName: string | null;
	activeConfiguration: number | null;
	configurations: {
		value: number;
		name: string | null;
		interfaces: {
			number: number;
			alternates: { setting: number; class: number; subclass: number; protocol: number; name: string | null; endpoints: string[] }[];
		}[];
	}[];
}

/** How many of each the rings keep: the last few hundred headers, more of the busy layers. */
export const RING_CAPACITY: Readonly<Record<WireLayer | 'steps', number>> = {
	usb: 128,
	usbmux: 256,
	lockdown: 96,
	tls: 128,
	afc: 256,
	steps: 256,
};
const MAX_DEVICES = 8;
const MAX_COUNTERS = 256;
const MAX_DETAIL_CHARS = 300;

export interface RecorderSnapshot {
	startedAt: string;
	durationMs: number;
	steps: StepEntry[];
	wire: Record<WireLayer, { entries: WireEntry[]; dropped: number }>;
	counters: Record<string, number>;
	devices: UsbDeviceRecord[];
}

export class DiagnosticRecorder {
	/** The keyed hash the report shows UDIDs as: its key lives as long as this recorder. */
	readonly pseudonyms = new UdidPseudonyms();
	readonly #clock: () => number;
	readonly #origin: number;
	readonly #startedAt: string;
	readonly #wire: Record<WireLayer, RingBuffer<WireEntry>>;
	readonly #steps = new RingBuffer<StepEntry>(RING_CAPACITY.steps);
	readonly #begun = new Map<DiagnosticStep, number>();
	readonly #counters = new Map<string, number>();
	readonly #devices: UsbDeviceRecord[] = [];
	/** Serial numbers of the devices, by index: only ever leave as a keyed hash. */
	readonly #serials: string[] = [];

	constructor(options: { clock?: () => number; now?: Date } = {}) {
		this.#clock = options.clock ?? (() => performance.now());
		this.#origin = this.#clock();
		this.#startedAt = (options.now ?? new Date()).toISOString();
		this.#wire = {
			usb: new RingBuffer(RING_CAPACITY.usb),
			usbmux: new RingBuffer(RING_CAPACITY.usbmux),
			lockdown: new RingBuffer(RING_CAPACITY.lockdown),
			tls: new RingBuffer(RING_CAPACITY.tls),
			afc: new RingBuffer(RING_CAPACITY.afc),
		};
	}

	/** Milliseconds since the recorder began, to a tenth. */
	now(): number {
		return Math.round((this.#clock() - this.#origin) * 10) / 10;
	}

	/** A header seen on the cable (its `t` is set now). */
	wire(layer: WireLayer, entry: Omit<WireEntry, 't'>): void {
		(entry as WireEntry).t = this.now();
		this.#wire[layer].push(entry as WireEntry);
	}

	/** Adds `by` to a named counter (a bounded number of names: further new names are not counted). */
	count(name: string, by = 1): void {
		const current = this.#counters.get(name);
		if (current !== undefined) this.#counters.set(name, current + by);
		else if (this.#counters.size < MAX_COUNTERS) this.#counters.set(name, by);
	}

	/**
	 * A connection step and how it went: `started`, then `ok` or `failed` (the time between is kept),
	 * or `waiting` (for the person: the Trust question, the cable). A step started again while under
	 * way keeps its first start (the Trust question asks Pair again every second).
	 */
	note(step: DiagnosticStep, outcome: StepOutcome, detail?: string): void {
		const t = this.now();
		const entry: StepEntry = { t, step, outcome };
		if (outcome === 'started') {
			if (!this.#begun.has(step)) this.#begun.set(step, t);
		} else if (outcome !== 'waiting') {
			const begun = this.#begun.get(step);
			if (begun !== undefined) entry.ms = Math.round((t - begun) * 10) / 10;
			this.#begun.delete(step);
		}
		if (detail !== undefined && detail !== '') entry.detail = detail.slice(0, MAX_DETAIL_CHARS);
		this.#steps.push(entry);
	}

	/** Notes `step` started, then `ok` or `failed` with the error's code, as `work` settles; returns `work`. */
	async track<T>(step: DiagnosticStep, work: Promise<T>): Promise<T> {
		this.note(step, 'started');
		try {
			const value = await work;
			this.note(step, 'ok');
			return value;
		} catch (error) {
			this.note(step, 'failed', errorCodeOf(error));
			throw error;
		}
	}

	/** A USB device was opened: its descriptors, and its serial number kept aside for the keyed hash. */
	device(record: Omit<UsbDeviceRecord, 't'>, serialNumber: string): void {
		if (this.#devices.length >= MAX_DEVICES) return;
		this.#devices.push({ t: this.now(), ...record });
		this.#serials.push(serialNumber);
	}

	/** Serial numbers of the devices in `snapshot().devices`, in order: for the report's keyed hash only. */
	serialNumbers(): readonly string[] {
		return this.#serials;
	}

	/** What the recorder holds, as plain data (no serial numbers). */
	snapshot(): RecorderSnapshot {
		const wire = {} as RecorderSnapshot['wire'];
		for (const layer of WIRE_LAYERS) wire[layer] = { entries: this.#wire[layer].toArray(), dropped: this.#wire[layer].dropped };
		return {
			startedAt: this.#startedAt,
			durationMs: this.now(),
			steps: this.#steps.toArray(),
			wire,
			counters: Object.fromEntries(this.#counters),
			devices: this.#devices.map((device) => structuredClone(device)),
		};
	}

	/** How many entries are held now, over every ring: for the flood test's bound. */
	get heldEntries(): number {
		return WIRE_LAYERS.reduce((sum, layer) => sum + this.#wire[layer].size, this.#steps.size);
	}
}

/** `unplugged` for a DeviceError, `NotFoundError` for a DOMException, `error` for anything else. */
export function errorCodeOf(error: unknown): string {
	if (typeof error === 'object' && error !== null) {
		const { code, name } = error as { code?: unknown; name?: unknown };
		if (typeof code === 'string' && code !== '') return code;
		if (typeof name === 'string' && name !== '') return name;
	}
	return 'error';
}
