/**
 * The built-ins the runtime relies on, captured once when the runtime loads (DESIGN.md, convention 10), so
 * that a guest's host code, or anything else running later, cannot replace what the sandbox calls.
 */

export const MemoryCtor = WebAssembly.Memory;
export const TableCtor = WebAssembly.Table;
export const GlobalCtor = WebAssembly.Global;
export const hasOwn = Object.hasOwn;
export const freeze = Object.freeze;
export const arrayFrom = Array.from;
export const BigIntFn = BigInt;
