// The README showcase, runnable: `npm install && node examples/quickjs-agent.mjs`
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { newVariant, newQuickJSWASMModuleFromVariant } from 'quickjs-emscripten-core';
import variant from '@jitl/quickjs-wasmfile-release-sync';
import { harden } from 'wasm-harden';

const require = createRequire(import.meta.url);
const wasm = readFileSync(require.resolve('@jitl/quickjs-wasmfile-release-sync/wasm'));
const hardened = await harden(wasm, { imports: 'any', limits: { memoryPages: 32768 }, fuel: 1_000_000_000 });
const QuickJS = await newQuickJSWASMModuleFromVariant(newVariant(variant, { wasmBinary: hardened.bytes }));
const vm = QuickJS.newContext();
console.log(vm.dump(vm.unwrapResult(vm.evalCode('1 + 2'))));
const t = performance.now();
try { vm.evalCode('while (true) {}'); console.log('returned?!'); }
catch (e) { console.log('stopped by fuel after', (performance.now() - t).toFixed(0), 'ms:', String(e).slice(0, 60)); }
console.log('host carries on');
