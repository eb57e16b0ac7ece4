/**
 * Mutators of WebAssembly binaries, for differential and robustness fuzzing.
 *
 * Design
 * ------
 * A mutation is plain data (`Mutation`), applied by the pure function `applyMutation`. Randomness only ever
 * chooses *which* mutation to make, and can come from two places:
 *
 *   - fast-check: `mutationArb`, `mutatedModuleCase`, `mutatedModule`, `headeredBytes`, `randomSections`
 *     generate the descriptors themselves, so counterexamples print as readable mutation lists and shrink
 *     structurally (fewer mutations, smaller positions, earlier seeds);
 *   - a seeded RNG (`seededRng`): `randomMutation`, `mutate`, `randomHeaderedBytes`, `randomSectionsBytes`,
 *     for long-running fuzz loops outside fast-check. The same seed always gives the same bytes.
 *
 * Every function here is total: it accepts any bytes (empty, garbage, truncated) and any descriptor
 * (positions and section indices are reduced modulo what exists; a mutation that has nothing to act on
 * returns an unchanged copy). Inputs are never modified; outputs are fresh arrays.
 *
 * Mutation kinds
 * --------------
 *   flip-bit, set-byte, insert-bytes, delete-bytes, truncate   byte level
 *   overlong-leb     re-encode a section's size LEB, or the first LEB of its payload (the vector count for
 *                    most sections), with `extra` padding bytes (0x80 … 0x00): valid as long as the encoding
 *                    stays within 5 bytes, "integer representation too long" beyond; with `garbage` set,
 *                    the 5th byte also sets unused high bits ("integer too large"). The section size is
 *                    adjusted so the rewritten LEB is the only change.
 *   set-count        replace the first LEB of a payload by another value (size adjusted)
 *   swap-sections, duplicate-section, delete-section, transplant-section (from another module of the pool)
 *                    on the top-level section list, parsed leniently (`parseSectionHeaders`)
 */

import fc from 'fast-check';

// ── bytes and LEB128 ─────────────────────────────────────────────────────────────────────────────────────

/** `\0asm` and version 1. */
export const WASM_HEADER: Readonly<Uint8Array> = Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00);

/**
 * Bytes that matter to a wasm decoder: LEB edges, value/ref type codes, block types, prefixes, `end`.
 * Random bytes are drawn from here part of the time.
 */
export const INTERESTING_BYTES: readonly number[] = [
  0x00, 0x01, 0x02, 0x0b, 0x10, 0x1a, 0x20, 0x40, 0x41, 0x60, 0x6f, 0x70, 0x7b, 0x7c, 0x7d, 0x7e, 0x7f, 0x80,
  0x81, 0xd0, 0xd2, 0xfc, 0xfd, 0xfe, 0xff,
];

/** Interesting u32 values for counts and sizes. */
export const INTERESTING_U32: readonly number[] = [
  0, 1, 2, 3, 0x3f, 0x40, 0x7f, 0x80, 0x3fff, 0x4000, 0xffff, 0x10000, 0x10001, 100_001, 1_000_001, 10_000_001,
  0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff,
];

/** Lowercase hex of `bytes`, or of its first `max` bytes followed by `…(+N bytes)`. */
export function toHex(bytes: Uint8Array, max = Infinity): string {
  const n = Math.min(bytes.length, max);
  let s = '';
  for (let i = 0; i < n; i++) s += bytes[i]!.toString(16).padStart(2, '0');
  return n < bytes.length ? `${s}…(+${bytes.length - n} bytes)` : s;
}

/** Concatenates byte arrays into a fresh one. */
export function concatBytes(parts: readonly (Uint8Array | readonly number[])[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A u32 LEB128 read: its value and how many bytes it took. */
export interface LebRead {
  value: number;
  length: number;
}

/**
 * Reads an unsigned LEB128 of at most 5 bytes at `pos`. Returns undefined when it runs past the end, is
 * longer than 5 bytes, or sets bits beyond 32: the caller then treats the bytes as garbage.
 */
export function readU32Leb(bytes: Uint8Array, pos: number): LebRead | undefined {
  let value = 0;
  for (let i = 0; i < 5; i++) {
    const b = bytes[pos + i];
    if (b === undefined) return undefined;
    if (i === 4 && (b & 0xf0) !== 0) return undefined;
    value += (b & 0x7f) * 2 ** (7 * i);
    if ((b & 0x80) === 0) return { value, length: i + 1 };
  }
  return undefined;
}

/**
 * Encodes `value` (taken as u32) as unsigned LEB128.
 *   - `minLength`: pad with 0x80 continuation bytes and a final 0x00 up to this many bytes (more than 5 is
 *     "integer representation too long" for a u32);
 *   - `garbage` (0-7): pad to at least 5 bytes and set `garbage << 4` in the 5th byte, bits beyond 32
 *     ("integer too large").
 */
export function encodeU32Leb(value: number, minLength = 1, garbage = 0): number[] {
  let v = value >>> 0;
  const out: number[] = [];
  do {
    const b = v & 0x7f;
    v >>>= 7;
    out.push(v !== 0 ? b | 0x80 : b);
  } while (v !== 0);
  const target = Math.max(minLength, garbage & 7 ? 5 : 0);
  while (out.length < target) {
    out[out.length - 1]! |= 0x80;
    out.push(0x00);
  }
  if (garbage & 7) out[4]! |= (garbage & 7) << 4;
  return out;
}

// ── top-level sections ───────────────────────────────────────────────────────────────────────────────────

/** A top-level section as found by `parseSectionHeaders`. */
export interface SectionHeader {
  id: number;
  /** offset of the id byte */
  offset: number;
  /** length of the size LEB */
  sizeLength: number;
  /** payload window [start, end) */
  start: number;
  end: number;
}

/**
 * The top-level sections after the 8-byte header, parsed leniently: the header itself is not checked, and
 * parsing stops silently at the first section whose size LEB is bad or whose payload runs past the end.
 * Everything from there on is "tail" (see `splitSections`).
 */
export function parseSectionHeaders(bytes: Uint8Array): SectionHeader[] {
  const out: SectionHeader[] = [];
  let pos = WASM_HEADER.length;
  while (pos < bytes.length) {
    const size = readU32Leb(bytes, pos + 1);
    if (size === undefined) break;
    const start = pos + 1 + size.length;
    const end = start + size.value;
    if (end > bytes.length) break;
    out.push({ id: bytes[pos]!, offset: pos, sizeLength: size.length, start, end });
    pos = end;
  }
  return out;
}

/** A module cut into its prefix (header, or whatever is there), its sections, and an unparsed tail. */
export interface SplitModule {
  prefix: Uint8Array;
  sections: Uint8Array[];
  headers: SectionHeader[];
  tail: Uint8Array;
}

export function splitSections(bytes: Uint8Array): SplitModule {
  const headers = parseSectionHeaders(bytes);
  const prefixEnd = Math.min(bytes.length, WASM_HEADER.length);
  const tailStart = headers.length > 0 ? headers[headers.length - 1]!.end : prefixEnd;
  return {
    prefix: bytes.slice(0, prefixEnd),
    sections: headers.map((h) => bytes.slice(h.offset, h.end)),
    headers,
    tail: bytes.slice(tailStart),
  };
}

function joinSections(split: SplitModule, sections: readonly Uint8Array[]): Uint8Array {
  return concatBytes([split.prefix, ...sections, split.tail]);
}

/** Builds one section: id, size LEB (padded to `sizeLength` bytes), payload. */
export function encodeSection(id: number, payload: Uint8Array | readonly number[], sizeLength = 1): Uint8Array {
  return concatBytes([[id & 0xff], encodeU32Leb(payload.length, sizeLength), payload]);
}

// ── mutations ────────────────────────────────────────────────────────────────────────────────────────────

/**
 * One mutation, as data. Positions (`at`) and section indices are reduced modulo what the input has, so
 * any descriptor applies to any input.
 */
export type Mutation =
  | { kind: 'flip-bit'; at: number; bit: number }
  | { kind: 'set-byte'; at: number; value: number }
  | { kind: 'insert-bytes'; at: number; bytes: readonly number[] }
  | { kind: 'delete-bytes'; at: number; count: number }
  /** keep the first `at % (length + 1)` bytes */
  | { kind: 'truncate'; at: number }
  | { kind: 'overlong-leb'; section: number; field: 'size' | 'count'; extra: number; garbage: number }
  | { kind: 'set-count'; section: number; value: number }
  | { kind: 'swap-sections'; a: number; b: number }
  /** insert a copy of section `section` before section `before` (`before % (n + 1)`, n = at the end) */
  | { kind: 'duplicate-section'; section: number; before: number }
  | { kind: 'delete-section'; section: number }
  /** take section `section` of donor `donor`; replace section `at`, or insert it before section `at` */
  | { kind: 'transplant-section'; donor: number; section: number; at: number; replace: boolean };

export type MutationKind = Mutation['kind'];

export const MUTATION_KINDS: readonly MutationKind[] = [
  'flip-bit',
  'set-byte',
  'insert-bytes',
  'delete-bytes',
  'truncate',
  'overlong-leb',
  'set-count',
  'swap-sections',
  'duplicate-section',
  'delete-section',
  'transplant-section',
];

/** Rewrites the first LEB of section `index`'s payload to `encoded`, keeping the size LEB's length. */
function rewritePayloadLeb(bytes: Uint8Array, h: SectionHeader, make: (old: LebRead) => number[]): Uint8Array {
  const old = readU32Leb(bytes, h.start);
  if (old === undefined || h.start + old.length > h.end) return bytes.slice();
  const payload = concatBytes([make(old), bytes.subarray(h.start + old.length, h.end)]);
  return concatBytes([
    bytes.subarray(0, h.offset),
    encodeSection(h.id, payload, Math.min(h.sizeLength, 5)),
    bytes.subarray(h.end),
  ]);
}

/**
 * Applies one mutation. Pure: `bytes` is not modified and the result is a fresh array. `donors` is the
 * pool `transplant-section` draws from (typically the seed corpus).
 */
export function applyMutation(bytes: Uint8Array, m: Mutation, donors: readonly Uint8Array[] = []): Uint8Array {
  const len = bytes.length;
  switch (m.kind) {
    case 'flip-bit': {
      const out = bytes.slice();
      if (len > 0) out[m.at % len]! ^= 1 << (m.bit & 7);
      return out;
    }
    case 'set-byte': {
      const out = bytes.slice();
      if (len > 0) out[m.at % len] = m.value & 0xff;
      return out;
    }
    case 'insert-bytes': {
      const at = m.at % (len + 1);
      return concatBytes([bytes.subarray(0, at), m.bytes.map((b) => b & 0xff), bytes.subarray(at)]);
    }
    case 'delete-bytes': {
      if (len === 0) return bytes.slice();
      const at = m.at % len;
      return concatBytes([bytes.subarray(0, at), bytes.subarray(Math.min(len, at + Math.max(1, m.count)))]);
    }
    case 'truncate':
      return bytes.slice(0, m.at % (len + 1));
    case 'overlong-leb':
    case 'set-count': {
      const headers = parseSectionHeaders(bytes);
      if (headers.length === 0) return bytes.slice();
      const h = headers[m.section % headers.length]!;
      if (m.kind === 'set-count') return rewritePayloadLeb(bytes, h, (old) => encodeU32Leb(m.value, old.length));
      const extra = Math.max(0, m.extra);
      if (m.field === 'count') {
        return rewritePayloadLeb(bytes, h, (old) => encodeU32Leb(old.value, old.length + extra, m.garbage));
      }
      return concatBytes([
        bytes.subarray(0, h.offset + 1),
        encodeU32Leb(h.end - h.start, h.sizeLength + extra, m.garbage),
        bytes.subarray(h.start),
      ]);
    }
    case 'swap-sections': {
      const split = splitSections(bytes);
      const n = split.sections.length;
      if (n < 2) return bytes.slice();
      const a = m.a % n;
      const b = m.b % n;
      const sections = split.sections.slice();
      [sections[a], sections[b]] = [sections[b]!, sections[a]!];
      return joinSections(split, sections);
    }
    case 'duplicate-section': {
      const split = splitSections(bytes);
      const n = split.sections.length;
      if (n === 0) return bytes.slice();
      const sections = split.sections.slice();
      sections.splice(m.before % (n + 1), 0, split.sections[m.section % n]!);
      return joinSections(split, sections);
    }
    case 'delete-section': {
      const split = splitSections(bytes);
      const n = split.sections.length;
      if (n === 0) return bytes.slice();
      const sections = split.sections.slice();
      sections.splice(m.section % n, 1);
      return joinSections(split, sections);
    }
    case 'transplant-section': {
      if (donors.length === 0) return bytes.slice();
      const donor = splitSections(donors[m.donor % donors.length]!);
      if (donor.sections.length === 0) return bytes.slice();
      const piece = donor.sections[m.section % donor.sections.length]!;
      const split = splitSections(bytes);
      const n = split.sections.length;
      const sections = split.sections.slice();
      if (m.replace && n > 0) sections[m.at % n] = piece;
      else sections.splice(m.at % (n + 1), 0, piece);
      return joinSections(split, sections);
    }
  }
}

/** Applies mutations in order. */
export function applyMutations(
  bytes: Uint8Array,
  mutations: readonly Mutation[],
  donors: readonly Uint8Array[] = [],
): Uint8Array {
  let out = bytes;
  for (const m of mutations) out = applyMutation(out, m, donors);
  return out === bytes ? bytes.slice() : out;
}

// ── seeded randomness ────────────────────────────────────────────────────────────────────────────────────

/** A source of randomness. `int(n)` is an integer in [0, n) (0 when n ≤ 1). */
export interface Rng {
  int(n: number): number;
}

/** A small deterministic RNG (mulberry32). Same seed, same sequence. */
export function seededRng(seed: number): Rng {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { int: (n) => (n <= 1 ? 0 : Math.floor(next() * n)) };
}

/** A random byte: uniform half the time, from `INTERESTING_BYTES` otherwise. */
export function randomByte(rng: Rng): number {
  return rng.int(2) === 0 ? rng.int(256) : INTERESTING_BYTES[rng.int(INTERESTING_BYTES.length)]!;
}

function randomBytes(rng: Rng, n: number): number[] {
  return Array.from({ length: n }, () => randomByte(rng));
}

const POSITION_RANGE = 0x7fffffff;

/** A random mutation descriptor (any kind; `donorCount` is the size of the donor pool). */
export function randomMutation(rng: Rng, donorCount = 0): Mutation {
  const at = rng.int(POSITION_RANGE);
  const kinds = donorCount > 0 ? MUTATION_KINDS : MUTATION_KINDS.filter((k) => k !== 'transplant-section');
  const kind = kinds[rng.int(kinds.length)]!;
  switch (kind) {
    case 'flip-bit':
      return { kind, at, bit: rng.int(8) };
    case 'set-byte':
      return { kind, at, value: randomByte(rng) };
    case 'insert-bytes':
      return { kind, at, bytes: randomBytes(rng, 1 + rng.int(8)) };
    case 'delete-bytes':
      return { kind, at, count: 1 + rng.int(8) };
    case 'truncate':
      return { kind, at };
    case 'overlong-leb':
      return {
        kind,
        section: rng.int(16),
        field: rng.int(2) === 0 ? 'size' : 'count',
        extra: 1 + rng.int(6),
        garbage: rng.int(3) === 0 ? 1 + rng.int(7) : 0,
      };
    case 'set-count':
      return {
        kind,
        section: rng.int(16),
        value: rng.int(2) === 0 ? INTERESTING_U32[rng.int(INTERESTING_U32.length)]! : rng.int(2 ** 32),
      };
    case 'swap-sections':
      return { kind, a: rng.int(16), b: rng.int(16) };
    case 'duplicate-section':
      return { kind, section: rng.int(16), before: rng.int(17) };
    case 'delete-section':
      return { kind, section: rng.int(16) };
    case 'transplant-section':
      return { kind, donor: rng.int(donorCount), section: rng.int(16), at: rng.int(17), replace: rng.int(2) === 0 };
  }
}

/** Applies `count` random mutations to `bytes`; returns the result and the mutations, for replay. */
export function mutate(
  bytes: Uint8Array,
  rng: Rng,
  count = 1 + rng.int(4),
  donors: readonly Uint8Array[] = [],
): { bytes: Uint8Array; mutations: Mutation[] } {
  const mutations = Array.from({ length: count }, () => randomMutation(rng, donors.length));
  return { bytes: applyMutations(bytes, mutations, donors), mutations };
}

/** The wasm header followed by up to `maxLength` random bytes. */
export function randomHeaderedBytes(rng: Rng, maxLength = 64): Uint8Array {
  return concatBytes([WASM_HEADER, randomBytes(rng, rng.int(maxLength + 1))]);
}

/** One random section: a known id most of the time, a small count-like first byte, random payload. */
export interface RandomSection {
  id: number;
  payload: readonly number[];
}

/** The wasm header followed by well-framed sections with random payloads. */
export function encodeRandomSections(sections: readonly RandomSection[]): Uint8Array {
  return concatBytes([WASM_HEADER, ...sections.map((s) => encodeSection(s.id, s.payload))]);
}

export function randomSectionsBytes(rng: Rng, maxSections = 6, maxPayload = 32): Uint8Array {
  const sections = Array.from({ length: rng.int(maxSections + 1) }, (): RandomSection => ({
    id: rng.int(8) === 0 ? rng.int(256) : rng.int(14),
    payload: [rng.int(4), ...randomBytes(rng, rng.int(maxPayload))],
  }));
  return encodeRandomSections(sections);
}

// ── fast-check arbitraries ───────────────────────────────────────────────────────────────────────────────

/** A byte, uniform or from `INTERESTING_BYTES` (which shrink towards 0x00). */
export function byteArb(): fc.Arbitrary<number> {
  return fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(...INTERESTING_BYTES));
}

/** A mutation descriptor; `donorCount` > 0 enables `transplant-section` from a pool of that size. */
export function mutationArb(donorCount = 0): fc.Arbitrary<Mutation> {
  const at = fc.nat({ max: POSITION_RANGE });
  const section = fc.nat({ max: 15 });
  const arbs: fc.Arbitrary<Mutation>[] = [
    fc.record({ kind: fc.constant('flip-bit' as const), at, bit: fc.nat({ max: 7 }) }),
    fc.record({ kind: fc.constant('set-byte' as const), at, value: byteArb() }),
    fc.record({ kind: fc.constant('insert-bytes' as const), at, bytes: fc.array(byteArb(), { minLength: 1, maxLength: 8 }) }),
    fc.record({ kind: fc.constant('delete-bytes' as const), at, count: fc.integer({ min: 1, max: 8 }) }),
    fc.record({ kind: fc.constant('truncate' as const), at }),
    fc.record({
      kind: fc.constant('overlong-leb' as const),
      section,
      field: fc.constantFrom('size' as const, 'count' as const),
      extra: fc.integer({ min: 1, max: 6 }),
      garbage: fc.oneof({ arbitrary: fc.constant(0), weight: 2 }, { arbitrary: fc.integer({ min: 1, max: 7 }), weight: 1 }),
    }),
    fc.record({
      kind: fc.constant('set-count' as const),
      section,
      value: fc.oneof(fc.constantFrom(...INTERESTING_U32), fc.nat()),
    }),
    fc.record({ kind: fc.constant('swap-sections' as const), a: section, b: section }),
    fc.record({ kind: fc.constant('duplicate-section' as const), section, before: fc.nat({ max: 16 }) }),
    fc.record({ kind: fc.constant('delete-section' as const), section }),
  ];
  if (donorCount > 0) {
    arbs.push(
      fc.record({
        kind: fc.constant('transplant-section' as const),
        donor: fc.nat({ max: donorCount - 1 }),
        section,
        at: fc.nat({ max: 16 }),
        replace: fc.boolean(),
      }),
    );
  }
  return fc.oneof(...arbs);
}

/** A mutated seed: which seed, which mutations, and the resulting bytes. */
export interface MutatedModuleCase {
  seed: number;
  mutations: Mutation[];
  bytes: Uint8Array;
}

export interface MutatedModuleOptions {
  /** default 1 */
  minMutations?: number;
  /** default 4 */
  maxMutations?: number;
}

/**
 * A seed from `seeds` with 1-4 mutations applied (the seeds are also the transplant donor pool). Shrinks
 * towards fewer mutations and earlier seeds.
 */
export function mutatedModuleCase(
  seeds: readonly Uint8Array[],
  { minMutations = 1, maxMutations = 4 }: MutatedModuleOptions = {},
): fc.Arbitrary<MutatedModuleCase> {
  if (seeds.length === 0) throw new RangeError('mutatedModuleCase needs at least one seed');
  return fc
    .record({
      seed: fc.nat({ max: seeds.length - 1 }),
      mutations: fc.array(mutationArb(seeds.length), { minLength: minMutations, maxLength: maxMutations }),
    })
    .map(({ seed, mutations }) => ({ seed, mutations, bytes: applyMutations(seeds[seed]!, mutations, seeds) }));
}

/** Just the bytes of `mutatedModuleCase`. */
export function mutatedModule(seeds: readonly Uint8Array[], options?: MutatedModuleOptions): fc.Arbitrary<Uint8Array> {
  return mutatedModuleCase(seeds, options).map((c) => c.bytes);
}

/** The wasm header followed by up to `maxLength` (default 64) random bytes. */
export function headeredBytes({ maxLength = 64 }: { maxLength?: number } = {}): fc.Arbitrary<Uint8Array> {
  return fc.array(byteArb(), { maxLength }).map((tail) => concatBytes([WASM_HEADER, tail]));
}

/** The wasm header followed by up to `maxSections` well-framed sections with random payloads. */
export function randomSections({
  maxSections = 6,
  maxPayload = 32,
}: { maxSections?: number; maxPayload?: number } = {}): fc.Arbitrary<Uint8Array> {
  const section: fc.Arbitrary<RandomSection> = fc.record({
    id: fc.oneof({ arbitrary: fc.integer({ min: 0, max: 13 }), weight: 7 }, { arbitrary: fc.integer({ min: 0, max: 255 }), weight: 1 }),
    payload: fc
      .tuple(fc.nat({ max: 3 }), fc.array(byteArb(), { maxLength: maxPayload }))
      .map(([count, rest]) => [count, ...rest]),
  });
  return fc.array(section, { maxLength: maxSections }).map(encodeRandomSections);
}
