import { AfcLimits, AfcOperation, AFC_HEADER_LENGTH, afcStatusName } from '../afc/constants';
import { readU64, type AfcHeader } from '../afc/packet';
import { decodeRequest } from '../afc/requests';
import { extensionOf } from '../library/media-path';
import type { PlistDict } from '../plist/value';
import type { WireValue } from './recorder';

/*
 * What of a message may go in a report. A lockdown plist gives its request name, error string, the
 * names of the keys and domain asked for, a service name and the session/service TLS flags — never a
 * value (keys, certificates, pair records, escrow bags, UDIDs, names, serials). An AFC packet gives
 * its operation, lengths, packet number, status, a read's length and a path's extension, nothing more.
 */

/** A name from the protocol's vocabulary (`StartSession`, `com.apple.afc`, `InvalidHostID`); anything else is withheld. */
const PROTOCOL_NAME = /^[A-Za-z][A-Za-z0-9._-]{0,63}$/;

function protocolName(value: unknown): string | undefined {
	if (typeof value !== 'string') return undefined;
	return PROTOCOL_NAME.test(value) ? value : `(${value.length} characters)`;
}

/** Fields of a lockdown message whose value names something of the protocol, never of the person. */
const NAMED_FIELDS = ['Request', 'Error', 'Key', 'Domain', 'Service', 'Type'] as const;
const FLAG_FIELDS = ['EnableSessionSSL', 'EnableServiceSSL'] as const;

export interface PlistSummary {
	request?: string;
	error?: string;
	fields: Record<string, WireValue>;
}

/** The safe fields of one lockdown (or other plist service) message. */
export function summarisePlist(message: PlistDict): PlistSummary {
	const fields: Record<string, WireValue> = {};
	for (const name of NAMED_FIELDS) {
		const value = protocolName(message[name]);
		if (value !== undefined) fields[name] = value;
	}
	for (const name of FLAG_FIELDS) {
		if (typeof message[name] === 'boolean') fields[name] = message[name];
	}
	// A service's port: a number lockdownd chose, and where the service connection goes next.
	if (typeof message.Port === 'number' && Number.isInteger(message.Port)) fields.Port = message.Port;
	fields.keys = Object.keys(message)
		.map((key) => (PROTOCOL_NAME.test(key) ? key : '?'))
		.sort()
		.join(',');
	return { request: fields.Request as string | undefined, error: fields.Error as string | undefined, fields };
}

const OPERATION_NAMES = new Map<number, string>(Object.entries(AfcOperation).map(([name, code]) => [code, name]));

export function afcOperationName(operation: number): string {
	return OPERATION_NAMES.get(operation) ?? `op${operation}`;
}

/** Requests whose parameters (a path, a handle and length) are worth the bytes they take. */
const REQUESTS_WITH_PARAMETERS = new Set<number>([
	AfcOperation.ReadDir,
	AfcOperation.GetFileInfo,
	AfcOperation.FileRefOpen,
	AfcOperation.FileRefRead,
	AfcOperation.FileRefSeek,
	AfcOperation.RemovePath,
	AfcOperation.MakeDir,
]);
/** The most of a request's parameters looked at: an 8-byte mode and the longest path. */
const MAX_PARAMETER_BYTES = 8 + AfcLimits.maxPathBytes;
const STATUS_BYTES = 8;

/** Bytes after the 40-byte header to look at before the packet can be described (0: none). */
export function afcParameterBytes(header: AfcHeader, direction: 'out' | 'in'): number {
	const available = header.thisLength - AFC_HEADER_LENGTH;
	if (direction === 'out') return REQUESTS_WITH_PARAMETERS.has(header.operation) ? Math.min(available, MAX_PARAMETER_BYTES) : 0;
	return header.operation === AfcOperation.Status ? Math.min(header.entireLength - AFC_HEADER_LENGTH, STATUS_BYTES) : 0;
}

/** One AFC packet's fields for the report; `parameters` are the bytes `afcParameterBytes` asked for. */
export function describeAfcPacket(header: AfcHeader, parameters: Uint8Array, direction: 'out' | 'in'): Record<string, WireValue> {
	const fields: Record<string, WireValue> = { n: header.packetNumber, len: header.entireLength };
	if (header.thisLength !== AFC_HEADER_LENGTH) fields.headerLen = header.thisLength;
	if (direction === 'in') {
		if (header.operation === AfcOperation.Status && parameters.byteLength >= STATUS_BYTES) {
			fields.status = afcStatusName(readU64(new DataView(parameters.buffer, parameters.byteOffset, STATUS_BYTES), 0, 'status'));
		}
		return fields;
	}
	if (parameters.byteLength === 0) return fields;
	const request = decodeRequest({ header, body: parameters });
	if ('path' in request) fields.ext = pathExtension(request.path);
	if (request.kind === 'read') fields.read = request.length;
	if (request.kind === 'seek') fields.seek = request.offset;
	return fields;
}

/** Only the extension of a path's last name (`JPG`), `-` when it has none, `?` when it is not one a camera roll holds. */
export function pathExtension(path: string): string {
	const extension = extensionOf(path.slice(path.lastIndexOf('/') + 1));
	if (extension === '') return '-';
	return /^[A-Z0-9]{1,8}$/.test(extension) ? extension : '?';
}
