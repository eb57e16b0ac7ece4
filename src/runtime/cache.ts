/**
 * A content-addressed cache of hardened modules and of their compiled `WebAssembly.Module`s.
 *
 * Key: sha-256 over (the cache format, wasm-harden's version, binaryen's pinned version, the normalised
 * policy as canonical JSON, the input bytes). Same key ⇒ byte-identical `harden` output, because harden is
 * deterministic; anything that could change the output is in the key.
 *
 * Two tiers:
 *   - memory: an LRU of `HardenedModule`s (with their compiled Module, once compiled), bounded by entries;
 *   - disk (optional `cacheDir`): `<key>.wasm` (the hardened bytes) and `<key>.json` (the report and policy),
 *     written to a temporary name and renamed, so a crash never leaves a half-written entry. A disk entry is
 *     trusted only if its bytes hash to the sha-256 recorded beside them; a corrupt one is deleted and
 *     rebuilt. (The engine validates the bytes again when it compiles them anyway.)
 * A hit skips our validator and rewriter entirely; a memory hit costs a hash of the input (about 1 ms per MB).
 */

import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { harden, type HardenedModule, type HardenOptions } from '../instrument/harden.js';
import { PINNED_BINARYEN_VERSION } from '../instrument/binaryen-host.js';
import { normalizePolicy, policyToJSON, type Policy, type PolicyInput } from '../policy.js';
import { version } from '../version.js';

/**
 * Part of the key: bumped whenever harden's output for the same input and policy changes (2: split
 * functions; 3: tight loops, charge sinking, tests only before what can trap, `report.largeFunctions`).
 */
const FORMAT = 3;
const WasmModule = WebAssembly.Module;

export interface CacheOptions {
  /** directory for the disk tier (created if missing); omit for memory only */
  cacheDir?: string;
  /** memory tier size, in entries (default 64) */
  maxEntries?: number;
}

export interface CacheStats {
  hits: number;
  diskHits: number;
  misses: number;
  entries: number;
}

interface Entry {
  hardened: HardenedModule;
  compiled?: WebAssembly.Module;
}

/** Canonical JSON: object keys sorted, bigints as decimal strings. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v === 'bigint') return v.toString();
    if (v !== null && typeof v === 'object' && !Array.isArray(v))
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    return v;
  });
}

export function cacheKey(bytes: Uint8Array, policy: Policy): string {
  const h = createHash('sha256');
  h.update(`wasm-harden-cache:${FORMAT}:${version()}:binaryen-${PINNED_BINARYEN_VERSION}\n`);
  h.update(canonical(policyToJSON(policy)));
  h.update('\n');
  h.update(bytes);
  return h.digest('hex');
}

function reviveReport(json: string): { report: HardenedModule['report']; policy: PolicyInput } {
  const parsed = JSON.parse(json, (key, v: unknown) => (key === 'budget' && typeof v === 'string' ? BigInt(v) : v)) as {
    report: HardenedModule['report'];
    policy: PolicyInput;
  };
  return parsed;
}

export class HardenCache {
  private readonly entries = new Map<string, Entry>();
  private readonly maxEntries: number;
  private readonly dir: string | undefined;
  private readonly stats = { hits: 0, diskHits: 0, misses: 0 };

  constructor(options: CacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? 64;
    this.dir = options.cacheDir;
  }

  getStats(): CacheStats {
    return { ...this.stats, entries: this.entries.size };
  }

  private remember(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
  }

  /** `harden(bytes, policy)`, served from the cache when the same bytes and policy were hardened before. */
  async harden(bytes: Uint8Array, policyInput?: PolicyInput | Policy, options?: HardenOptions): Promise<HardenedModule> {
    const policy = normalizePolicy(policyInput);
    const key = cacheKey(bytes, policy);
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      this.stats.hits++;
      this.remember(key, hit);
      return hit.hardened;
    }
    const fromDisk = await this.readDisk(key, policy);
    if (fromDisk !== undefined) {
      this.stats.diskHits++;
      this.remember(key, { hardened: fromDisk });
      return fromDisk;
    }
    this.stats.misses++;
    const hardened = await harden(bytes, policy, options);
    this.remember(key, { hardened });
    await this.writeDisk(key, hardened);
    return hardened;
  }

  /** The compiled module of a hardened module this cache returned (compiled once, then reused). */
  async compile(hardened: HardenedModule): Promise<WebAssembly.Module> {
    for (const entry of this.entries.values())
      if (entry.hardened === hardened) return (entry.compiled ??= new WasmModule(hardened.bytes));
    return new WasmModule(hardened.bytes);
  }

  private async readDisk(key: string, policy: Policy): Promise<HardenedModule | undefined> {
    if (this.dir === undefined) return undefined;
    try {
      const [bytes, json] = await Promise.all([readFile(join(this.dir, `${key}.wasm`)), readFile(join(this.dir, `${key}.json`), 'utf8')]);
      const { report, sha256 } = reviveReport(json) as ReturnType<typeof reviveReport> & { sha256?: string };
      const out = new Uint8Array(bytes);
      if (out.length !== report.outputBytes || createHash('sha256').update(out).digest('hex') !== sha256) throw new Error('corrupt cache entry');
      return { bytes: out, policy, report };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') await Promise.all([rm(join(this.dir, `${key}.wasm`), { force: true }), rm(join(this.dir, `${key}.json`), { force: true })]);
      return undefined;
    }
  }

  private async writeDisk(key: string, hardened: HardenedModule): Promise<void> {
    if (this.dir === undefined) return;
    await mkdir(this.dir, { recursive: true });
    const tmp = `.${key}.${process.pid}.${Date.now()}`;
    const sha256 = createHash('sha256').update(hardened.bytes).digest('hex');
    const json = JSON.stringify({ report: hardened.report, policy: policyToJSON(hardened.policy), sha256 }, (_k, v: unknown) =>
      typeof v === 'bigint' ? v.toString() : v,
    );
    // the .json is renamed last: an entry is complete only when both files are in place
    await writeFile(join(this.dir, `${tmp}.wasm`), hardened.bytes);
    await writeFile(join(this.dir, `${tmp}.json`), json);
    await rename(join(this.dir, `${tmp}.wasm`), join(this.dir, `${key}.wasm`));
    await rename(join(this.dir, `${tmp}.json`), join(this.dir, `${key}.json`));
  }
}
