/**
 * Loader for the official Wasm 2.0 core spec testsuite (`../shared/spec-testsuite`, see its README.md).
 *
 * The suite lives beside the repository, never inside it: the repo is always cloned with `shared/` as its
 * sibling. This module finds it, lists its scripts, yields their commands with absolute `.wasm` paths, and
 * classifies every *binary* module by what a validator must say about it:
 *
 *   - `valid`      a `module` command. These are the README's "1,595 valid modules".
 *   - `link-fail`  the module of an `assert_unlinkable` / `assert_uninstantiable` (83 + 34). These modules
 *                  are valid too (they fail only at link or instantiation time), but the README counts them
 *                  apart from the 1,595, so they get their own category; `mustValidate` is true for both.
 *   - `invalid`    an `assert_invalid` module (2,144): decodes, but fails validation.
 *   - `malformed`  an `assert_malformed` module with `module_type: "binary"` (736): fails to decode.
 *                  Text (`.wat`) malformed modules (1,077) are skipped: this is a binary toolkit.
 *
 * Everything here is synchronous and cached per process: the whole suite is ~4,600 small files (~370 KB).
 */

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** One command of a `wast2json` script, as written in `json/NAME/NAME.json`. */
export interface SpecCommand {
  type: string;
  line: number;
  filename?: string;
  module_type?: 'binary' | 'text';
  text?: string;
  name?: string;
  as?: string;
  action?: unknown;
  expected?: unknown;
}

/** A command together with where it came from; `wasmPath` is set when the command names a module file. */
export interface ResolvedCommand extends SpecCommand {
  script: string;
  /** position of the command in its script */
  index: number;
  /** absolute path of `filename`, when there is one */
  wasmPath: string | undefined;
}

export type ModuleCategory = 'valid' | 'link-fail' | 'invalid' | 'malformed';

export const MODULE_CATEGORIES: readonly ModuleCategory[] = ['valid', 'link-fail', 'invalid', 'malformed'];

/** The README's totals, which `specModules()` must reproduce exactly. */
export const EXPECTED_MODULE_COUNTS: Readonly<Record<ModuleCategory, number>> = Object.freeze({
  valid: 1_595,
  'link-fail': 83 + 34,
  invalid: 2_144,
  malformed: 736,
});

/** One binary module of the suite, classified. */
export interface SpecModule {
  category: ModuleCategory;
  /** script name, e.g. `binary-leb128` */
  script: string;
  /** `script/filename`, e.g. `binary-leb128/binary-leb128.42.wasm`: short and stable, for reports */
  id: string;
  /** absolute path of the `.wasm` file */
  path: string;
  /** the command type that introduced it (`module`, `assert_invalid`, ...) */
  command: string;
  /** the spec's expected failure text (`assert_*` commands only) */
  text: string | undefined;
  /** line of the command in `wast/SCRIPT.wast` */
  line: number;
}

/** Whether a module of this category must pass validation (`valid` and `link-fail`). */
export function mustValidate(category: ModuleCategory): boolean {
  return category === 'valid' || category === 'link-fail';
}

function isSuiteDir(dir: string): boolean {
  return fs.existsSync(path.join(dir, 'README.md')) && fs.existsSync(path.join(dir, 'json'));
}

let cachedRoot: string | undefined;

/**
 * Absolute path of the spec testsuite directory. `WASM_SPEC_TESTSUITE` overrides; otherwise
 * `../shared/spec-testsuite` from the project root, found from the working directory or from this file.
 */
export function specSuiteDir(): string {
  if (cachedRoot !== undefined) return cachedRoot;
  const here = path.dirname(fileURLToPath(import.meta.url)); // <root>/test/spec
  const candidates = [
    process.env['WASM_SPEC_TESTSUITE'],
    path.resolve(process.cwd(), '../shared/spec-testsuite'),
    path.resolve(here, '../../../shared/spec-testsuite'),
  ].filter((p): p is string => typeof p === 'string' && p.length > 0);
  const found = candidates.find(isSuiteDir);
  if (found === undefined) {
    throw new Error(`spec testsuite not found; looked in:\n  ${candidates.join('\n  ')}`);
  }
  cachedRoot = found;
  return found;
}

/** Names of all scripts (`address`, `align`, ...), sorted. */
export function listScripts(): string[] {
  const jsonDir = path.join(specSuiteDir(), 'json');
  return fs
    .readdirSync(jsonDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(jsonDir, d.name, `${d.name}.json`)))
    .map((d) => d.name)
    .sort();
}

/** Directory holding a script's `.json` and module files. */
export function scriptDir(script: string): string {
  return path.join(specSuiteDir(), 'json', script);
}

const commandCache = new Map<string, ResolvedCommand[]>();

/** All commands of one script, in order, with `wasmPath` resolved. */
export function scriptCommands(script: string): ResolvedCommand[] {
  const cached = commandCache.get(script);
  if (cached) return cached;
  const dir = scriptDir(script);
  const parsed = JSON.parse(fs.readFileSync(path.join(dir, `${script}.json`), 'utf8')) as { commands: SpecCommand[] };
  const out = parsed.commands.map(
    (c, index): ResolvedCommand => ({
      ...c,
      script,
      index,
      wasmPath: c.filename !== undefined ? path.join(dir, c.filename) : undefined,
    }),
  );
  commandCache.set(script, out);
  return out;
}

/** Every command of every script (scripts sorted, commands in order). */
export function* allCommands(): Generator<ResolvedCommand> {
  for (const script of listScripts()) yield* scriptCommands(script);
}

/** The category of a command's module, or undefined when it has no binary module to classify. */
export function classifyCommand(c: SpecCommand): ModuleCategory | undefined {
  if (c.filename === undefined) return undefined;
  switch (c.type) {
    case 'module':
      return 'valid';
    case 'assert_unlinkable':
    case 'assert_uninstantiable':
      return 'link-fail';
    case 'assert_invalid':
      return c.module_type === 'text' ? undefined : 'invalid';
    case 'assert_malformed':
      return c.module_type === 'binary' ? 'malformed' : undefined;
    default:
      return undefined;
  }
}

let moduleCache: SpecModule[] | undefined;

/** Every binary module of the suite, classified (scripts sorted, commands in order). */
export function specModules(): readonly SpecModule[] {
  if (moduleCache) return moduleCache;
  const out: SpecModule[] = [];
  for (const c of allCommands()) {
    const category = classifyCommand(c);
    if (category === undefined || c.wasmPath === undefined || c.filename === undefined) continue;
    out.push({
      category,
      script: c.script,
      id: `${c.script}/${c.filename}`,
      path: c.wasmPath,
      command: c.type,
      text: c.text,
      line: c.line,
    });
  }
  moduleCache = out;
  return out;
}

/** Modules of one category. */
export function modulesOf(category: ModuleCategory): SpecModule[] {
  return specModules().filter((m) => m.category === category);
}

/** How many modules each category holds. */
export function countByCategory(modules: readonly SpecModule[] = specModules()): Record<ModuleCategory, number> {
  const counts: Record<ModuleCategory, number> = { valid: 0, 'link-fail': 0, invalid: 0, malformed: 0 };
  for (const m of modules) counts[m.category]++;
  return counts;
}

/** A module's bytes, as a fresh `Uint8Array` (not a pooled Buffer slice). */
export function readModuleBytes(m: SpecModule | string): Uint8Array {
  const buf = fs.readFileSync(typeof m === 'string' ? m : m.path);
  return new Uint8Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

/** Every module with its bytes loaded. */
export function loadSpecModules(filter?: (m: SpecModule) => boolean): Array<SpecModule & { bytes: Uint8Array }> {
  return specModules()
    .filter((m) => (filter ? filter(m) : true))
    .map((m) => ({ ...m, bytes: readModuleBytes(m) }));
}
