/**
 * Later proposals the decoder recognises but cannot decode: it stops there with that proposal's
 * `forbidden.feature.*` code, and a message that names the proposal.
 */

import type { FeatureName } from '../policy.js';
import { PROPOSAL_NAMES } from './opcodes.js';
import { DecodeError } from './reader.js';

/**
 * `wasm2Text`, when given, is what Wasm 2.0 itself calls these bytes ("malformed import kind", "integer too
 * large", ...): the message starts with it, so it still reads as the spec's own rejection, and then names
 * the proposal.
 */
export function unsupportedProposal(feature: FeatureName, offset: number, what: string, wasm2Text?: string): never {
  const code = `forbidden.feature.${feature}` as const;
  const lead = wasm2Text ?? (feature === 'multi-memory' ? 'multiple memories' : `feature not enabled: ${feature}`);
  throw new DecodeError(code, `${lead}: ${what} needs the ${PROPOSAL_NAMES[feature]}`, offset);
}
