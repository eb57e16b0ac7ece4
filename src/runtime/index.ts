/**
 * The runtime: run hardened modules in-process with fuel budgets, classified traps and deny-by-default
 * imports (sandbox.ts), plus the contract types (types.ts).
 */
export { instantiate, HOST_CALL_WEIGHT, type Sandbox } from './sandbox.js';
export { MemoryAccess } from './memory-access.js';
export { InstantiationTrapError, SANDBOX_ISSUE_CODES, type SandboxIssueCode, type TrapResult } from './errors.js';
export { TRAP_MESSAGES, V8_TRAP_MESSAGES, kindOfV8Message } from './traps.js';
export { checkImportAllowed } from './host-imports.js';
export { TRAP_KINDS, type TrapKind, type RunResult, type SandboxOptions, type HostImports, type WasiOptions } from './types.js';
