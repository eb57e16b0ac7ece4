/**
 * Regression files: every shrunk property failure becomes two files under corpus/regressions/,
 *
 *   <property>-<hash>.wasm   the failing bytes (the module, or whatever bytes the case had)
 *   <property>-<hash>.json   { property, seed, path, note, case }
 *
 * where `seed` and `path` replay the failure in fast-check (`fc.assert(..., { seed, path })`, as long as
 * the arbitraries have not changed), `note` says what failed (the error message), and `case` is the
 * property's replay data besides the bytes (`Property.replayData`, usually null). `hash` is the first 16
 * hex digits of the SHA-256 of the bytes and the case, so the same failure found twice is one file.
 *
 * `replayRegression` checks one file again against its property (through the registry of
 * fuzz/properties/index.ts): the bytes are the durable part, and checks derive everything from them.
 */

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REGRESSIONS_DIR = fileURLToPath(new URL('../corpus/regressions/', import.meta.url));

export interface RegressionInfo {
  property: string;
  /** fast-check seed of the failing run (null when found outside fast-check) */
  seed: number | null;
  /** fast-check counterexample path (null when found outside fast-check) */
  path: string | null;
  /** what failed */
  note: string;
  /** the property's replay data besides the bytes */
  case?: unknown;
}

export interface Regression extends RegressionInfo {
  /** file stem: `<property>-<hash>` */
  id: string;
  bytes: Uint8Array;
}

export function regressionId(property: string, bytes: Uint8Array, data: unknown): string {
  const h = createHash('sha256');
  h.update(bytes);
  h.update(JSON.stringify(data ?? null));
  return `${property}-${h.digest('hex').slice(0, 16)}`;
}

/** Writes (or overwrites) the regression files; returns the path of the .wasm file. */
export function writeRegression(info: RegressionInfo, bytes: Uint8Array, dir = REGRESSIONS_DIR): string {
  if (!/^[a-z0-9-]+$/.test(info.property)) throw new RangeError(`bad property name "${info.property}"`);
  mkdirSync(dir, { recursive: true });
  const id = regressionId(info.property, bytes, info.case);
  const json: RegressionInfo = {
    property: info.property,
    seed: info.seed,
    path: info.path,
    note: info.note.length > 4000 ? `${info.note.slice(0, 4000)}…` : info.note,
    case: info.case ?? null,
  };
  writeFileSync(join(dir, `${id}.wasm`), bytes);
  writeFileSync(join(dir, `${id}.json`), `${JSON.stringify(json, null, 2)}\n`);
  return join(dir, `${id}.wasm`);
}

/** Every regression in `dir`, sorted by id. */
export function readRegressions(dir = REGRESSIONS_DIR): Regression[] {
  if (!existsSync(dir)) return [];
  const out: Regression[] = [];
  for (const f of readdirSync(dir).sort()) {
    if (!f.endsWith('.json')) continue;
    const id = f.slice(0, -'.json'.length);
    const info = JSON.parse(readFileSync(join(dir, f), 'utf8')) as RegressionInfo;
    const raw = readFileSync(join(dir, `${id}.wasm`));
    out.push({ ...info, id, bytes: new Uint8Array(raw.buffer, raw.byteOffset, raw.length) });
  }
  return out;
}

/**
 * Checks a regression again against its property; returns the check's tag, or throws its failure. A
 * property that no longer exists is an error (rename the files when a property is renamed).
 */
export async function replayRegression(r: Regression): Promise<string> {
  const { propertyByName } = await import('./properties/index.js');
  const property = propertyByName(r.property);
  if (property === undefined) throw new Error(`regression ${r.id}: no property named "${r.property}"`);
  return property.check(property.fromReplay(r.bytes, r.case ?? null));
}
