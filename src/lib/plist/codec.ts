import { DeviceError } from '../errors';
import { decodeBinaryPlist, isBinaryPlist } from './binary';
import type { PlistValue } from './value';
import { decodeXmlPlist, encodeXmlPlist } from './xml';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** A plist as the bytes lockdown sends: XML, UTF-8. */
export function encodePlist(value: PlistValue): Uint8Array {
	return encoder.encode(encodeXmlPlist(value));
}

/** A plist from its bytes, XML or binary (bplist00). Anything else is a DeviceError ('protocol'). */
export function decodePlist(bytes: Uint8Array): PlistValue {
	if (isBinaryPlist(bytes)) return decodeBinaryPlist(bytes);
	let text: string;
	try {
		text = decoder.decode(bytes);
	} catch (cause) {
		throw new DeviceError('protocol', 'A message from the iPhone could not be read.', { cause });
	}
	return decodeXmlPlist(text);
}
