import type { SimUsbRegistryEvent } from '../registry';

/**
 * Messages between a realm's `SimUsb` / `SimUsbDevice` and the registry / hardware at the far end.
 * Text messages are JSON; a message with `binary: true` is followed by exactly one binary message
 * holding its bytes (an OUT transfer's data, an IN transfer's result data).
 */
export interface WireRequest {
	readonly id: number;
	readonly op: string;
	readonly args: readonly unknown[];
	readonly binary?: true;
}

export type WireReply =
	| { readonly id: number; readonly ok: true; readonly value: unknown; readonly binary?: true }
	| { readonly id: number; readonly ok: false; readonly error: { readonly name: string; readonly message: string } };

export interface WireEvent {
	readonly event: SimUsbRegistryEvent;
}

export const REGISTRY_PATH = '/registry';
export const DEVICE_PATH_PREFIX = '/device/';

export function errorForWire(error: unknown): { name: string; message: string } {
	const { name, message } = (error ?? {}) as { name?: unknown; message?: unknown };
	return {
		name: typeof name === 'string' ? name : 'Error',
		message: typeof message === 'string' ? message : String(error),
	};
}
