/**
 * The shape of a property: a pure, reusable definition that the CI tests (test/fuzz/properties/), the
 * regression replayer (fuzz/regressions.ts) and a campaign runner can all drive.
 *
 *   arbitrary()       the fast-check arbitrary of its cases (every case carries the module `bytes`)
 *   check(case)       throws `PropertyFailure` when the property does not hold; otherwise returns a short
 *                     tag for statistics ("checked", "void: stack overflow", "discard: forbidden feature", ...)
 *   replayData(case)  what, besides the bytes, is needed to check the case again (JSON); most properties
 *                     need nothing: everything is derived from the bytes
 *   fromReplay(...)   rebuilds a case from the bytes and that data
 *
 * A check never depends on fast-check: given the same case it does the same thing, so a regression file
 * (bytes + replay data) reproduces a failure without the seed. Tags starting with "void" or "discard" mean
 * the case said nothing about the property (counted, so a property that only ever voids is visible).
 */

import type fc from 'fast-check';

export interface PropertyCase {
  readonly bytes: Uint8Array;
}

export interface Property<C extends PropertyCase = PropertyCase> {
  /** the file name under fuzz/properties/, and the regression files' prefix */
  readonly name: string;
  /** one line: what must hold */
  readonly title: string;
  arbitrary(): fc.Arbitrary<C>;
  check(c: C): Promise<string> | string;
  replayData(c: C): unknown;
  fromReplay(bytes: Uint8Array, data: unknown): C;
  /** a short description of a case for failure messages (the bytes are printed separately) */
  describe(c: C): string;
}

/** A violation of a property (anything else a check throws is a bug of the harness, and fails too). */
export class PropertyFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PropertyFailure';
  }
}

export function fail(message: string): never {
  throw new PropertyFailure(message);
}

/** Defaults for properties whose cases are just bytes plus a printable description. */
export interface BytesCase extends PropertyCase {
  /** where the bytes came from (generator config, mutations, ...), for humans */
  readonly source?: string;
}

export function bytesReplay(c: BytesCase): unknown {
  return c.source === undefined ? null : { source: c.source };
}

export function bytesFromReplay(bytes: Uint8Array, data: unknown): BytesCase {
  const source = (data as { source?: unknown } | null)?.source;
  return typeof source === 'string' ? { bytes, source } : { bytes };
}

export function describeBytesCase(c: BytesCase): string {
  return c.source ?? `${c.bytes.length} bytes`;
}
