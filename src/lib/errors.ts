/**
 * Every failure the app can meet is a `DeviceError` with a stable `code` and a message in plain words,
 * written for the person holding the phone: what happened and, in `advice`, what to do next. Lower
 * layers throw it; the page shows `message` and `advice` as they are.
 *
 * Codes are matched by value, never by `instanceof`, because errors cross worker boundaries.
 */
export type DeviceErrorCode =
	// The browser and the USB seam
	| 'no-webusb' // this browser has no WebUSB
	| 'no-device' // no iPhone was chosen or none is plugged in
	| 'usb-busy' // another program (usbmuxd, Apple's driver) holds the phone
	| 'usb-permission' // the operating system refused access to the device
	| 'not-an-iphone' // the device has no usbmux interface
	| 'usb-mode' // the iPhone is in a USB mode without the usbmux interface (network only, iOS 17+ "mode 5")
	| 'unplugged' // the cable was pulled or the phone went away
	| 'usb-transfer' // a USB transfer failed for another reason
	// usbmux
	| 'port-closed' // the phone refused a connection to a service port
	| 'connection-reset' // the phone closed a connection
	| 'connection-closed' // we closed the connection ourselves
	// lockdownd: trust, pairing, sessions, services
	| 'locked' // the iPhone is locked and must be unlocked first
	| 'trust-denied' // someone tapped "Don't Trust" on the iPhone
	| 'pairing-forgotten' // the iPhone no longer knows this computer: pair again
	| 'pairing-refused' // the iPhone does not allow pairing here (managed phone, wrong connection)
	| 'service-unavailable' // the iPhone would not start the service we asked for
	| 'device-refused' // the iPhone turned down a request for another reason
	// AFC: the file service
	| 'file-not-found' // nothing at that path on the phone (or it is not a folder, for a listing)
	| 'file-unreadable' // the phone lists the file but cannot read it (often: kept only in iCloud)
	| 'file-permission' // the phone refused access to that path
	| 'device-busy' // the phone has too many files open, or the file is in use
	| 'afc-unsupported' // the phone does not support that file operation
	| 'afc-failed' // the file service reported another error (the status is in the error)
	// The browser's own facilities: keys and storage
	| 'crypto' // the browser could not make or use the keys pairing needs
	| 'storage' // the browser could not read or save its records (pairings, settings)
	// TLS on lockdown and service connections
	| 'tls' // the secure (TLS) connection failed: bad message, bad key, refused certificate
	// The backup folder (File System Access)
	| 'disk-full' // the drive of the backup folder has no space left
	| 'folder-permission' // the page may no longer write to the backup folder
	| 'folder-gone' // the backup folder disappeared (drive unplugged, folder moved or deleted)
	| 'folder-file-exists' // a file is already at that path in the backup: never replaced
	| 'folder-file-missing' // nothing at that path in the backup folder
	| 'file-too-large-for-drive' // the backup folder's drive cannot hold a file that large (FAT32: 4 GiB − 1 bytes at most)
	| 'folder-failed' // the backup folder refused an operation for another reason
	// The backup engine
	| 'file-changed' // the file kept changing on the phone while it was being copied
	| 'size-mismatch' // the phone sent another number of bytes than it says the file holds, twice alike
	| 'verify-failed' // the bytes read back from the backup folder differ from those copied
	| 'backup-elsewhere' // another tab or window is backing up into this folder, or this phone
	| 'backup-newer' // the backup in the folder was made by a newer version of this page
	// The page's own code
	| 'app-updated' // a part of this page could not be loaded: a newer version replaced it while the tab was open
	// Any layer
	| 'protocol' // the phone sent something that breaks the protocol
	| 'timeout' // the phone stopped answering
	| 'too-large'; // the phone announced something bigger than we accept

export interface DeviceErrorOptions {
	cause?: unknown;
	/** What the person can do about it, in plain words. */
	advice?: string;
}

export class DeviceError extends Error {
	override readonly name = 'DeviceError';
	readonly code: DeviceErrorCode;
	readonly advice: string | undefined;

	constructor(code: DeviceErrorCode, message: string, options: DeviceErrorOptions = {}) {
		super(message, options.cause === undefined ? undefined : { cause: options.cause });
		this.code = code;
		this.advice = options.advice;
	}
}

export function isDeviceError(error: unknown, code?: DeviceErrorCode): error is DeviceError {
	return (
		typeof error === 'object' &&
		error !== null &&
		(error as { name?: unknown }).name === 'DeviceError' &&
		(code === undefined || (error as { code?: unknown }).code === code)
	);
}

/** Platform errors (DOMException from WebUSB, for instance) are told apart by name, never by class. */
export function hasErrorName(error: unknown, name: string): boolean {
	return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === name;
}
