import { describe, expect, it } from 'vitest';
import { runDemo } from '../scripts/demo.js';

describe('npm run demo', () => {
  it('every benign program returns its expected value and every hostile one is neutralised with its kind', async () => {
    const rows = await runDemo();
    const failures = rows.filter((r) => !r.pass).map((r) => `${r.program}: ${r.outcome} ${r.detail} (${r.why})`);
    expect(failures).toEqual([]);
    expect(rows.filter((r) => r.kind === 'benign').length).toBeGreaterThanOrEqual(5);
    expect(rows.filter((r) => r.kind === 'hostile').length).toBeGreaterThanOrEqual(10);
  }, 60_000);
});
