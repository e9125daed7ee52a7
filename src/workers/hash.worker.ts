/// <reference lib="webworker" />
import * as Comlink from 'comlink';
import { HashService } from '$lib/hash/hash-service';

// The device worker starts this one and sends it the bytes it reads (moved, not copied), so SHA-256
// runs on the other core while the device worker keeps servicing USB.
Comlink.expose(new HashService());
