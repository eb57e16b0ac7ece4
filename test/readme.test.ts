import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { README, updateReadme } from '../scripts/gen-readme-tables.js';
import { ISSUE_CODES } from '../src/issues.js';
import { V8_LIMITS } from '../src/limits.js';
import { LATER_FEATURES, WASM2_FEATURES } from '../src/policy.js';

const text = readFileSync(README, 'utf8');
const section = (title: string): string => {
  const start = text.indexOf(`\n## ${title}\n`);
  expect(start, `README has a "## ${title}" section`).toBeGreaterThanOrEqual(0);
  const next = text.indexOf('\n## ', start + 1);
  return text.slice(start, next < 0 ? undefined : next);
};

describe('README.md', () => {
  it('its generated tables are up to date (run `npx tsx scripts/gen-readme-tables.ts`)', () => {
    expect(updateReadme(text) === text).toBe(true);
  });

  it('the error-code table lists every code of ISSUE_CODES, with its message prefix', () => {
    const codes = section('Error codes');
    for (const [code, [prefix]] of Object.entries(ISSUE_CODES)) {
      expect(codes, code).toContain(`| \`${code}\` |`);
      expect(codes, code).toContain(prefix.replace(/\|/g, '\\|'));
    }
  });

  it('the policy reference lists every limit and feature', () => {
    const policy = section('Policy reference');
    for (const name of Object.keys(V8_LIMITS)) expect(policy, name).toContain(`| \`${name}\` |`);
    for (const f of [...WASM2_FEATURES, ...LATER_FEATURES]) expect(policy, f).toContain(`| \`${f}\` |`);
  });

  it('has the sections the project promises', () => {
    for (const title of ['Threat model', 'Quick start', 'API', 'CLI', 'Policy reference', 'Error codes', 'Performance']) section(title);
    expect(section('Quick start')).toContain('npm install');
    expect(section('Quick start')).toContain('npm test');
    expect(section('Threat model')).toMatch(/Spectre/);
  });
});
