// A finding's kind comes from the tool's structured fields (rule name, rule type, tactics), never from the free
// text of one alert, which an attacker can write: "leaked token" in a reason or description changes nothing.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Format } from '../../../schemas/finding.ts';
import { findingsOf } from '../../support/normalize.ts';

const FIXTURES = join(import.meta.dirname, '../../fixtures');
const BAIT = 'leaked token: hard-coded secret credentials exposed, password found in code';

function firstRecord(file: string): Record<string, unknown> {
  const text = readFileSync(join(FIXTURES, file), 'utf8');
  try {
    const doc = JSON.parse(text);
    return Array.isArray(doc) ? doc[0] : doc;
  } catch {
    return JSON.parse(text.split('\n').find((l) => l.trim())!);
  }
}

const CASES: Array<[Format, string, (r: Record<string, unknown>) => Record<string, unknown>]> = [
  [
    'elastic-alert',
    'elastic-alert/aws-cloudtrail-alerts.json',
    // A search response: the alert is the first hit's _source.
    (r) => {
      const hit = (r.hits as { hits: Array<{ _source: object }> }).hits[0]!;
      return { ...hit._source, 'kibana.alert.reason': BAIT };
    },
  ],
  [
    'splunk-notable',
    'splunk-notable/aws-notables-export.ndjson',
    (r) => ({ ...r, result: { ...(r.result as object), description: BAIT } }),
  ],
  ['sentinel', 'sentinel/securityalert-rows.ndjson', (r) => ({ ...r, Description: BAIT })],
];

describe('kind from structured fields only', () => {
  it.each(CASES)('%s: bait words in the alert text do not change the kind', (format, file, bait) => {
    const record = firstRecord(file);
    const plain = format === 'elastic-alert' ? (bait(record) as Record<string, unknown>) : record;
    if (format === 'elastic-alert') delete plain['kibana.alert.reason'];
    const before = findingsOf(JSON.stringify(plain), { format }).map((f) => f.kind);
    const after = findingsOf(JSON.stringify(bait(record)), { format }).map((f) => f.kind);
    expect(before.length).toBeGreaterThan(0);
    expect(before).not.toContain('exposed-secret');
    expect(after).toEqual(before);
  });
});
