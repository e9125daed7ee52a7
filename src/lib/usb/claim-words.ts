import type { ClaimProgress } from './claim-mux';
import type { HostOs } from './host-os';

/** Who loses the phone while the page holds it, on each OS (docs: platforms-and-peers §2.3). */
const OTHER_TOOLS: Record<HostOs, string> = {
	macos: 'Finder, Photos, Image Capture and other iPhone apps on this Mac',
	linux: 'usbmuxd and the programs that use it (file managers, photo apps and other iPhone tools)',
	windows: 'iTunes, Apple Devices and other iPhone apps',
	chromeos: 'other apps and tabs',
	android: 'other apps',
	unknown: 'Finder, Photos, iTunes, file managers and other iPhone tools',
};

/** What is holding the phone, as the person knows it. */
const HOLDER: Record<HostOs, string> = {
	macos: 'macOS’s own iPhone service',
	linux: 'The usbmuxd service',
	windows: 'Another program',
	chromeos: 'Another app',
	android: 'Another app',
	unknown: 'Another program',
};

/**
 * The words for the page to show while `openIPhone` claims the phone (`onClaimProgress`), and the
 * notice that must stay once it took the phone from another program: that program has lost it.
 */
export function claimProgressWords(progress: ClaimProgress, os: HostOs): string {
	const loses = OTHER_TOOLS[os];
	if (progress.kind === 'taken') {
		return `This page has taken the iPhone over. While it holds it, ${loses} can’t use it; unplug the iPhone and plug it back in to give it back to them.`;
	}
	const of = `(try ${progress.attempt} of ${progress.attempts})`;
	switch (progress.method) {
		case 'claim':
			return 'Connecting to the iPhone…';
		case 'bounce':
			return `${HOLDER[os]} is holding the iPhone. Taking it over for this page ${of}… While this page holds it, ${loses} can’t use it.`;
		case 'reset':
			return `${HOLDER[os]} is holding the iPhone. Restarting the iPhone’s USB connection to take it over ${of}… While this page holds it, ${loses} can’t use it.`;
	}
}
