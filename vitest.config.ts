import { defineConfig } from 'vitest/config';

// `npm test` (= `vitest run`) prints the usual report and also writes vitest's JSON report, which `.ci/run`
// reads for its closing `N passed, N failed` line. The report file is gitignored.
export default defineConfig({
  test: {
    reporters: ['default', 'json'],
    outputFile: { json: '.vitest-report.json' },
  },
});
