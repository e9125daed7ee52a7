/// <reference lib="webworker" />
import * as Comlink from 'comlink';
import { DeviceService } from '$lib/app/device-service';
import { keepDeviceErrorsAcrossWorkers } from '$lib/app/worker-errors';

keepDeviceErrorsAcrossWorkers();
// Read lazily: in tests the USB object is installed before this code runs but after imports resolve.
Comlink.expose(new DeviceService(() => (self.navigator as WorkerNavigator & { usb: USB }).usb));
