// Test shorthand: normalise a file and fail loudly on any rejected record.

import type { Finding } from '../../schemas/finding.ts';
import { type NormalizeOptions, normalizeInput, type RecordOutcome } from '../../schemas/normalize.ts';

export const TEST_FINGERPRINT_KEY = 'test-fingerprint-key';

export function outcomesOf(input: Uint8Array | string, opts: NormalizeOptions = {}): RecordOutcome[] {
  return normalizeInput(input, { fingerprintKey: TEST_FINGERPRINT_KEY, ...opts });
}

export function findingsOf(input: Uint8Array | string, opts: NormalizeOptions = {}): Finding[] {
  const outcomes = outcomesOf(input, opts);
  const rejected = outcomes.filter((o) => !o.ok);
  if (rejected.length)
    throw new Error(`rejected: ${rejected.map((r) => (r.ok ? '' : r.reason)).join(' | ')}`);
  return outcomes.flatMap((o) => (o.ok ? o.findings : []));
}
