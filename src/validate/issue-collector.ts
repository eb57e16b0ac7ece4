/**
 * Collects issues across the phases of one `validate` call, in order, up to a cap, and turns internal
 * `DecodeError`s into `Issue`s.
 */

import { DecodeError } from '../binary/reader.js';
import { DECODER_LIMITS } from '../limits.js';
import { phaseOf, type Issue, type IssueCode } from '../issues.js';

export class IssueCollector {
  readonly issues: Issue[] = [];
  private readonly seen = new Set<string>();

  add(code: IssueCode, message: string, offset: number, path?: string): void {
    if (this.issues.length >= DECODER_LIMITS.maxIssues) return;
    // one report per code and place is enough (a feature used a thousand times is one decision)
    const key = `${code}@${offset}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    const issue: Issue = path === undefined ? { code, message, offset } : { code, message, offset, path };
    this.issues.push(issue);
  }

  addError(e: DecodeError, path?: string): void {
    this.add(e.code, e.message, e.offset, path);
  }

  count(phase: 'malformed' | 'invalid' | 'forbidden'): number {
    let n = 0;
    for (const i of this.issues) if (phaseOf(i.code) === phase) n++;
    return n;
  }

  get full(): boolean {
    return this.issues.length >= DECODER_LIMITS.maxIssues;
  }
}

/** Runs `fn`; a `DecodeError` it throws is recorded (with `path`) instead of propagating. */
export function recording(collector: IssueCollector, path: string | undefined, fn: () => void): boolean {
  try {
    fn();
    return true;
  } catch (e) {
    if (e instanceof DecodeError) {
      collector.addError(e, path);
      return false;
    }
    throw e;
  }
}
