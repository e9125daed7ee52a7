/// <reference lib="webworker" />
import * as Comlink from 'comlink';
import { preloadHashing } from '$lib/hash/algorithms';
import { HashService } from '$lib/hash/hash-service';

// The device worker starts this one and sends it the bytes it reads (moved, not copied), so SHA-256
// runs on the other core while the device worker keeps servicing USB. It is started while a plan is
// read: its hashing code is loaded then too, not with the first file.
preloadHashing();
Comlink.expose(new HashService());
