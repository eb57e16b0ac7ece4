/**
 * Generates the reference tables of README.md from the source of truth (src/policy.ts, src/limits.ts,
 * src/issues.ts), between marker comments:
 *
 *   <!-- BEGIN GENERATED: options --> ... <!-- END GENERATED: options -->
 *   <!-- BEGIN GENERATED: limits -->  ... <!-- END GENERATED: limits -->
 *   <!-- BEGIN GENERATED: features --> ... <!-- END GENERATED: features -->
 *   <!-- BEGIN GENERATED: codes -->   ... <!-- END GENERATED: codes -->
 *
 *   npx tsx scripts/gen-readme-tables.ts          rewrite README.md
 *   npx tsx scripts/gen-readme-tables.ts --check  exit 1 if README.md is out of date
 *
 * test/readme.test.ts fails when the README's tables differ from what this script generates.
 */

import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ISSUE_CODES, phaseOf, type IssueCode } from '../src/issues.js';
import { V8_LIMITS, type LimitName } from '../src/limits.js';
import { LATER_FEATURES, WASM2_FEATURES, policies } from '../src/policy.js';

/** What each limit bounds, and the code its violation gets. Every LimitName must be described. */
export const LIMIT_DOCS: Record<LimitName, string> = {
  moduleBytes: 'size of the whole module, in bytes',
  types: 'entries in the type section',
  functions: 'functions, imported and defined',
  imports: 'imports',
  exports: 'exports',
  globals: 'globals',
  tables: 'tables',
  dataSegments: 'data segments',
  elemSegments: 'element segments',
  params: 'parameters of one function type',
  results: 'results of one function type',
  localsPerFunction: 'locals of one function, parameters included',
  totalLocals: 'locals of all functions together (binaryen\'s cost grows with it)',
  bodyBytes: 'size of one function body, in bytes',
  totalBodyBytes: 'size of all function bodies together, in bytes',
  nestingDepth: 'control-block nesting depth (binaryen overflows its stack at about 8,000)',
  brTableSize: 'targets of one `br_table`',
  memoryPages: 'initial size of a memory, in 64 KiB pages (a larger or missing maximum is clamped by harden)',
  tableElements: 'initial size of a table, and items of one element segment (a larger maximum is clamped by harden)',
  dataBytes: 'bytes of all data segments together',
  customSections: 'custom sections',
  nameBytes: 'length of an import, export or custom-section name, in bytes',
};

const BYTE_LIMITS = new Set<LimitName>(['moduleBytes', 'bodyBytes', 'totalBodyBytes', 'dataBytes', 'nameBytes']);

function formatLimit(name: LimitName, n: number): string {
  if (n === Number.MAX_SAFE_INTEGER) return 'no limit';
  const plain = n.toLocaleString('en-US');
  const MiB = 1024 * 1024;
  if (name === 'memoryPages') {
    const bytes = n * 65_536;
    return `${plain} (${bytes >= 1024 * MiB ? `${bytes / (1024 * MiB)} GiB` : `${bytes / MiB} MiB`})`;
  }
  if (BYTE_LIMITS.has(name) && n >= MiB && n % MiB === 0) return `${plain} (${n >= 1024 * MiB ? `${n / (1024 * MiB)} GiB` : `${n / MiB} MiB`})`;
  return plain;
}

/** The code a limit's violation is reported with, derived from the catalogue's descriptions. */
function limitCode(name: LimitName): string {
  const found = (Object.keys(ISSUE_CODES) as IssueCode[]).filter(
    (c) => c.startsWith('forbidden.limit.') && ISSUE_CODES[c][1].includes(`\`limits.${name}\``),
  );
  return found.map((c) => `\`${c}\``).join(', ');
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function limitsTable(): string {
  const rows = (Object.keys(V8_LIMITS) as LimitName[]).map((name) => {
    const doc = LIMIT_DOCS[name];
    if (!doc) throw new Error(`LIMIT_DOCS lacks ${name}`);
    return `| \`${name}\` | ${cell(doc)} | ${formatLimit(name, policies.strict.limits[name])} | ${formatLimit(name, policies.spec.limits[name])} | ${limitCode(name)} |`;
  });
  return ['| limit | bounds | `strict` | `spec` (= V8) | rejected with |', '| --- | --- | --- | --- | --- |', ...rows].join('\n');
}

export function optionsTable(): string {
  const s = policies.strict;
  const p = policies.spec;
  const imports = (x: typeof s.imports) => (x === 'any' ? '`"any"`' : x.length === 0 ? '`[]` (deny all)' : `${x.length} entries`);
  const rows = [
    ['`features`', 'feature names (array or Set); replaces the base list', 'the Wasm 2.0 set', 'the Wasm 2.0 set'],
    ['`limits`', 'partial map of limits (below); each a non-negative integer ≤ the `spec` value', 'see below', 'V8\'s limits'],
    ['`imports`', '`"any"`, or an allowlist of `{ module, name, kind?, type? }`', imports(s.imports), imports(p.imports)],
    ['`reservedNamespace`', 'import module name / export name prefix reserved for instrumentation (≥ 2 characters)', `\`"${s.reservedNamespace}"\``, `\`"${p.reservedNamespace}"\``],
    ['`allowStart`', 'whether a start function is allowed (harden meters it)', `\`${s.allowStart}\``, `\`${p.allowStart}\``],
    ['`fuel`', 'fuel budget of a hardened module: number, bigint or decimal string, 0 to 2^63 - 1 (the fuel global is a signed i64; negative means exhausted)', `${s.fuel.toLocaleString('en-US')}`, `${p.fuel.toLocaleString('en-US')}`],
    [
      '`costs`',
      'partial cost model merged over the base: `default` (per instruction), `instructions` (by name), `local` (per declared local, per call), `memoryByte`, `tableElement` (bulk operations), `memoryGrowPage`, `tableGrowElement`; integers 0 to 2^24',
      `\`${JSON.stringify(s.costs)}\``,
      'same',
    ],
    ['`requireImportMaximum`', 'harden requires imported memories and tables to declare a maximum within the cap (so V8\'s link check holds the host\'s memory to it)', `\`${s.requireImportMaximum}\``, `\`${p.requireImportMaximum}\``],
    ['`stackLimit`', 'stack budget of a hardened module, in notional bytes: each call reserves 128 + 16 × (params + locals) + 8 × (greatest operand-stack height)', `${s.stackLimit.toLocaleString('en-US')}`, `${p.stackLimit.toLocaleString('en-US')}`],
  ];
  return ['| option | meaning | `strict` | `spec` |', '| --- | --- | --- | --- |', ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

export function featuresTable(): string {
  const rows = [
    ...WASM2_FEATURES.map((f) => {
      const on = (p: typeof policies.strict) => (p.features.includes(f) ? 'on' : 'off');
      return `| \`${f}\` | Wasm 2.0 | ${on(policies.strict)} | ${on(policies.spec)} | \`forbidden.feature.${f}\` |`;
    }),
    ...LATER_FEATURES.map((f) => {
      const code = (Object.keys(ISSUE_CODES) as IssueCode[]).find((c) => c === `forbidden.feature.${f}`);
      return `| \`${f}\` | later proposal | refused | refused | ${code ? `\`${code}\`` : '—'} |`;
    }),
  ];
  return [
    '| feature | from | `strict` | `spec` | used while off → |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

export function codesTable(): string {
  const rows = (Object.entries(ISSUE_CODES) as [IssueCode, readonly [string, string]][]).map(
    ([code, [prefix, meaning]]) => `| \`${code}\` | ${phaseOf(code)} | ${cell(prefix)} | ${cell(meaning)} |`,
  );
  return ['| code | phase | message starts with | meaning |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

export const TABLES: Record<string, () => string> = {
  options: optionsTable,
  limits: limitsTable,
  features: featuresTable,
  codes: codesTable,
};

/** README text with every generated block replaced by its current content. Throws if a marker is missing. */
export function updateReadme(text: string): string {
  let out = text;
  for (const [name, gen] of Object.entries(TABLES)) {
    const begin = `<!-- BEGIN GENERATED: ${name} -->`;
    const end = `<!-- END GENERATED: ${name} -->`;
    const a = out.indexOf(begin);
    const b = out.indexOf(end);
    if (a < 0 || b < a) throw new Error(`README.md lacks the markers for "${name}"`);
    out = `${out.slice(0, a + begin.length)}\n${gen()}\n${out.slice(b)}`;
  }
  return out;
}

export const README = join(dirname(fileURLToPath(import.meta.url)), '..', 'README.md');

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const text = readFileSync(README, 'utf8');
  const next = updateReadme(text);
  if (process.argv.includes('--check')) {
    if (next !== text) {
      console.error('README.md tables are out of date: run npx tsx scripts/gen-readme-tables.ts');
      process.exit(1);
    }
    console.log('README.md tables are up to date');
  } else if (next !== text) {
    writeFileSync(README, next);
    console.log('README.md tables updated');
  } else console.log('README.md tables already up to date');
}

