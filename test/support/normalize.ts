// Test shorthand: normalise a file and fail loudly on any rejected record.

import { expect } from 'vitest';
import type { Finding } from '../../schemas/finding.ts';
import { type NormalizeOptions, normalizeInput, type RecordOutcome } from '../../schemas/normalize.ts';
import { fingerprint } from '../../schemas/redaction.ts';
import { readManifest } from './corpus.ts';

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

/** A secret's fingerprint under the test key. */
export const fp = (value: string) => fingerprint(value, TEST_FINGERPRINT_KEY);

export const keysOf = (f: { identities: Array<{ key: string }> }) => f.identities.map((i) => i.key);

/** The formats `auto` chose for a file. */
export const formatsOf = (input: Buffer | string) =>
  new Set(outcomesOf(input, { format: 'auto' }).map((o) => o.format));

/** Ids that MANIFEST.tsv names in prose for a file: each must be in its row and among the extracted ids. */
export function namedIdsPresent(file: string, named: string[], ids: Set<string>): void {
  const row = readManifest().find((r) => r.file === file)!;
  for (const n of named) {
    expect(row.identities).toContain(n);
    expect(ids).toContain(n);
  }
}
