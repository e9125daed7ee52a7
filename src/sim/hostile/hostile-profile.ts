import { AFC_HEADER_LENGTH, AFC_MAGIC } from '../../lib/afc/constants';
import type { ByteChannel } from '../../lib/streams/byte-channel';
import { writeU32 } from '../../lib/bytes';
import { MUX_HEADER_V2_SIZE, MUX_MAGIC, MuxProtocol } from '../../lib/usbmux/constants';
import type { AfcdOptions, AfcdRequest } from '../afcd';
import type { SimUsbmuxDevice } from '../usbmux';
import type { VirtualFileSystem } from '../virtual-fs';
import { lieBytes } from './lie-bytes';
import { forever, lyingChannel, type WriteLie } from './lying-channel';
import { LIE_PATHS, LyingFileSystem, type FileSystemLies } from './lying-file-system';

/**
 * (e) Lies in AFC framing, told in the reply to the first read of the trap file:
 * - `giant-length`: the reply's header announces 3 GiB;
 * - `endless-reply`: the header announces all the bytes the read asked for, then they trickle in one
 *   at a time, never fast enough to finish and never slow enough to look silent;
 * - `wrong-packet-number`: the reply answers a request that was never sent.
 */
export type AfcLie = 'giant-length' | 'endless-reply' | 'wrong-packet-number';

/**
 * (f, g) Lies on lockdown connections: `giant-plist` announces a 2 GiB message in the first reply's
 * length prefix; the TLS lies spoil a record the phone sends inside the session (after
 * `tlsRecordsBefore` honest ones): its length above any TLS record's (`oversized-tls-record`), an
 * unknown record type (`malformed-tls-record`), or a ciphertext that does not decrypt (`corrupt-tls-record`).
 */
export type LockdownLie = 'giant-plist' | 'oversized-tls-record' | 'malformed-tls-record' | 'corrupt-tls-record';

/** The hostile profile: a phone that lies, one lie per option, each off unless asked for. */
export interface HostileBehaviour extends FileSystemLies {
	afc?: AfcLie;
	/** (f) A usbmux packet announcing 3 GiB, sent when the backup first reads the trap file. */
	giantMuxPacket?: boolean;
	lockdown?: LockdownLie;
	/** `endless-reply`: milliseconds between trickled bytes (default 20). */
	trickleMs?: number;
	/** TLS lies: session records the phone sends honestly before the spoiled one (default 0). */
	tlsRecordsBefore?: number;
}

const GiB = 1024 * 1024 * 1024;
const AFC_MAGIC_BYTES = new TextEncoder().encode(AFC_MAGIC);
const TLS_APPLICATION_DATA = 0x17;

/**
 * Wires a `HostileBehaviour` into the virtual iPhone's layers: the storage afcd serves, the lockdown
 * connections, and each AFC connection (with the mux, for the usbmux lie).
 */
export class HostileProfile {
	readonly #lies: HostileBehaviour;
	#tlsRecordsSeen = 0;
	#lockdownConnections = 0;
	#trapSprung = false;

	constructor(lies: HostileBehaviour) {
		this.#lies = lies;
	}

	/** The storage with the file-system lies over `honest`. */
	storage(honest: VirtualFileSystem): VirtualFileSystem {
		const trap = this.#lies.trap === true || this.#lies.afc !== undefined || this.#lies.giantMuxPacket === true;
		return new LyingFileSystem(honest, { ...this.#lies, trap });
	}

	/** A lockdown connection as the lockdown lies have it. */
	lockdownChannel(channel: ByteChannel): ByteChannel {
		const lie = this.#lies.lockdown;
		if (lie === undefined) return channel;
		if (lie === 'giant-plist') {
			if (this.#lockdownConnections++ > 0) return channel;
			let told = false;
			return lyingChannel(channel, async (chunk, send) => {
				if (told || chunk.byteLength < 4) return false;
				told = true;
				const spoiled = chunk.slice();
				new DataView(spoiled.buffer).setUint32(0, 2 * GiB);
				await send(spoiled);
				return true;
			});
		}
		return lyingChannel(channel, async (chunk, send) => {
			const isRecord = chunk.byteLength > 5 && chunk[0] === TLS_APPLICATION_DATA && chunk[1] === 3 && chunk[2] === 3;
			if (!isRecord || this.#tlsRecordsSeen++ !== (this.#lies.tlsRecordsBefore ?? 0)) return false;
			const spoiled = chunk.slice();
			if (lie === 'oversized-tls-record') new DataView(spoiled.buffer).setUint16(3, 0xffff);
			else if (lie === 'malformed-tls-record') spoiled[0] = 0x63;
			else spoiled[spoiled.byteLength - 1]! ^= 0xff;
			await send(spoiled);
			return true;
		});
	}

	/** An AFC connection and afcd's options as the AFC and usbmux lies have them. */
	afcService(channel: ByteChannel, options: AfcdOptions, mux: SimUsbmuxDevice): { channel: ByteChannel; options: AfcdOptions } {
		const { afc, giantMuxPacket } = this.#lies;
		if (afc === undefined && giantMuxPacket !== true) return { channel, options };
		let armed: AfcdRequest | undefined;
		const beforeAnswer = async (request: AfcdRequest) => {
			await options.beforeAnswer?.(request);
			if (this.#trapSprung || request.kind !== 'read' || request.path !== LIE_PATHS.trap) return;
			this.#trapSprung = true;
			if (giantMuxPacket === true) {
				await mux.sendRaw(giantMuxHeader());
				await forever();
			}
			armed = request;
		};
		const lie: WriteLie = async (chunk, send) => {
			const request = armed;
			if (request === undefined || !isAfcHeader(chunk)) return false;
			armed = undefined;
			const header = chunk.slice();
			const view = new DataView(header.buffer);
			if (afc === 'giant-length') view.setBigUint64(8, BigInt(3 * GiB), true);
			if (afc === 'wrong-packet-number') view.setBigUint64(24, BigInt(request.packetNumber + 1000), true);
			if (afc !== 'endless-reply') {
				await send(header);
				return true;
			}
			const announced = Math.max(1, request.length ?? 1);
			view.setBigUint64(8, BigInt(AFC_HEADER_LENGTH + announced), true);
			await send(header);
			// One byte short of the end, forever in practice: a byte every few milliseconds.
			for (let at = 0; at < announced - 1; at++) {
				await new Promise((resolve) => setTimeout(resolve, this.#lies.trickleMs ?? 20));
				await send(lieBytes(LIE_PATHS.trap, at, 1));
			}
			return forever();
		};
		return { channel: lyingChannel(channel, lie), options: { ...options, beforeAnswer } };
	}
}

function isAfcHeader(chunk: Uint8Array): boolean {
	if (chunk.byteLength !== AFC_HEADER_LENGTH) return false;
	return AFC_MAGIC_BYTES.every((byte, i) => chunk[i] === byte);
}

/** A usbmux v2 header announcing a 3 GiB packet. */
function giantMuxHeader(): Uint8Array {
	const header = new Uint8Array(MUX_HEADER_V2_SIZE);
	writeU32(header, 0, MuxProtocol.Tcp);
	writeU32(header, 4, 3 * GiB);
	writeU32(header, 8, MUX_MAGIC);
	return header;
}
