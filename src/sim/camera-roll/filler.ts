import { Prng, mix32 } from './prng';

/**
 * The bytes of a synthetic file, made on demand from a 32-bit file key and the offset, never stored.
 * It feeds a 150 MB/s benchmark, so it works on 32-bit words: the file is a 64 KiB random block,
 * rotated by the key and XORed with a word that changes every block length (so a file does not repeat
 * itself and two files differ everywhere).
 *
 * Byte `i` of the filler is byte `i & 3` (little-endian) of word `floor(i / 4)`:
 *   word(w) = BLOCK[(w + rotation(key)) mod 16384] XOR (mask(key) + floor(w / 16384) * 0x9E3779B1) mod 2^32
 * `fillerByteReference` spells this out one byte at a time for tests.
 */
const BLOCK_WORDS = 1 << 14;
const BLOCK_MASK = BLOCK_WORDS - 1;
const BLOCK_SEED = 0x1f0d_da7a;
const CYCLE_STEP = 0x9e3779b1;

let sharedBlock: Uint32Array | undefined;

function block(): Uint32Array {
	if (sharedBlock === undefined) {
		const prng = new Prng(BLOCK_SEED);
		sharedBlock = new Uint32Array(BLOCK_WORDS);
		for (let i = 0; i < BLOCK_WORDS; i++) sharedBlock[i] = prng.nextUint32();
	}
	return sharedBlock;
}

// The shortcut through a Uint32Array view is only little-endian on little-endian machines, which is
// every machine this runs on; say so loudly instead of producing other bytes elsewhere.
if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) {
	throw new Error('The virtual camera roll needs a little-endian platform.');
}

function rotation(key: number): number {
	return mix32(key) & BLOCK_MASK;
}

function mask(key: number): number {
	return mix32(key ^ 0x5bd1e995);
}

/** Fills `words` with filler words `firstWord`, `firstWord + 1`, … of the file with `key`. */
function fillWords(key: number, firstWord: number, words: Uint32Array): void {
	const source = block();
	const rot = rotation(key);
	const base = mask(key);
	let w = firstWord;
	let at = 0;
	while (at < words.length) {
		const cycle = Math.floor(w / BLOCK_WORDS);
		const xor = (base + Math.imul(cycle, CYCLE_STEP)) >>> 0;
		// Within one cycle the source index runs contiguously until it wraps around the block.
		const cycleEnd = Math.min(words.length, at + (BLOCK_WORDS - (w % BLOCK_WORDS)));
		while (at < cycleEnd) {
			const from = (w + rot) & BLOCK_MASK;
			const run = Math.min(cycleEnd - at, BLOCK_WORDS - from);
			for (let j = 0; j < run; j++) words[at + j] = source[from + j]! ^ xor;
			at += run;
			w += run;
		}
	}
}

/** `length` filler bytes of the file with `key`, starting at file offset `offset`. A fresh buffer. */
export function fillerBytes(key: number, offset: number, length: number): Uint8Array {
	if (length <= 0) return new Uint8Array(0);
	const firstWord = Math.floor(offset / 4);
	const skip = offset - firstWord * 4;
	const words = new Uint32Array(Math.ceil((skip + length) / 4));
	fillWords(key, firstWord, words);
	return new Uint8Array(words.buffer, skip, length);
}

/** One filler byte computed the slow, obvious way: the specification `fillerBytes` must match. */
export function fillerByteReference(key: number, offset: number): number {
	const w = Math.floor(offset / 4);
	const cycle = Math.floor(w / BLOCK_WORDS);
	const word = (block()[(w + rotation(key)) % BLOCK_WORDS]! ^ ((mask(key) + Math.imul(cycle, CYCLE_STEP)) >>> 0)) >>> 0;
	return (word >>> (8 * (offset % 4))) & 0xff;
}
