/**
 * Small deterministic randomness for the virtual camera roll: the same seed always plans the same
 * library, on any machine. Not for anything secret.
 */

/** Murmur3's finaliser: spreads every input bit over the whole 32-bit word. */
export function mix32(value: number): number {
	let h = value | 0;
	h ^= h >>> 16;
	h = Math.imul(h, 0x85ebca6b);
	h ^= h >>> 13;
	h = Math.imul(h, 0xc2b2ae35);
	h ^= h >>> 16;
	return h >>> 0;
}

/** Combines a seed with more numbers into a new, well-mixed 32-bit seed. */
export function deriveSeed(seed: number, ...parts: number[]): number {
	let h = mix32(seed ^ 0x9e3779b9);
	for (const part of parts) h = mix32(h ^ Math.imul(part | 0, 0x27d4eb2f) ^ ((part / 0x1_0000_0000) | 0));
	return h;
}

/** FNV-1a over UTF-16 code units, finished with `mix32`. */
export function hashString(text: string, seed = 0): number {
	let h = (0x811c9dc5 ^ seed) >>> 0;
	for (let i = 0; i < text.length; i++) {
		h ^= text.charCodeAt(i);
		h = Math.imul(h, 0x01000193);
	}
	return mix32(h);
}

/** mulberry32: one 32-bit state, good enough statistics for planning a library. */
export class Prng {
	#state: number;

	constructor(seed: number) {
		this.#state = seed >>> 0;
	}

	/** A uniform 32-bit unsigned integer. */
	nextUint32(): number {
		this.#state = (this.#state + 0x6d2b79f5) >>> 0;
		let t = this.#state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return (t ^ (t >>> 14)) >>> 0;
	}

	/** A uniform number in [0, 1). */
	next(): number {
		return this.nextUint32() / 0x1_0000_0000;
	}

	/** A uniform integer in [min, max], both included. */
	int(min: number, max: number): number {
		return min + Math.floor(this.next() * (max - min + 1));
	}

	chance(probability: number): boolean {
		return this.next() < probability;
	}

	/** One of the keys of `weights`, with probability proportional to its weight. */
	weighted<K extends string>(weights: Readonly<Record<K, number>>): K {
		const entries = Object.entries(weights) as [K, number][];
		let total = 0;
		for (const [, weight] of entries) total += weight;
		let roll = this.next() * total;
		for (const [key, weight] of entries) {
			roll -= weight;
			if (roll < 0) return key;
		}
		return entries[entries.length - 1]![0];
	}

	/** An upper-case UUID in Apple's 8-4-4-4-12 spelling (version 4 bits set, as Apple's are). */
	uuid(): string {
		const hex = (n: number) => n.toString(16).padStart(8, '0').toUpperCase();
		const a = hex(this.nextUint32());
		const b = hex(((this.nextUint32() & 0xffff0fff) | 0x00004000) >>> 0);
		const c = hex(((this.nextUint32() & 0x3fffffff) | 0x80000000) >>> 0);
		const d = hex(this.nextUint32());
		return `${a}-${b.slice(0, 4)}-${b.slice(4)}-${c.slice(0, 4)}-${c.slice(4)}${d}`;
	}
}
