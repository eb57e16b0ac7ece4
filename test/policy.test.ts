import { describe, expect, it } from 'vitest';
import { WasmHardenError, type Issue } from '../src/issues.js';
import { V8_LIMITS, type LimitName } from '../src/limits.js';
import {
  LATER_FEATURES,
  RESERVED_NAMESPACE,
  WASM2_FEATURES,
  normalizePolicy,
  parseFuel,
  policies,
  policyToJSON,
  type Policy,
  type PolicyInput,
} from '../src/policy.js';

/** The issues `normalizePolicy(input)` throws; fails the test when it does not throw a WasmHardenError. */
function rejection(input: unknown, base?: Policy): readonly Issue[] {
  try {
    normalizePolicy(input as PolicyInput, base);
  } catch (e) {
    expect(e).toBeInstanceOf(WasmHardenError);
    const issues = (e as WasmHardenError).issues;
    expect(issues.length).toBeGreaterThan(0);
    for (const issue of issues) {
      expect(issue.code).toBe('policy.invalid-option');
      expect(issue.message.startsWith('invalid policy option')).toBe(true);
      expect(typeof issue.path).toBe('string');
    }
    return issues;
  }
  throw new Error(`expected ${JSON.stringify(input)} to be rejected`);
}

const LIMIT_NAMES = Object.keys(V8_LIMITS) as LimitName[];

describe('defaults', () => {
  it('normalizePolicy() and normalizePolicy({}) are strict', () => {
    expect(normalizePolicy()).toBe(policies.strict);
    expect(normalizePolicy(undefined)).toBe(policies.strict);
    const p = normalizePolicy({});
    expect(policyToJSON(p)).toEqual(policyToJSON(policies.strict));
  });

  it('strict: the Wasm 2.0 features, sorted; no imports; the reserved namespace; start allowed', () => {
    const s = policies.strict;
    expect(s.features).toEqual([...WASM2_FEATURES].sort());
    expect(s.imports).toEqual([]);
    expect(s.reservedNamespace).toBe(RESERVED_NAMESPACE);
    expect(RESERVED_NAMESPACE).toBe('__wasm_harden');
    expect(s.allowStart).toBe(true);
    expect(typeof s.fuel).toBe('bigint');
    expect(s.fuel).toBeGreaterThan(0n);
  });

  it('strict limits are never looser than V8 and tighter where hardening needs it', () => {
    const s = policies.strict.limits;
    expect(Object.keys(s).sort()).toEqual([...LIMIT_NAMES].sort());
    for (const name of LIMIT_NAMES) expect(s[name], name).toBeLessThanOrEqual(V8_LIMITS[name]);
    expect(s.localsPerFunction).toBe(50_000);
    expect(s.bodyBytes).toBeLessThanOrEqual(7_654_321);
    expect(s.functions).toBeLessThanOrEqual(1_000_000);
    expect(s.nestingDepth).toBeLessThanOrEqual(4096);
    expect(s.memoryPages).toBeLessThanOrEqual(16_384); // 1 GiB
    expect(s.totalLocals).toBeLessThan(1000 * 50_000); // the locals bomb of the corpus
  });

  it('policies.spec has exactly V8 limits, every Wasm 2.0 feature, and imports "any"', () => {
    const p = policies.spec;
    expect({ ...p.limits }).toEqual({ ...V8_LIMITS });
    expect(p.imports).toBe('any');
    expect(p.features).toEqual([...WASM2_FEATURES].sort());
    expect(p.limits.memoryPages).toBe(65_536);
    expect(p.limits.localsPerFunction).toBe(50_000);
    expect(p.limits.bodyBytes).toBe(7_654_321);
    expect(p.limits.functions).toBe(1_000_000);
  });

  it('presets and their parts are frozen', () => {
    for (const p of [policies, policies.strict, policies.spec, policies.strict.limits, policies.strict.features, policies.spec.limits])
      expect(Object.isFrozen(p)).toBe(true);
  });
});

describe('merging', () => {
  it('a partial policy merges over strict', () => {
    const p = normalizePolicy({ limits: { memoryPages: 10 } });
    expect(p.limits.memoryPages).toBe(10);
    for (const name of LIMIT_NAMES) if (name !== 'memoryPages') expect(p.limits[name]).toBe(policies.strict.limits[name]);
    expect(p.features).toEqual(policies.strict.features);
    expect(p.imports).toEqual([]);
    expect(p.fuel).toBe(policies.strict.fuel);
  });

  it('merges over another base when given', () => {
    const p = normalizePolicy({ limits: { types: 5 } }, policies.spec);
    expect(p.limits.types).toBe(5);
    expect(p.limits.memoryPages).toBe(V8_LIMITS.memoryPages);
    expect(p.imports).toBe('any');
  });

  it('features replace the base list, deduplicated and sorted; a Set works too', () => {
    expect(normalizePolicy({ features: ['simd', 'bulk-memory', 'simd'] }).features).toEqual(['bulk-memory', 'simd']);
    expect(normalizePolicy({ features: new Set(['sign-ext'] as const) }).features).toEqual(['sign-ext']);
    expect(normalizePolicy({ features: [] }).features).toEqual([]);
  });

  it('import allowlists are kept, with func types canonicalised', () => {
    const p = normalizePolicy({
      imports: [
        { module: 'env', name: 'log', kind: 'func', type: ' i32,i32  ->  i32 ' },
        { module: 'env', name: '*' },
        { module: 'env', name: 'g', kind: 'global', type: 'mut   i64' },
        { module: 'env', name: 't', kind: 'table', type: 'funcref' },
        { module: 'env', name: 'm', kind: 'memory' },
        { module: 'env', name: 'f', kind: 'func', type: '->' },
      ],
    });
    expect(p.imports).toEqual([
      { module: 'env', name: 'log', kind: 'func', type: 'i32 i32 -> i32' },
      { module: 'env', name: '*' },
      { module: 'env', name: 'g', kind: 'global', type: 'mut i64' },
      { module: 'env', name: 't', kind: 'table', type: 'funcref' },
      { module: 'env', name: 'm', kind: 'memory' },
      { module: 'env', name: 'f', kind: 'func', type: '->' },
    ]);
    expect(normalizePolicy({ imports: 'any' }).imports).toBe('any');
  });

  it('other options', () => {
    const p = normalizePolicy({ reservedNamespace: '__mine', allowStart: false });
    expect(p.reservedNamespace).toBe('__mine');
    expect(p.allowStart).toBe(false);
  });

  it('every limit accepts 0 and its V8 maximum', () => {
    for (const name of LIMIT_NAMES) {
      expect(normalizePolicy({ limits: { [name]: 0 } }).limits[name]).toBe(0);
      expect(normalizePolicy({ limits: { [name]: V8_LIMITS[name] } }).limits[name]).toBe(V8_LIMITS[name]);
    }
  });
});

describe('bad options are rejected with policy.invalid-option and a path', () => {
  const cases: [string, unknown, string][] = [
    ['not an object', 42, ''],
    ['null', null, ''],
    ['an array', [], ''],
    ['a string', 'strict', ''],
    ['unknown key', { foo: 1 }, 'foo'],
    ['features not an array', { features: 'simd' }, 'features'],
    ['unknown feature', { features: ['simd', 'warp-drive'] }, 'features'],
    ['non-string feature', { features: [7] }, 'features'],
    ['limits not an object', { limits: 5 }, 'limits'],
    ['limits as array', { limits: [1] }, 'limits'],
    ['unknown limit', { limits: { frobs: 1 } }, 'limits.frobs'],
    ['negative limit', { limits: { types: -1 } }, 'limits.types'],
    ['fractional limit', { limits: { types: 1.5 } }, 'limits.types'],
    ['string limit', { limits: { types: '10' } }, 'limits.types'],
    ['NaN limit', { limits: { types: Number.NaN } }, 'limits.types'],
    ['limit above V8', { limits: { memoryPages: 65_537 } }, 'limits.memoryPages'],
    ['locals above V8', { limits: { localsPerFunction: 50_001 } }, 'limits.localsPerFunction'],
    ['imports not "any" or array', { imports: 'all' }, 'imports'],
    ['import entry not an object', { imports: ['env.f'] }, 'imports[0]'],
    ['import entry missing module', { imports: [{ name: 'f' }] }, 'imports[0]'],
    ['import entry missing name', { imports: [{ module: 'env' }] }, 'imports[0]'],
    ['import entry unknown key', { imports: [{ module: 'env', name: 'f', sig: 'x' }] }, 'imports[0]'],
    ['import entry bad kind', { imports: [{ module: 'env', name: 'f', kind: 'function' }] }, 'imports[0]'],
    ['import type without kind', { imports: [{ module: 'env', name: 'f', type: 'i32 -> i32' }] }, 'imports[0]'],
    ['func type without arrow', { imports: [{ module: 'env', name: 'f', kind: 'func', type: 'i32' }] }, 'imports[0]'],
    ['func type bad valtype', { imports: [{ module: 'env', name: 'f', kind: 'func', type: 'i33 -> i32' }] }, 'imports[0]'],
    ['global type bad', { imports: [{ module: 'env', name: 'g', kind: 'global', type: 'const i32' }] }, 'imports[0]'],
    ['table type bad', { imports: [{ module: 'env', name: 't', kind: 'table', type: 'anyfunc' }] }, 'imports[0]'],
    ['import type not a string', { imports: [{ module: 'env', name: 'f', kind: 'func', type: 1 }] }, 'imports[0]'],
    ['second entry bad', { imports: [{ module: 'env', name: 'f' }, 3] }, 'imports[1]'],
    ['reservedNamespace not a string', { reservedNamespace: 5 }, 'reservedNamespace'],
    ['reservedNamespace too short', { reservedNamespace: '_' }, 'reservedNamespace'],
    ['allowStart not a boolean', { allowStart: 'yes' }, 'allowStart'],
    ['fuel negative', { fuel: -1 }, 'fuel'],
    ['fuel fractional', { fuel: 1.5 }, 'fuel'],
    ['fuel unsafe number', { fuel: 2 ** 60 }, 'fuel'],
    ['fuel above u64', { fuel: 1n << 64n }, 'fuel'],
    ['fuel above i64 (the fuel global is signed: negative means exhausted)', { fuel: 1n << 63n }, 'fuel'],
    ['costs not an object', { costs: 3 }, 'costs'],
    ['unknown cost', { costs: { perCall: 1 } }, 'costs.perCall'],
    ['negative cost', { costs: { local: -1 } }, 'costs.local'],
    ['cost too large', { costs: { memoryByte: 2 ** 25 } }, 'costs.memoryByte'],
    ['unknown instruction cost', { costs: { instructions: { 'i32.frobnicate': 2 } } }, 'costs.instructions.i32.frobnicate'],
    ['stackLimit too small', { stackLimit: 10 }, 'stackLimit'],
    ['requireImportMaximum not a boolean', { requireImportMaximum: 1 }, 'requireImportMaximum'],
    ['stackLimit too large', { stackLimit: 2 ** 30 }, 'stackLimit'],
    ['fuel string not decimal', { fuel: '0x10' }, 'fuel'],
    ['fuel string negative', { fuel: '-5' }, 'fuel'],
    ['fuel boolean', { fuel: true }, 'fuel'],
  ];
  it.each(cases)('%s', (_name, input, path) => {
    const issues = rejection(input);
    expect(issues.map((i) => i.path)).toContain(path);
  });

  it('reports every bad option, not only the first', () => {
    const issues = rejection({ foo: 1, limits: { types: -1, bar: 2 }, allowStart: 1, fuel: 'x' });
    expect(issues.map((i) => i.path).sort()).toEqual(['allowStart', 'foo', 'fuel', 'limits.bar', 'limits.types']);
  });

  it('the thrown error is one WasmHardenError naming the first issue', () => {
    try {
      normalizePolicy({ limits: { types: -1 } });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(WasmHardenError);
      expect((e as Error).message).toMatch(/^policy\.invalid-option at 0x0: invalid policy option/);
    }
  });
});

describe('later proposals cannot be enabled', () => {
  it.each([...LATER_FEATURES])('%s is refused by name', (feature) => {
    const issues = rejection({ features: [...WASM2_FEATURES, feature] });
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe('features');
    expect(issues[0]!.message).toContain(feature);
    expect(issues[0]!.message).toContain('not supported');
  });
});

describe('fuel', () => {
  it('parses numbers, bigints and decimal strings', () => {
    expect(normalizePolicy({ fuel: 0 }).fuel).toBe(0n);
    expect(normalizePolicy({ fuel: 1234 }).fuel).toBe(1234n);
    expect(normalizePolicy({ fuel: Number.MAX_SAFE_INTEGER }).fuel).toBe(BigInt(Number.MAX_SAFE_INTEGER));
    expect(normalizePolicy({ fuel: 99n }).fuel).toBe(99n);
    expect(normalizePolicy({ fuel: '9223372036854775807' }).fuel).toBe((1n << 63n) - 1n);
    expect(normalizePolicy({ fuel: ' 42 ' }).fuel).toBe(42n);
    expect(normalizePolicy({ fuel: (1n << 63n) - 1n }).fuel).toBe((1n << 63n) - 1n);
  });

  it('merges costs over the base and fills in every field', () => {
    const p = normalizePolicy({ costs: { memoryByte: 2, instructions: { 'i64.div_s': 8 } } });
    expect(p.costs).toEqual({ default: 1, instructions: { 'i64.div_s': 8 }, local: 1, memoryByte: 2, tableElement: 1, memoryGrowPage: 64, tableGrowElement: 1 });
    expect(Object.isFrozen(p.costs)).toBe(true);
    const q = normalizePolicy({ costs: { instructions: { 'f32.sqrt': 3 } } }, p);
    expect(q.costs.instructions).toEqual({ 'f32.sqrt': 3, 'i64.div_s': 8 });
    expect(normalizePolicy({ stackLimit: 65536 }).stackLimit).toBe(65536);
  });

  it('parseFuel rejects what is not an integer from 0 to 2^63 - 1', () => {
    for (const bad of [-1, 0.5, Number.NaN, Infinity, 2 ** 53, '18446744073709551616', '9223372036854775808', '', '1e3', '-0', -1n, null, undefined, {}, []])
      expect(parseFuel(bad), String(bad)).toBeUndefined();
  });

  it('policyToJSON writes fuel as a decimal string, and JSON round-trips', () => {
    const p = normalizePolicy({ fuel: 123n, limits: { types: 7 }, imports: [{ module: 'm', name: 'n', kind: 'func', type: 'i32 -> ' }] });
    const json = JSON.parse(JSON.stringify(policyToJSON(p))) as PolicyInput;
    expect(json.fuel).toBe('123');
    expect(policyToJSON(normalizePolicy(json))).toEqual(policyToJSON(p));
  });
});

describe('normalised policies', () => {
  it('normalising twice is the identity', () => {
    const p = normalizePolicy({ limits: { types: 3 }, features: ['simd'] });
    expect(normalizePolicy(p)).toBe(p);
    expect(normalizePolicy(policies.spec)).toBe(policies.spec);
    expect(normalizePolicy(policies.strict)).toBe(policies.strict);
  });

  it('a normalised policy is deeply frozen', () => {
    const p = normalizePolicy({ imports: [{ module: 'env', name: 'f', kind: 'func', type: '->' }], limits: { types: 3 } });
    expect(Object.isFrozen(p)).toBe(true);
    expect(Object.isFrozen(p.features)).toBe(true);
    expect(Object.isFrozen(p.limits)).toBe(true);
    expect(Object.isFrozen(p.imports)).toBe(true);
    if (p.imports !== 'any') expect(Object.isFrozen(p.imports[0])).toBe(true);
    expect(() => {
      (p.limits as { types: number }).types = 99;
    }).toThrow(TypeError);
    expect(p.limits.types).toBe(3);
  });

  it('does not keep references to the caller\'s input', () => {
    const input = { limits: { types: 3 }, features: ['simd'] as ('simd' | 'sign-ext')[], imports: [{ module: 'a', name: 'b' }] };
    const p = normalizePolicy(input);
    input.limits.types = 100;
    input.features.push('sign-ext');
    input.imports[0]!.module = 'z';
    expect(p.limits.types).toBe(3);
    expect(p.features).toEqual(['simd']);
    expect(p.imports).toEqual([{ module: 'a', name: 'b' }]);
  });

  it('a structurally equal plain object is normalised again, not trusted', () => {
    const copy = { ...policies.strict, limits: { ...policies.strict.limits, types: -1 } };
    expect(rejection(copy).map((i) => i.path)).toContain('limits.types');
  });
});
