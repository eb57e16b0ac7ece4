/** Shared by the runtime tests: WAT → bytes (wabt), → hardened, → sandbox. */
import { harden, type HardenedModule } from '../../src/instrument/harden.js';
import type { PolicyInput } from '../../src/policy.js';
import { instantiate, type Sandbox } from '../../src/runtime/sandbox.js';
import type { SandboxOptions } from '../../src/runtime/types.js';

/** wabt features: the Wasm 2.0 set */
export const WAT_FEATURES = {
  mutable_globals: true,
  sat_float_to_int: true,
  sign_extension: true,
  multi_value: true,
  bulk_memory: true,
  reference_types: true,
  simd: true,
} as const;

type Wabt = Awaited<ReturnType<typeof import('wabt')>>;

export const wabt: Wabt = await (await import('wabt')).default();

export function wat(text: string): Uint8Array {
  const m = wabt.parseWat('test.wat', text, WAT_FEATURES);
  try {
    m.validate();
    return new Uint8Array(m.toBinary({}).buffer);
  } finally {
    m.destroy();
  }
}

/** Hardens WAT with `policy` (default: strict with the given imports allowed, and fuel 1e9). */
export async function hardenWat(text: string, policy: PolicyInput = {}): Promise<HardenedModule> {
  return harden(wat(text), { fuel: 1_000_000_000n, ...policy }, { binaryenCheck: false });
}

export async function sandboxOf(text: string, options: SandboxOptions = {}, policy: PolicyInput = {}): Promise<Sandbox> {
  return instantiate(await hardenWat(text, policy), options);
}

/** A WasmHardenError's first issue code, or what else was thrown. */
export async function codeOf(p: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof p === 'function' ? p() : p);
    return 'no error';
  } catch (e) {
    const issues = (e as { issues?: { code: string }[] }).issues;
    return issues?.[0]?.code ?? `${(e as Error).name}: ${(e as Error).message}`;
  }
}
