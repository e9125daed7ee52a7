import fc from 'fast-check';
import { concatBytes } from '../lib/bytes';

/**
 * What every fuzz case is: bytes, the points where a stream parser receives them cut into pieces, and a
 * small number a target may use to pick a mode (v1 or v2 headers, which decoder, which limit).
 * Inputs are built from seeds by mutation, so fast-check shrinks a failure to the fewest edits.
 */
export interface FuzzInput {
	bytes: Uint8Array;
	/** Cut points into `bytes` (already sorted, distinct and within it): chunk boundaries for stream parsers. */
	cuts: readonly number[];
	variant: number;
}

/** `bytes` cut at `cuts`: the pieces a transport might deliver. */
export function chunksOf(input: FuzzInput): Uint8Array[] {
	const chunks: Uint8Array[] = [];
	let from = 0;
	for (const cut of input.cuts) {
		if (cut > from) chunks.push(input.bytes.subarray(from, cut));
		from = Math.max(from, cut);
	}
	if (from < input.bytes.length || chunks.length === 0) chunks.push(input.bytes.subarray(from));
	return chunks;
}

/**
 * The input with a cut added at the end of every message its own length fields mark out, from the start
 * for as long as they make sense: a request-and-reply host then gets each reply as its own piece (after
 * it has sent the request), as from a phone, while the random cuts still split messages.
 * `messageLength` reads the length of the message at `at`, or `undefined` where there is none.
 */
export function cutAtMessages(input: FuzzInput, messageLength: (bytes: Uint8Array, at: number) => number | undefined): FuzzInput {
	const ends: number[] = [];
	for (let at = 0; at < input.bytes.length; ) {
		const length = messageLength(input.bytes, at);
		if (length === undefined || length <= 0 || at + length > input.bytes.length) break;
		at += length;
		ends.push(at);
	}
	return { ...input, cuts: [...new Set([...ends, ...input.cuts])].sort((a, b) => a - b) };
}

export interface MutationOptions {
	/** Valid inputs to start from (fixtures, our own encoders' output). */
	seeds: readonly Uint8Array[];
	/** Strings worth inserting whole (XML tags, entities, PEM armour): byte flips rarely make them. */
	tokens?: readonly string[];
	/**
	 * Offsets in a seed where mutations matter most (an EXIF block deep in a photo): a share of the
	 * edits lands near one of them.
	 */
	hotSpots?: (seed: Uint8Array) => number[];
	/** Largest number of edits per case (default 8). */
	maxEdits?: number;
	/** Share of cases that are plain random bytes instead of mutated seeds (default 1 in 10). */
	randomWeight?: number;
	/** Longest random input (default 600). */
	maxRandomLength?: number;
	/** Number of variants a target distinguishes (default 1). */
	variants?: number;
	/** Whether to generate chunk boundaries (stream parsers) (default false). */
	chunked?: boolean;
	/** Most chunks (default 24): each is a read, and async parsers pay per read. */
	maxChunks?: number;
}

/** Positions relative to something in the input, resolved once its length is known. */
type Anchor = 'any' | 'start' | 'end' | 'hot';
interface Position {
	anchor: Anchor;
	n: number;
}

type Edit =
	| { kind: 'flip'; at: Position; bit: number }
	| { kind: 'byte'; at: Position; value: number }
	| { kind: 'int'; at: Position; width: 1 | 2 | 4 | 8; little: boolean; value: bigint }
	| { kind: 'add'; at: Position; width: 1 | 2 | 4; little: boolean; delta: number }
	/** A length field that says "to the end", give or take a few bytes. */
	| { kind: 'length'; at: Position; width: 2 | 3 | 4 | 8; little: boolean; delta: number }
	| { kind: 'cut'; at: Position }
	| { kind: 'delete'; at: Position; length: number }
	| { kind: 'insert'; at: Position; bytes: Uint8Array }
	| { kind: 'token'; at: Position; token: number }
	| { kind: 'copy'; from: Position; length: number; at: Position }
	| { kind: 'splice'; seed: number; from: Position; length: number; at: Position };

/** Values at the edges of integer fields: where length checks go wrong. */
const INTERESTING: readonly bigint[] = [
	0n, 1n, 2n, 3n, 4n, 7n, 8n, 15n, 16n, 0x20n, 0x7fn, 0x80n, 0xffn, 0x100n, 0x3fffn, 0x4000n, 0x7fffn, 0x8000n,
	0xffffn, 0x10000n, 0xffffffn, 0x1000000n, 0x7fffffffn, 0x80000000n, 0xffffffffn, 0x100000000n,
	0x1fffffffffffffn, 0x20000000000000n, 0x7fffffffffffffffn, 0x8000000000000000n, 0xffffffffffffffffn,
];

const position = (hot: boolean): fc.Arbitrary<Position> =>
	fc.record({
		anchor: fc.constantFrom<Anchor>(...(hot ? (['any', 'start', 'end', 'hot', 'hot'] as const) : (['any', 'start', 'end'] as const))),
		n: fc.nat(),
	});

function editArbitrary(seedCount: number, tokenCount: number, hot: boolean): fc.Arbitrary<Edit> {
	const at = position(hot);
	const little = fc.boolean();
	const edits: fc.WeightedArbitrary<Edit>[] = [
		{ weight: 4, arbitrary: fc.record({ kind: fc.constant('flip'), at, bit: fc.nat(7) }) },
		{ weight: 3, arbitrary: fc.record({ kind: fc.constant('byte'), at, value: fc.nat(255) }) },
		{
			weight: 4,
			arbitrary: fc.record({
				kind: fc.constant('int'),
				at,
				width: fc.constantFrom<1 | 2 | 4 | 8>(1, 2, 4, 8),
				little,
				value: fc.constantFrom(...INTERESTING),
			}),
		},
		{
			weight: 2,
			arbitrary: fc.record({
				kind: fc.constant('add'),
				at,
				width: fc.constantFrom<1 | 2 | 4>(1, 2, 4),
				little,
				delta: fc.integer({ min: -35, max: 35 }),
			}),
		},
		{
			weight: 2,
			arbitrary: fc.record({
				kind: fc.constant('length'),
				at,
				width: fc.constantFrom<2 | 3 | 4 | 8>(2, 3, 4, 8),
				little,
				delta: fc.integer({ min: -8, max: 8 }),
			}),
		},
		{ weight: 1, arbitrary: fc.record({ kind: fc.constant('cut'), at }) },
		{ weight: 2, arbitrary: fc.record({ kind: fc.constant('delete'), at, length: fc.integer({ min: 1, max: 64 }) }) },
		{ weight: 2, arbitrary: fc.record({ kind: fc.constant('insert'), at, bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }) },
		{
			weight: 2,
			arbitrary: fc.record({ kind: fc.constant('copy'), from: at, length: fc.integer({ min: 1, max: 256 }), at }),
		},
		{
			weight: 2,
			arbitrary: fc.record({
				kind: fc.constant('splice'),
				seed: fc.nat(Math.max(0, seedCount - 1)),
				from: at,
				length: fc.integer({ min: 1, max: 512 }),
				at,
			}),
		},
	];
	if (tokenCount > 0) {
		edits.push({ weight: 4, arbitrary: fc.record({ kind: fc.constant('token'), at, token: fc.nat(tokenCount - 1) }) });
	}
	return fc.oneof(...edits);
}

/** Where `position` falls in an input of `length` bytes (`length` itself is the end). */
function resolve(position: Position, length: number, spots: readonly number[]): number {
	const n = position.n;
	switch (position.anchor) {
		case 'start':
			return n % Math.min(length + 1, 64);
		case 'end':
			return length - (n % Math.min(length + 1, 64));
		case 'hot': {
			if (spots.length === 0) return n % (length + 1);
			const spot = spots[n % spots.length]!;
			const near = spot + ((n >>> 8) % 96) - 32;
			return Math.max(0, Math.min(length, near));
		}
		default:
			return n % (length + 1);
	}
}

function writeInt(bytes: Uint8Array, at: number, width: number, little: boolean, value: bigint): void {
	for (let i = 0; i < width; i++) {
		const index = little ? at + i : at + width - 1 - i;
		if (index >= 0 && index < bytes.length) bytes[index] = Number((value >> BigInt(8 * i)) & 0xffn);
	}
}

function readInt(bytes: Uint8Array, at: number, width: number, little: boolean): bigint {
	let value = 0n;
	for (let i = 0; i < width; i++) {
		const index = little ? at + i : at + width - 1 - i;
		value |= BigInt(bytes[index] ?? 0) << BigInt(8 * i);
	}
	return value;
}

const concat = (...parts: Uint8Array[]): Uint8Array => concatBytes(parts);

const encoder = new TextEncoder();

function applyEdits(
	seed: Uint8Array,
	edits: readonly Edit[],
	seeds: readonly Uint8Array[],
	tokens: readonly Uint8Array[],
	spots: readonly number[],
	maxLength: number,
): Uint8Array {
	let bytes: Uint8Array = seed.slice();
	for (const edit of edits) {
		const length = bytes.length;
		const at = resolve(edit.at, length, spots);
		switch (edit.kind) {
			case 'flip':
				if (at < length) bytes[at]! ^= 1 << edit.bit;
				break;
			case 'byte':
				if (at < length) bytes[at] = edit.value;
				break;
			case 'int':
				writeInt(bytes, at, edit.width, edit.little, edit.value);
				break;
			case 'add': {
				const mask = (1n << BigInt(8 * edit.width)) - 1n;
				writeInt(bytes, at, edit.width, edit.little, (readInt(bytes, at, edit.width, edit.little) + BigInt(edit.delta)) & mask);
				break;
			}
			case 'length': {
				const mask = (1n << BigInt(8 * edit.width)) - 1n;
				const rest = BigInt(Math.max(0, length - at - edit.width) + edit.delta);
				writeInt(bytes, at, edit.width, edit.little, rest & mask);
				break;
			}
			case 'cut':
				bytes = bytes.slice(0, at);
				break;
			case 'delete':
				bytes = concat(bytes.subarray(0, at), bytes.subarray(at + edit.length));
				break;
			case 'insert':
				bytes = concat(bytes.subarray(0, at), edit.bytes, bytes.subarray(at));
				break;
			case 'token': {
				const token = tokens[edit.token] ?? new Uint8Array(0);
				bytes = concat(bytes.subarray(0, at), token, bytes.subarray(at));
				break;
			}
			case 'copy': {
				const from = resolve(edit.from, length, spots);
				bytes = concat(bytes.subarray(0, at), bytes.slice(from, from + edit.length), bytes.subarray(at));
				break;
			}
			case 'splice': {
				const other = seeds[edit.seed] ?? seed;
				const from = resolve(edit.from, other.length, []);
				bytes = concat(bytes.subarray(0, at), other.subarray(from, from + edit.length), bytes.subarray(at));
				break;
			}
		}
		if (bytes.length > maxLength) bytes = bytes.slice(0, maxLength);
	}
	return bytes;
}

/** Mutated seeds (and some random bytes), with chunk boundaries and a variant when asked for. */
export function fuzzInputs(options: MutationOptions): fc.Arbitrary<FuzzInput> {
	const seeds = options.seeds;
	if (seeds.length === 0) throw new Error('a fuzz target needs at least one seed');
	const tokens = (options.tokens ?? []).map((token) => encoder.encode(token));
	const spots = seeds.map((seed) => options.hotSpots?.(seed) ?? []);
	const hot = spots.some((list) => list.length > 0);
	const longest = Math.max(...seeds.map((seed) => seed.length));
	const maxLength = longest * 2 + 4096;
	const mutated = fc
		.tuple(fc.nat(seeds.length - 1), fc.array(editArbitrary(seeds.length, tokens.length, hot), { minLength: 1, maxLength: options.maxEdits ?? 8 }))
		.map(([index, edits]) => applyEdits(seeds[index]!, edits, seeds, tokens, spots[index]!, maxLength));
	const bytes = fc.oneof(
		{ weight: 1, arbitrary: fc.nat(seeds.length - 1).map((index) => seeds[index]!) },
		{ weight: 16, arbitrary: mutated },
		{ weight: Math.round(16 * (options.randomWeight ?? 0.1)), arbitrary: fc.uint8Array({ maxLength: options.maxRandomLength ?? 600 }) },
	);
	const maxChunks = options.maxChunks ?? 24;
	const cuts = options.chunked
		? fc.oneof(
				{ weight: 6, arbitrary: fc.array(fc.nat(), { maxLength: maxChunks - 1 }) },
				{ weight: 1, arbitrary: fc.constant(Array.from({ length: maxChunks - 1 }, (_, i) => i + 1)) },
			)
		: fc.constant([]);
	const variant = fc.nat(Math.max(0, (options.variants ?? 1) - 1));
	return fc.tuple(bytes, cuts, variant).map(([data, points, mode]) => ({
		bytes: data,
		cuts: [...new Set(points.map((point) => point % (data.length + 1)))].sort((a, b) => a - b),
		variant: mode,
	}));
}

/** Offsets of every occurrence of `markers` in `bytes` (for `hotSpots`). */
export function markerOffsets(bytes: Uint8Array, markers: readonly string[], limit = 64): number[] {
	const found: number[] = [];
	for (const marker of markers) {
		const needle = encoder.encode(marker);
		for (let at = 0; at + needle.length <= bytes.length && found.length < limit; at++) {
			let match = true;
			for (let i = 0; i < needle.length && match; i++) match = bytes[at + i] === needle[i];
			if (match) found.push(at);
		}
	}
	return found;
}
