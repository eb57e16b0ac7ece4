/**
 * Every implementation limit in one place.
 *
 * `V8_LIMITS` are the JS-API limits of V8 (src/wasm/wasm-limits.h, as shipped in Node 20). They are the
 * loosest values any policy may set, and exactly the limits of `policies.spec`, so that validating under
 * `policies.spec` agrees with `WebAssembly.validate`. `policies.strict` tightens them (src/policy.ts).
 *
 * The decoder checks each declared count against the bytes left *and* the policy's limit before it
 * allocates anything for it, so no declared count can make us allocate more than the input justifies.
 */

export const V8_LIMITS = {
  moduleBytes: 1024 * 1024 * 1024,
  types: 1_000_000,
  functions: 1_000_000,
  imports: 100_000,
  exports: 100_000,
  globals: 1_000_000,
  tables: 100_000,
  dataSegments: 100_000,
  elemSegments: 10_000_000,
  params: 1_000,
  results: 1_000,
  localsPerFunction: 50_000,
  totalLocals: Number.MAX_SAFE_INTEGER,
  bodyBytes: 7_654_321,
  totalBodyBytes: Number.MAX_SAFE_INTEGER,
  nestingDepth: Number.MAX_SAFE_INTEGER,
  brTableSize: 65_520,
  memoryPages: 65_536,
  tableElements: 10_000_000,
  dataBytes: Number.MAX_SAFE_INTEGER,
  customSections: Number.MAX_SAFE_INTEGER,
  nameBytes: 100_000,
} as const;

export type LimitName = keyof typeof V8_LIMITS;

/**
 * Above about 8,192 virtual registers V8 compiles a wasm function with its mid-tier register allocator
 * (src/runtime/engine.ts); bodies of this many bytes are near that (about 0.18 virtual registers per byte,
 * measured between 0.165 and 0.26). Not a limit: the harden report lists the functions at or above it.
 */
export const V8_TOP_TIER_BODY_BYTES = 40_000;

/** Limits of the Wasm 2.0 spec itself (not policy): exceeding these is `invalid`, whatever the policy. */
export const SPEC_LIMITS = {
  /** memory limits are in 64 KiB pages; 2^16 pages = 4 GiB */
  memoryPages: 65_536,
  /** table limits are u32 */
  tableElements: 0xffff_ffff,
  /** the count of locals in one function must fit a u32 */
  localsPerFunction: 0xffff_ffff,
} as const;

/** Internal bounds of the decoder, unrelated to any policy. */
export const DECODER_LIMITS = {
  /** at most this many issues are collected before validation stops adding more */
  maxIssues: 100,
} as const;
