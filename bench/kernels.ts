/**
 * The execution-overhead kernels (`corpus/bench/*.wat`): what each one is, the argument the bench runs it
 * with, and helpers to compile and instantiate them. Shared by bench/execution.bench.ts (next to the built
 * dist/) and test/bench/kernels.test.ts (next to src/), so nothing here imports wasm-harden.
 *
 * Every kernel exports `run(n: i32) → i32`, a checksum of its work; `run` rebuilds every piece of state it
 * reads, so repeated calls on one instance return the same value.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const KERNEL_DIR = join(import.meta.dirname, '..', 'corpus', 'bench');

export interface Kernel {
  /** file name without `.wat` */
  name: string;
  /** what it exercises */
  what: string;
  /** what `n` means */
  unit: string;
  /**
   * the bench's argument (about 5–50 ms plain on a 2020s x86 core). matmul's n is not a power of two: a
   * 2 KiB row stride (n = 256) walks B's column through a few cache sets, and its time then measures
   * conflict misses, not code (there hardened ran 0.78× of plain).
   */
  n: number;
}

export const KERNELS: readonly Kernel[] = [
  { name: 'matmul', what: 'f64 matrix product, naive triple loop', unit: 'n×n matrices', n: 240 },
  { name: 'sort', what: 'recursive quicksort of i32 in linear memory', unit: 'elements', n: 200_000 },
  { name: 'crc32', what: 'table-driven CRC-32, a byte per iteration', unit: 'bytes', n: 4 * 1024 * 1024 },
  { name: 'sha256', what: 'SHA-256 compression, straight-line ALU rounds', unit: 'bytes', n: 2 * 1024 * 1024 },
  { name: 'fib', what: 'naive recursive Fibonacci (calls)', unit: 'fib(n)', n: 32 },
  { name: 'interp', what: 'bytecode VM, br_table dispatch', unit: 'VM loop iterations (12 instructions each)', n: 1_000_000 },
  { name: 'copy', what: 'i32 load/store copy loop, 32 MiB buffers (DRAM-bound)', unit: 'passes over 32 MiB', n: 4 },
];

export function kernelSource(name: string): string {
  return readFileSync(join(KERNEL_DIR, `${name}.wat`), 'utf8');
}

type Wabt = Awaited<ReturnType<typeof import('wabt')>>;
let wabtPromise: Promise<Wabt> | undefined;

/** Parses and validates a kernel's text with wabt (pinned at 1.0.39); returns the binary. */
export async function kernelBytes(name: string): Promise<Uint8Array> {
  const wabt = await (wabtPromise ??= import('wabt').then((m) => m.default()));
  const m = wabt.parseWat(`${name}.wat`, kernelSource(name), { sign_extension: true });
  try {
    m.validate();
    return new Uint8Array(m.toBinary({}).buffer);
  } finally {
    m.destroy();
  }
}

export interface KernelInstance {
  exports: Record<string, unknown>;
  run: (n: number) => number;
  /** the hardening globals, when the module is hardened */
  fuel?: { value: bigint };
  depth?: { value: number };
}

export async function instantiateKernel(bytes: Uint8Array): Promise<KernelInstance> {
  const { instance } = await WebAssembly.instantiate(bytes, {});
  const exports = instance.exports as Record<string, unknown>;
  const run = exports['run'];
  if (typeof run !== 'function') throw new Error('a kernel must export run(n)');
  const fuel = exports['__wasm_harden_fuel'] as { value: bigint } | undefined;
  const depth = exports['__wasm_harden_depth'] as { value: number } | undefined;
  return { exports, run: run as (n: number) => number, ...(fuel ? { fuel } : {}), ...(depth ? { depth } : {}) };
}
