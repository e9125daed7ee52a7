import { DeviceError, type DeviceErrorCode } from '../errors';
import { AfcStatus, afcStatusName } from './constants';

/** What the client was doing when the device said no: the same status means different things per step. */
export type AfcAction = 'list' | 'stat' | 'device-info' | 'open' | 'read' | 'seek' | 'tell' | 'close';

/** A `DeviceError` that also keeps the AFC status the device sent. */
export class AfcStatusError extends DeviceError {
	readonly status: number;
	constructor(code: DeviceErrorCode, message: string, status: number, advice?: string) {
		super(code, message, advice === undefined ? {} : { advice });
		this.status = status;
	}
}

const doing: Record<AfcAction, string> = {
	list: 'listing',
	stat: 'looking at',
	'device-info': 'asking about storage for',
	open: 'opening',
	read: 'reading',
	seek: 'moving within',
	tell: 'reading the position in',
	close: 'closing',
};

const ICLOUD_ADVICE =
	'If iCloud Photos uses "Optimize iPhone Storage", this item may be kept only in iCloud. On the iPhone, ' +
	'choose Settings › Photos › "Download and Keep Originals", let it download, then try again.';

/**
 * The error for a non-zero status. READ_ERROR is how afcd says "no such path" to GetFileInfo (what
 * pymobiledevice3 relies on) and "not a folder" to ReadDir (ifuse maps it to ENOTDIR); on open and
 * read it, like IO_ERROR, means the bytes are not there to read (ifuse#54: iCloud-only photos).
 */
export function afcStatusError(status: number, action: AfcAction, path = 'the file'): AfcStatusError {
	const name = afcStatusName(status);
	const fail = (code: DeviceErrorCode, message: string, advice?: string) =>
		new AfcStatusError(code, message, status, advice);
	const readsContent = action === 'open' || action === 'read' || action === 'seek';
	switch (status) {
		case AfcStatus.ObjectNotFound:
			return fail(
				'file-not-found',
				action === 'list' ? `There is no folder ${path} on the iPhone.` : `There is no ${path} on the iPhone.`,
				'It may have been deleted on the iPhone. Start again to read the list afresh.',
			);
		case AfcStatus.ReadError:
			if (action === 'stat') return fail('file-not-found', `There is no ${path} on the iPhone.`);
			if (action === 'list') return fail('file-not-found', `${path} is not a folder the iPhone can list.`);
			if (readsContent) return fail('file-unreadable', `The iPhone could not read ${path}.`, ICLOUD_ADVICE);
			break;
		case AfcStatus.IoError:
			if (readsContent) return fail('file-unreadable', `The iPhone could not read ${path}.`, ICLOUD_ADVICE);
			break;
		case AfcStatus.PermDenied:
			return fail('file-permission', `The iPhone does not allow ${doing[action]} ${path}.`);
		case AfcStatus.NoResources:
		case AfcStatus.ObjectBusy:
		case AfcStatus.OpWouldBlock:
		case AfcStatus.OpInProgress:
			return fail(
				'device-busy',
				`The iPhone was too busy for ${doing[action]} ${path}.`,
				'Wait a moment and try again. If it keeps happening, unplug the iPhone and plug it in again.',
			);
		case AfcStatus.OpNotSupported:
		case AfcStatus.UnknownPacketType:
			return fail(
				'afc-unsupported',
				`This iPhone does not support ${doing[action]} files the way this app asks.`,
				'Updating the iPhone may help.',
			);
		case AfcStatus.OpTimeout:
			return fail('timeout', `The iPhone took too long ${doing[action]} ${path}.`, 'Try again.');
	}
	return fail(
		'afc-failed',
		`The iPhone's file service reported an error (${name}) while ${doing[action]} ${path}.`,
		'Try again. If it keeps happening, unplug the iPhone and plug it in again.',
	);
}
