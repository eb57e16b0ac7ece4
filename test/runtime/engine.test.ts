/**
 * The opt-in V8 tuning (src/runtime/engine.ts). Its effect is on V8's choice of register allocator for huge
 * functions, which only timing shows (bench/execution.bench.ts --engine-tuned measures it); here: what it
 * does to this process, in a child so that the test process keeps its flags.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { HUGE_FUNCTION_FLAG, tuneEngine } from '../../src/runtime/engine.js';

describe('tuneEngine', () => {
  it('sets the huge-function flag on the V8 versions known to have it, and says so', () => {
    const script = `import('${new URL('../../src/runtime/engine.ts', import.meta.url).href}').then((m) => {
      const a = m.tuneEngine(); const b = m.tuneEngine();
      process.stdout.write(JSON.stringify({ a, b }));
    })`;
    const out = JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' })) as {
      a: ReturnType<typeof tuneEngine>;
      b: ReturnType<typeof tuneEngine>;
    };
    const major = Number(process.versions.v8.split('.')[0]);
    expect(out.a).toEqual({ applied: major === 11 || major === 12, flag: HUGE_FUNCTION_FLAG, v8: process.versions.v8 });
    expect(out.b).toEqual(out.a); // idempotent
    expect(HUGE_FUNCTION_FLAG).toBe('--no-turbo-use-mid-tier-regalloc-for-huge-functions');
  });
});
