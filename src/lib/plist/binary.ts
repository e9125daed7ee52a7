import { DeviceError } from '../errors';
import type { PlistDict, PlistValue } from './value';

/*
 * Binary property lists (bplist00), read only: hosts always send XML, but a receiver must accept either
 * (protocol.md §4.1). Written here rather than taken from the `plist` package because that reader trusts
 * the file: a few kilobytes whose arrays point at each other many times over unfold into billions of
 * values, and a container that contains itself recurses until the stack runs out. This one counts.
 */

const MAGIC = 'bplist00';
const TRAILER = 32;
const MAX_DEPTH = 64;
/**
 * Decoded bytes (data, and strings at two bytes a unit) a message may expand into, per byte of it: a
 * few kilobytes referring to one large object many times must not unfold into gigabytes.
 */
const MAX_EXPANSION = 4;
/** Seconds between 1970-01-01 and 2001-01-01, the epoch of plist dates. */
const EPOCH_2001 = 978_307_200;

export function isBinaryPlist(bytes: Uint8Array): boolean {
	if (bytes.length < MAGIC.length) return false;
	for (let i = 0; i < MAGIC.length; i++) if (bytes[i] !== MAGIC.charCodeAt(i)) return false;
	return true;
}

export function decodeBinaryPlist(bytes: Uint8Array): PlistValue {
	return new BinaryPlistReader(bytes).document();
}

class BinaryPlistReader {
	readonly #bytes: Uint8Array;
	readonly #view: DataView;
	#offsets: number[] = [];
	#refSize = 0;
	/** Values still allowed to be produced: a file cannot expand into more values than it has bytes. */
	#budget: number;
	/** Decoded bytes still allowed (`MAX_EXPANSION`). */
	#bytesLeft: number;
	readonly #onPath = new Set<number>();

	constructor(bytes: Uint8Array) {
		this.#bytes = bytes;
		this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
		this.#budget = bytes.length;
		this.#bytesLeft = bytes.length * MAX_EXPANSION;
	}

	document(): PlistValue {
		const length = this.#bytes.length;
		if (!isBinaryPlist(this.#bytes) || length < MAGIC.length + TRAILER) this.#fail('too short');
		const trailer = length - TRAILER;
		const offsetSize = this.#view.getUint8(trailer + 6);
		this.#refSize = this.#view.getUint8(trailer + 7);
		const count = this.#trailerUint(trailer + 8);
		const top = this.#trailerUint(trailer + 16);
		const tableAt = this.#trailerUint(trailer + 24);
		if (![1, 2, 4, 8].includes(offsetSize) || ![1, 2, 4, 8].includes(this.#refSize)) {
			this.#fail('bad integer sizes');
		}
		if (count === 0 || top >= count) this.#fail('bad object count');
		if (tableAt < MAGIC.length || tableAt + count * offsetSize > trailer) this.#fail('bad offset table');
		for (let i = 0; i < count; i++) {
			const offset = this.#uint(tableAt + i * offsetSize, offsetSize);
			if (offset < MAGIC.length || offset >= tableAt) this.#fail('object offset out of range');
			this.#offsets.push(offset);
		}
		return this.#object(top, 0);
	}

	#object(index: number, depth: number): PlistValue {
		if (--this.#budget < 0) this.#fail('expands into too many values');
		if (depth > MAX_DEPTH) this.#fail('nested too deeply');
		const start = this.#offsets[index];
		if (start === undefined) this.#fail('reference out of range');
		const marker = this.#byte(start);
		const type = marker >> 4;
		const info = marker & 0x0f;
		switch (type) {
			case 0x0:
				if (marker === 0x08) return false;
				if (marker === 0x09) return true;
				return this.#fail(`unsupported singleton 0x${marker.toString(16)}`);
			case 0x1:
				return this.#int(start + 1, info);
			case 0x2:
				if (info === 2) return this.#check(start + 1, 4) && this.#view.getFloat32(start + 1);
				if (info === 3) return this.#check(start + 1, 8) && this.#view.getFloat64(start + 1);
				return this.#fail('bad real size');
			case 0x3:
				if (marker !== 0x33) this.#fail('bad date');
				this.#check(start + 1, 8);
				return this.#date((this.#view.getFloat64(start + 1) + EPOCH_2001) * 1000);
			case 0x4: {
				const [at, size] = this.#sized(start, info);
				this.#check(at, size);
				this.#spend(size);
				return this.#bytes.slice(at, at + size);
			}
			case 0x5: {
				const [at, size] = this.#sized(start, info);
				this.#check(at, size);
				this.#spend(size * 2);
				let text = '';
				for (let i = 0; i < size; i++) text += String.fromCharCode(this.#bytes[at + i]!);
				return text;
			}
			case 0x6: {
				const [at, units] = this.#sized(start, info);
				this.#check(at, units * 2);
				this.#spend(units * 2);
				const codes: number[] = [];
				for (let i = 0; i < units; i++) codes.push(this.#view.getUint16(at + i * 2));
				let text = '';
				for (let i = 0; i < codes.length; i += 0x4000) {
					text += String.fromCharCode(...codes.slice(i, i + 0x4000));
				}
				return text;
			}
			case 0xa:
				return this.#container(index, () => {
					const [at, size] = this.#sized(start, info);
					this.#check(at, size * this.#refSize);
					const array: PlistValue[] = [];
					for (let i = 0; i < size; i++) {
						array.push(this.#object(this.#ref(at + i * this.#refSize), depth + 1));
					}
					return array;
				});
			case 0xd:
				return this.#container(index, () => {
					const [at, size] = this.#sized(start, info);
					this.#check(at, size * 2 * this.#refSize);
					const dict: PlistDict = {};
					for (let i = 0; i < size; i++) {
						const key = this.#object(this.#ref(at + i * this.#refSize), depth + 1);
						if (typeof key !== 'string') this.#fail('a dictionary key is not a string');
						const value = this.#object(this.#ref(at + (size + i) * this.#refSize), depth + 1);
						Object.defineProperty(dict, key, { value, enumerable: true, writable: true, configurable: true });
					}
					return dict;
				});
			default:
				return this.#fail(`unsupported object type 0x${type.toString(16)}`);
		}
	}

	/** A container that (directly or not) contains itself has no finite value. */
	#container<T>(index: number, read: () => T): T {
		if (this.#onPath.has(index)) this.#fail('a container contains itself');
		this.#onPath.add(index);
		const value = read();
		this.#onPath.delete(index);
		return value;
	}

	/** Where an object's payload starts and its length, which may follow the marker as an int object. */
	#sized(start: number, info: number): [number, number] {
		if (info !== 0x0f) return [start + 1, info];
		const marker = this.#byte(start + 1);
		if (marker >> 4 !== 0x1) this.#fail('bad length');
		const size = this.#int(start + 2, marker & 0x0f);
		if (size < 0 || size > this.#bytes.length) this.#fail('length beyond the message');
		return [start + 2 + (1 << (marker & 0x0f)), size];
	}

	#int(at: number, log2Size: number): number {
		if (log2Size > 3) this.#fail('integer wider than 64 bits');
		const size = 1 << log2Size;
		this.#check(at, size);
		if (size < 8) return this.#uint(at, size);
		// 8-byte integers are signed; beyond 2^53 a number loses precision, which no lockdown value needs.
		return this.#view.getInt32(at) * 0x1_0000_0000 + this.#view.getUint32(at + 4);
	}

	#ref(at: number): number {
		return this.#uint(at, this.#refSize);
	}

	#uint(at: number, size: number): number {
		this.#check(at, size);
		let value = 0;
		for (let i = 0; i < size; i++) value = value * 256 + this.#bytes[at + i]!;
		return value;
	}

	#trailerUint(at: number): number {
		let value = 0;
		for (let i = 0; i < 8; i++) value = value * 256 + this.#bytes[at + i]!;
		return value;
	}

	#byte(at: number): number {
		this.#check(at, 1);
		return this.#bytes[at]!;
	}

	#spend(bytes: number): void {
		this.#bytesLeft -= bytes;
		if (this.#bytesLeft < 0) this.#fail('expands into too many bytes');
	}

	#check(at: number, size: number): true {
		if (at + size > this.#bytes.length - TRAILER) this.#fail('reads past the objects');
		return true;
	}

	/** A date from milliseconds since 1970; NaN or one out of Date's range is malformed, not an Invalid Date. */
	#date(ms: number): Date {
		const date = new Date(ms);
		return Number.isNaN(date.getTime()) ? this.#fail('bad date') : date;
	}

	#fail(why: string): never {
		throw new DeviceError('protocol', 'A message from the iPhone could not be read.', {
			cause: new Error(`binary plist: ${why}`),
		});
	}
}
