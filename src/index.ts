/**
 * wasm-harden: make untrusted WebAssembly safe to run inside a Node.js process.
 * Public entry point; see README.md for the API.
 */
export { validate, type ValidationResult } from './validate/validate.js';
export {
  harden,
  tryHarden,
  type HardenedModule,
  type HardenReport,
  type HardenResult,
  type HardenOptions,
} from './instrument/harden.js';
export { FUEL_EXPORT, DEPTH_EXPORT, MEMORY_EXPORT } from './instrument/module-rewriter.js';
export { costTable, DEFAULT_COSTS, MAX_UNIT_COST, type CostSpec, type CostTable } from './instrument/cost-model.js';
export { DEFAULT_STACK_LIMIT, MAX_STACK_LIMIT, frameWeight } from './instrument/stack-limit.js';
export {
  policies,
  normalizePolicy,
  policyToJSON,
  parseFuel,
  MAX_FUEL,
  RESERVED_NAMESPACE,
  WASM2_FEATURES,
  LATER_FEATURES,
  type Policy,
  type PolicyInput,
  type AllowedImport,
  type FeatureName,
  type Limits,
  type ExternKind,
  type ValTypeName,
} from './policy.js';
export { WasmHardenError, ISSUE_CODES, phaseOf, specText, type Issue, type IssueCode, type Phase } from './issues.js';
export { V8_LIMITS, V8_TOP_TIER_BODY_BYTES, type LimitName } from './limits.js';
export type { ModuleInfo } from './binary/module-info.js';
export {
  instantiate,
  HOST_CALL_WEIGHT,
  MemoryAccess,
  InstantiationTrapError,
  SANDBOX_ISSUE_CODES,
  TRAP_KINDS,
  TRAP_MESSAGES,
  type Sandbox,
  type SandboxIssueCode,
  type TrapResult,
  type TrapKind,
  type RunResult,
  type SandboxOptions,
  type HostImports,
  type WasiOptions,
  instantiateInWorker,
  DEFAULT_RESOURCE_LIMITS,
  FUNCREF,
  EXTERNREF,
  SandboxPool,
  createPool,
  createMetrics,
  WasmHardenMetrics,
  type WorkerSandbox,
  type WorkerSandboxOptions,
  type WorkerMemory,
  type WorkerWasiOutput,
  type HostModuleContext,
  type PoolOptions,
  type PoolRunOptions,
  type PoolModule,
  type PoolResult,
  type PoolStats,
  type MetricsOptions,
  type MetricsRuntime,
  tuneEngine,
  engineTuned,
  TUNED_MAX_BODY_BYTES,
  HUGE_FUNCTION_FLAG,
  type EngineTuning,
} from './runtime/index.js';
