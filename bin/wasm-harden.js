#!/usr/bin/env node
// The `wasm-harden` binary: a shim over the compiled CLI in dist/ (built by `npm run build`, which
// `npm install` runs through the `prepare` script).
let cli;
try {
  cli = await import('../dist/cli/main.js');
} catch (e) {
  if (e && e.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes('dist')) {
    process.stderr.write('wasm-harden: dist/ is missing; run `npm run build` (or `npm install`) first\n');
    process.exit(2);
  }
  throw e;
}
process.exitCode = await cli.main(process.argv.slice(2));
