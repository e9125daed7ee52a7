import type * as Comlink from 'comlink';
import { wrapAppWorker } from '../app-code';
import type { DeviceService } from './device-service';
import { keepDeviceErrorsAcrossWorkers } from './worker-errors';

/** Starts the device worker and returns its API. Page side only. */
export function startDeviceWorker(): Comlink.Remote<DeviceService> {
	keepDeviceErrorsAcrossWorkers();
	return wrapAppWorker<DeviceService>(new Worker(new URL('../../workers/device.worker.ts', import.meta.url), { type: 'module' }));
}
