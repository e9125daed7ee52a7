import { transferHandlers, type TransferHandler } from 'comlink';
import { isDeviceError } from '../errors';

/**
 * Comlink sends a thrown Error across a worker boundary as its name, message and stack only. The page
 * needs a DeviceError's `code` and `advice` to tell the person what to do, so they travel too. Call
 * this once in every realm that sends or receives errors (the page and each worker).
 */
export function keepDeviceErrorsAcrossWorkers(): void {
	const original = transferHandlers.get('throw') as TransferHandler<{ value: unknown }, { value: Record<string, unknown> }>;
	transferHandlers.set('throw', {
		canHandle: original.canHandle,
		serialize(thrown: { value: unknown }) {
			const [serialized, transferables] = original.serialize(thrown);
			const error = thrown.value;
			if (isDeviceError(error)) Object.assign(serialized.value, { code: error.code, advice: error.advice });
			return [serialized, transferables];
		},
		// Comlink rebuilds the error with Object.assign over every serialized field, code and advice included.
		deserialize: original.deserialize,
	});
}
