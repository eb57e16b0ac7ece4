// placeholder: replaced by the real validator in the next commit
import type { Issue } from '../issues.js';
import type { ModuleInfo } from '../binary/module-info.js';
import type { Policy, PolicyInput } from '../policy.js';

export type ValidationResult = { ok: true; module: ModuleInfo } | { ok: false; issues: Issue[] };

export function validate(_bytes: Uint8Array | ArrayBuffer, _policy?: PolicyInput | Policy): ValidationResult {
  throw new Error('not implemented yet');
}
