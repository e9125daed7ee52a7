import {
	chromiumError,
	type SimControlSetup,
	type SimInResult,
	type SimOutResult,
	type SimTransferStatus,
	type SimUsbLink,
} from '../link';
import { WireCaller } from './caller';
import type { WireSocket } from './socket';

const EMPTY = new Uint8Array(0);
/** Bulk OUT transfers on the wire and not yet answered before the next one waits. */
const POSTED_OUT_TRANSFERS = 16;

/**
 * A handle on a device whose internals are at the far end of a wire (`serveSimUsbDevice`). Dials on
 * first use; the socket closing means the device is gone.
 */
export class WireSimUsbLink implements SimUsbLink {
	readonly gone: Promise<void>;
	readonly #caller: WireCaller;
	readonly #posted: Promise<void>[] = [];
	#postedFailure: SimOutResult | Error | undefined;
	#markGone!: () => void;

	constructor(dial: () => Promise<WireSocket>) {
		this.gone = new Promise((resolve) => (this.#markGone = resolve));
		this.#caller = new WireCaller(dial, {
			onClose: () => this.#markGone(),
			closedError: () => chromiumError('disconnected'),
		});
	}

	/** The registry reported the device unplugged: new calls fail; waiting ones get their replies. */
	markGone(): void {
		this.#markGone();
	}

	async open(): Promise<{ activeConfiguration: number | null }> {
		return (await this.#call('open', [])) as { activeConfiguration: number | null };
	}

	async close(): Promise<void> {
		await this.#call('close', []);
	}

	async selectConfiguration(configurationValue: number): Promise<void> {
		await this.#call('selectConfiguration', [configurationValue]);
	}

	async claimInterface(interfaceNumber: number): Promise<void> {
		await this.#call('claimInterface', [interfaceNumber]);
	}

	async releaseInterface(interfaceNumber: number): Promise<void> {
		await this.#call('releaseInterface', [interfaceNumber]);
	}

	async selectAlternateInterface(interfaceNumber: number, alternateSetting: number): Promise<void> {
		await this.#call('selectAlternateInterface', [interfaceNumber, alternateSetting]);
	}

	async reset(): Promise<void> {
		await this.#call('reset', []);
	}

	async clearHalt(direction: 'in' | 'out', endpointNumber: number): Promise<void> {
		await this.#call('clearHalt', [direction, endpointNumber]);
	}

	async controlTransferIn(setup: SimControlSetup, length: number): Promise<SimInResult> {
		return this.#inResult(await this.#caller.call('controlTransferIn', [setup, length]));
	}

	async controlTransferOut(setup: SimControlSetup, data: Uint8Array): Promise<SimOutResult> {
		return (await this.#caller.call('controlTransferOut', [setup], data)).value as SimOutResult;
	}

	async transferIn(endpointNumber: number, length: number): Promise<SimInResult> {
		return this.#inResult(await this.#caller.call('transferIn', [endpointNumber, length]));
	}

	/**
	 * Bulk OUT is posted: a transfer completes as soon as it is on the wire, with up to
	 * `POSTED_OUT_TRANSFERS` still unanswered. A round trip per transfer would make every usbmux packet
	 * wait a WebSocket round trip, which real USB never does. A transfer the device fails (a stall, an
	 * unplug) is reported on the next transferOut instead of its own.
	 */
	async transferOut(endpointNumber: number, data: Uint8Array): Promise<SimOutResult> {
		const failed = this.#postedFailure;
		if (failed !== undefined) {
			this.#postedFailure = undefined;
			if (failed instanceof Error) throw failed;
			return failed;
		}
		const posted = this.#caller.call('transferOut', [endpointNumber], data).then(
			({ value }) => {
				const result = value as SimOutResult;
				if (result.status !== 'ok') this.#postedFailure ??= result;
			},
			(error: unknown) => {
				this.#postedFailure ??= error instanceof Error ? error : new Error(String(error));
			},
		);
		this.#posted.push(posted);
		void posted.finally(() => this.#posted.splice(this.#posted.indexOf(posted), 1));
		if (this.#posted.length > POSTED_OUT_TRANSFERS) await this.#posted[0];
		return { status: 'ok', bytesWritten: data.byteLength };
	}

	async #call(op: string, args: readonly unknown[]): Promise<unknown> {
		return (await this.#caller.call(op, args)).value;
	}

	#inResult({ value, data }: { value: unknown; data?: Uint8Array }): SimInResult {
		return { status: (value as { status: SimTransferStatus }).status, data: data ?? EMPTY };
	}
}
