/**
 * Entropy: the generator's only source of choices, like `arbitrary::Unstructured` in wasm-smith.
 *
 * Every decision the generator makes (a count, which instruction, a constant) is read from a flat stream of
 * u32 words. fast-check produces that stream as an `fc.array(fc.integer({ min: 0, max: 2**32 - 1 }))`, so:
 *
 *   - replay is exact: the same config and the same words give the same bytes, whatever the platform;
 *   - shrinking works without any generator-specific shrinker: fast-check removes words and moves words
 *     towards 0, and the decoding is arranged so that a shorter stream and smaller words mean a simpler
 *     module. An exhausted stream reads as 0, and 0 always decodes as the simplest choice: a count of 0,
 *     the first (cheapest) option, "no" to every optional construct. A module decoded from the empty stream
 *     is the smallest valid module this config allows.
 *
 * Why words rather than bytes (`fc.uint8Array`): one word per decision keeps decisions independent under
 * shrinking (a byte stream makes a 4-byte constant and the following instruction choice share bytes), and
 * most choices are among more than 256 options (the opcode table has ~440 Wasm 2.0 entries).
 */
export class Entropy {
  private pos = 0;

  constructor(private readonly words: ArrayLike<number>) {}

  /** true once every word has been read (from then on every choice is 0) */
  get exhausted(): boolean {
    return this.pos >= this.words.length;
  }

  /** how many words were read so far */
  get consumed(): number {
    return this.pos;
  }

  /** the next word as a u32, or 0 when the stream is exhausted */
  u32(): number {
    return this.pos < this.words.length ? this.words[this.pos++]! >>> 0 : 0;
  }

  /** an integer in [0, n); reads nothing when there is only one option */
  below(n: number): number {
    if (n <= 1) return 0;
    return this.u32() % n;
  }

  /** an integer in [lo, hi] (lo when hi ≤ lo) */
  int(lo: number, hi: number): number {
    return hi <= lo ? lo : lo + this.below(hi - lo + 1);
  }

  /** true with probability `percent`/100; false when exhausted (so shrinking switches optional things off) */
  chance(percent: number): boolean {
    if (percent <= 0) return false;
    if (percent >= 100) return true;
    return this.u32() % 100 >= 100 - percent;
  }

  /** an element of a non-empty array */
  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)]!;
  }

  /** an index chosen with the given non-negative weights (0 when all are 0 or the stream is exhausted) */
  weighted(weights: readonly number[], total?: number): number {
    let sum = total ?? 0;
    if (total === undefined) for (const w of weights) sum += w;
    if (sum <= 0) return 0;
    let r = this.below(sum);
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i]!;
      if (r < 0) return i;
    }
    return weights.length - 1;
  }

  /** `n` raw bytes */
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 4) {
      const w = this.u32();
      for (let j = 0; j < 4 && i + j < n; j++) out[i + j] = (w >>> (8 * j)) & 0xff;
    }
    return out;
  }
}

/**
 * A word stream from a 32-bit seed (mulberry32), for fuzz loops that run outside fast-check. The same seed
 * always gives the same words.
 */
export function seededWords(seed: number, length: number): Uint32Array {
  const out = new Uint32Array(length);
  let s = seed >>> 0;
  for (let i = 0; i < length; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (t ^ (t >>> 14)) >>> 0;
  }
  return out;
}
