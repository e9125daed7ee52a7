import type { HostOs } from './host-os';
import { WINDOWS_ALTERNATIVES } from './usb-failure';

/**
 * What the page should tell a person before they plug anything in, from their OS and what the browser
 * offers: the plain truth of docs: platforms-and-peers §2.3, so nobody follows advice that cannot work.
 */
export interface PlatformNotice {
	/** Stable, for the page's markup and tests. */
	readonly id: 'windows-unreachable' | 'linux-access' | 'macos-takeover' | 'android-permission' | 'no-folder-picker';
	/** 'blocker': the backup cannot work here as things are; 'note': it works, with this to know. */
	readonly level: 'blocker' | 'note';
	readonly message: string;
	readonly advice: string;
}

export interface BrowserFeatures {
	/** `typeof showDirectoryPicker === 'function'`: choosing the backup folder. */
	readonly directoryPicker: boolean;
}

export function platformNotices(os: HostOs, features: BrowserFeatures): PlatformNotice[] {
	const notices: PlatformNotice[] = [];
	switch (os) {
		case 'windows':
			notices.push({
				id: 'windows-unreachable',
				level: 'blocker',
				message: 'On Windows a browser can’t reach the iPhone’s connection this page needs.',
				advice:
					'Windows lets a browser use only the iPhone’s camera view; the connection this page uses belongs to ' +
					`Apple’s driver, and no setting or service changes that. ${WINDOWS_ALTERNATIVES}`,
			});
			break;
		case 'linux':
			notices.push({
				id: 'linux-access',
				level: 'note',
				message: 'On Linux the browser needs permission to use the iPhone, and the usbmuxd service may be holding it.',
				advice:
					'If the iPhone does not show up or access is refused, add a udev rule for Apple devices (the page shows ' +
					'the commands when it happens). If usbmuxd holds the iPhone, this page takes it over; if it cannot, ' +
					'stop it with “sudo systemctl stop usbmuxd”. A browser installed as a Snap may not reach USB devices at ' +
					'all, and one installed as a Flatpak needs extra permissions: use one installed from your distribution’s ' +
					'packages or the vendor’s .deb or .rpm.',
			});
			break;
		case 'macos':
			notices.push({
				id: 'macos-takeover',
				level: 'note',
				message: 'On a Mac this page takes the iPhone over from macOS while it is connected.',
				advice:
					'While this page holds the iPhone, Finder, Photos, Image Capture and other iPhone apps on this Mac can’t ' +
					'use it; unplug the iPhone and plug it back in to give it back to them. Quit them before you connect.',
			});
			break;
		case 'android':
			notices.push({
				id: 'android-permission',
				level: 'note',
				message: 'Android asks for permission each time this page connects to the iPhone.',
				advice:
					'Connect the iPhone with a USB-C cable (or a USB OTG adapter), and tap OK each time Android asks ' +
					'whether Chrome may use it.',
			});
			break;
		case 'chromeos':
		case 'unknown':
			break;
	}
	if (!features.directoryPicker) {
		notices.push({
			id: 'no-folder-picker',
			level: 'blocker',
			message: 'This browser can’t save into a folder you choose, which the backup needs.',
			advice:
				os === 'android'
					? 'Update Chrome to version 132 or later (Play Store › Chrome › Update), then open this page again.'
					: 'Open this page in an up-to-date Chrome or Microsoft Edge. Brave turns this feature off unless you ' +
						'enable it in its settings.',
		});
	}
	return notices;
}
