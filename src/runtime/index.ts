/**
 * The runtime: run hardened modules in-process with fuel budgets, classified traps and deny-by-default
 * imports (sandbox.ts), plus the contract types (types.ts); in worker threads under a wall-clock limit
 * (worker-sandbox.ts, pool.ts); optional prom-client metrics (metrics.ts); the opt-in V8 tuning for
 * huge functions (engine.ts).
 */
export { instantiate, HOST_CALL_WEIGHT, type Sandbox } from './sandbox.js';
export { MemoryAccess } from './memory-access.js';
export { InstantiationTrapError, SANDBOX_ISSUE_CODES, type SandboxIssueCode, type TrapResult } from './errors.js';
export { TRAP_MESSAGES, V8_TRAP_MESSAGES, kindOfV8Message } from './traps.js';
export { checkImportAllowed } from './host-imports.js';
export {
  instantiateInWorker,
  DEFAULT_RESOURCE_LIMITS,
  FUNCREF,
  EXTERNREF,
  type WorkerSandbox,
  type WorkerSandboxOptions,
  type WorkerMemory,
  type WorkerWasiOutput,
  type HostModuleContext,
} from './worker-sandbox.js';
export { SandboxPool, createPool, type PoolOptions, type PoolRunOptions, type PoolModule, type PoolResult, type PoolStats } from './pool.js';
export { createMetrics, WasmHardenMetrics, type MetricsOptions, type MetricsRuntime } from './metrics.js';
export { tuneEngine, engineTuned, HUGE_FUNCTION_FLAG, TUNED_MAX_BODY_BYTES, type EngineTuning } from './engine.js';
export { TRAP_KINDS, type TrapKind, type RunResult, type SandboxOptions, type HostImports, type WasiOptions } from './types.js';
