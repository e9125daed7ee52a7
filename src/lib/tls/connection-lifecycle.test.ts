import { describe, expect, it } from 'vitest';
import { DeviceError } from '../errors';
import { ConnectionLifecycle } from './connection-lifecycle';
import { TlsError } from './tls-error';

function open(): ConnectionLifecycle {
	const lifecycle = new ConnectionLifecycle();
	lifecycle.handshakeMessageAccepted(false);
	lifecycle.handshakeMessageAccepted(true);
	return lifecycle;
}

const truncated = () => new TlsError('the connection ended without the secure session being closed properly.', 'close_notify');
const badMac = () => new TlsError('a record failed its integrity check.', 'bad_record_mac');

describe('the connection’s lifecycle', () => {
	it('settles the record version with the peer’s hello and opens once the handshake is established', () => {
		const lifecycle = new ConnectionLifecycle();
		expect(lifecycle.phase).toEqual({ name: 'handshaking', versionSettled: false });
		expect(lifecycle.versionSettled).toBe(false);
		lifecycle.handshakeMessageAccepted(false);
		expect(lifecycle.phase).toEqual({ name: 'handshaking', versionSettled: true });
		lifecycle.handshakeMessageAccepted(true);
		expect(lifecycle.phase).toEqual({ name: 'open' });
		expect(lifecycle.versionSettled).toBe(true);
		expect(lifecycle.receiving).toBe(true);
	});

	it('says close_notify once, and answers the peer’s only from an open session', () => {
		const ours = open();
		expect(ours.sendCloseNotify()).toBe(true);
		expect(ours.sendCloseNotify()).toBe(false);
		expect(ours.phase).toEqual({ name: 'closing', peerClosed: false });
		expect(ours.receiving).toBe(true);
		expect(() => ours.checkWritable()).toThrow(/already closed/);
		expect(ours.receiveCloseNotify()).toBe(false); // ours is out already
		expect(ours.phase).toEqual({ name: 'closing', peerClosed: true });
		expect(ours.receiving).toBe(false);

		const theirs = open();
		expect(theirs.receiveCloseNotify()).toBe(true);
		expect(theirs.phase).toEqual({ name: 'closing', peerClosed: true });
		expect(theirs.sendCloseNotify()).toBe(false);
	});

	it('hands back remembering what was said, and answers no close_notify meanwhile', () => {
		const silent = open();
		silent.handBack();
		expect(silent.phase).toEqual({ name: 'handing-back', closeNotifySent: false, peerClosed: false });
		expect(silent.receiving).toBe(false);
		expect(silent.endExpected).toBe(true);
		expect(silent.receiveCloseNotify()).toBe(false);
		expect(silent.detach()).toEqual({ peerClosed: true });
		expect(silent.phase).toEqual({ name: 'detached' });

		const said = open();
		said.sendCloseNotify();
		said.handBack();
		expect(said.phase).toEqual({ name: 'handing-back', closeNotifySent: true, peerClosed: false });
		expect(said.detach()).toEqual({ peerClosed: false });
	});

	it('refuses a second hand-back, and one overtaken by close()', () => {
		const twice = open();
		twice.handBack();
		expect(() => twice.handBack()).toThrow(/already closed or handed back/);
		twice.detach();
		expect(() => twice.checkMayHandBack()).toThrow(/already closed or handed back/);

		const overtaken = open();
		overtaken.handBack();
		expect(overtaken.close()).toBe('close-notify');
		expect(() => overtaken.detach()).toThrow(/already closed or handed back/);
	});

	it('says close_notify on close() only when it is still owed, and leaves a handed-back channel alone', () => {
		expect(open().close()).toBe('close-notify');
		const closing = open();
		closing.sendCloseNotify();
		expect(closing.close()).toBe('hang-up');
		expect(closing.close()).toBe('nothing');
		const detached = open();
		detached.handBack();
		detached.detach();
		expect(detached.close()).toBe('nothing');
	});

	it('owes the peer a fatal alert for a TLS fault, in any phase still speaking TLS', () => {
		const handshaking = new ConnectionLifecycle();
		expect(handshaking.fail(badMac(), false)).toEqual({ failedNow: true, alert: { level: 'fatal', description: 'bad_record_mac' } });
		const closing = open();
		closing.sendCloseNotify();
		expect(closing.fail(badMac(), false)).toEqual({ failedNow: true, alert: { level: 'fatal', description: 'bad_record_mac' } });
	});

	it('answers a truncation with close_notify only while ours is still owed', () => {
		expect(open().fail(truncated(), false)).toEqual({ failedNow: true, alert: { level: 'warning', description: 'close_notify' } });
		const closing = open();
		closing.sendCloseNotify();
		expect(closing.fail(truncated(), false)).toEqual({ failedNow: true, alert: undefined });
		expect(new ConnectionLifecycle().fail(truncated(), false)).toEqual({ failedNow: true, alert: undefined });
	});

	it('owes nothing to a peer that sent a fatal alert, nor when the channel itself failed', () => {
		expect(open().fail(badMac(), true)).toEqual({ failedNow: true, alert: undefined });
		const unplugged = new DeviceError('unplugged', 'The iPhone was unplugged.');
		expect(open().fail(unplugged, false)).toEqual({ failedNow: true, alert: undefined });
	});

	it('keeps the first failure, which answers everything after', () => {
		const lifecycle = open();
		const first = badMac();
		lifecycle.fail(first, false);
		expect(lifecycle.fail(truncated(), false)).toEqual({ failedNow: false, error: first });
		expect(lifecycle.receiving).toBe(false);
		expect(() => lifecycle.checkWritable()).toThrow(first);
		expect(() => lifecycle.checkMayHandBack()).toThrow(first);
		expect(lifecycle.close()).toBe('hang-up');
		expect(lifecycle.phase).toEqual({ name: 'failed', error: first });
	});

	it('lets a failure after close() or detach() change nothing', () => {
		const closed = open();
		closed.close();
		const late = badMac();
		expect(closed.fail(late, false)).toEqual({ failedNow: false, error: late });
		expect(closed.phase).toEqual({ name: 'closed' });
		const detached = open();
		detached.handBack();
		detached.detach();
		expect(detached.fail(late, false)).toEqual({ failedNow: false, error: late });
		expect(detached.phase).toEqual({ name: 'detached' });
	});

	it('does not reopen a handshake that failed meanwhile', () => {
		const lifecycle = new ConnectionLifecycle();
		lifecycle.fail(badMac(), false);
		lifecycle.handshakeMessageAccepted(true);
		expect(lifecycle.phase.name).toBe('failed');
	});
});
