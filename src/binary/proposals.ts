/**
 * Later proposals the decoder recognises but cannot decode: it stops there with that proposal's
 * `forbidden.feature.*` code, and a message that names the proposal.
 */

import type { FeatureName } from '../policy.js';
import { PROPOSAL_NAMES } from './opcodes.js';
import { DecodeError } from './reader.js';

export function unsupportedProposal(feature: FeatureName, offset: number, what: string): never {
  const code = `forbidden.feature.${feature}` as const;
  const message =
    feature === 'multi-memory'
      ? `multiple memories: ${what} needs the ${PROPOSAL_NAMES[feature]}, which is not enabled`
      : `feature not enabled: ${feature}: ${what} needs the ${PROPOSAL_NAMES[feature]}`;
  throw new DecodeError(code, message, offset);
}
