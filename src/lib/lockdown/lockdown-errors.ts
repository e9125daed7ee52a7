import { DeviceError } from '../errors';

/**
 * The DeviceError for an `Error` string in a lockdownd reply (the strings of protocol.md §4.4), in
 * words for the person holding the phone. Strings that only a bug on our side can cause become
 * 'device-refused' with the raw string kept in the message for a bug report.
 */
export function lockdownFailure(request: string, error: string): DeviceError {
	switch (error) {
		case 'PasswordProtected':
			return new DeviceError('locked', 'Unlock your iPhone, then try again.', {
				advice: 'Unlock it with Face ID, Touch ID or its passcode, and keep it unlocked until the backup has started.',
			});
		case 'EscrowLocked':
			return new DeviceError('locked', 'Your iPhone has not been unlocked since it was turned on.', {
				advice: 'Unlock it once with its passcode, then try again.',
			});
		case 'UserDeniedPairing':
			return new DeviceError(
				'trust-denied',
				'You tapped “Don’t Trust” on the iPhone, so it will not share its photos with this computer.',
				{
					advice:
						'To be asked again, unplug the iPhone and plug it back in. When it asks “Trust This Computer?”, tap Trust and enter your passcode.',
				},
			);
		case 'InvalidHostID':
			return new DeviceError('pairing-forgotten', 'Your iPhone no longer trusts this computer.', {
				advice:
					'This happens after “Reset Location & Privacy” or when the iPhone has been set up again. Connect again and tap Trust on the iPhone when it asks.',
			});
		case 'PairingProhibitedOverThisConnection':
			return new DeviceError('pairing-refused', 'The iPhone does not allow pairing over this connection.', {
				advice: 'Connect the iPhone to this computer with a USB cable, not through a hub or dock.',
			});
		case 'MCChallengeRequired':
		case 'MCProtected':
			return new DeviceError(
				'pairing-refused',
				'This iPhone is managed by an organisation that does not let it trust a new computer.',
				{ advice: 'Ask whoever manages the iPhone to allow pairing with computers.' },
			);
		case 'InvalidService':
		case 'MissingService':
			return new DeviceError('service-unavailable', 'The iPhone does not offer the service this page needs.', {
				advice: 'Restart the iPhone and try again.',
			});
		case 'ServiceProhibited':
			return new DeviceError('service-unavailable', 'The iPhone refused to open the service this page needs.', {
				advice: 'Unlock the iPhone and check that it trusts this computer, then try again.',
			});
		case 'ServiceLimit':
			return new DeviceError('service-unavailable', 'The iPhone has too many connections open.', {
				advice:
					'Quit other programs that talk to the iPhone (Finder, iTunes, Photos), unplug the iPhone and plug it back in.',
			});
		default:
			return new DeviceError('device-refused', `The iPhone refused a request (${request}: ${error}).`, {
				advice: 'Unplug the iPhone, plug it back in and try again.',
			});
	}
}
