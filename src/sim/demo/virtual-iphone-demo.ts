/**
 * The demo iPhone as the app loads it: with `import()`, only when "Try the demo iPhone" is clicked, so
 * that no visitor downloads the virtual iPhone otherwise.
 */
import { createDemoUsb } from './demo-iphone';
import { DexieDemoMemory } from './demo-memory';

/** A `USB` with the demo iPhone plugged in and granted; its sample photos are fetched from `mediaBase`. */
export async function demoUsb(mediaBase: string, setup: string | undefined): Promise<USB> {
	return (await createDemoUsb((name) => fetch(new URL(name, mediaBase)), setup, new DexieDemoMemory())).usb;
}
