// Secrets in free text: canaries planted in the prose fields of SIEM and CSPM records (alert reasons, rule and
// finding descriptions, titles, messages) never come out of the normaliser, while the finding still does.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Format } from '../../../schemas/finding.ts';
import { canariesIn, makeCanaries, plantInFreeText } from '../../support/canaries.ts';
import { outcomesOf } from '../../support/normalize.ts';

const FIXTURES = join(import.meta.dirname, '../../fixtures');

function recordsOf(text: string): unknown[] {
  try {
    const doc = JSON.parse(text);
    return Array.isArray(doc) ? doc : [doc];
  } catch {
    return text
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l));
  }
}

/** This export's notables carry their prose only in _raw; ES also exports the rule's description field. */
function withRuleDescription(record: unknown): unknown {
  const r = record as { result: Record<string, unknown> };
  return { ...r, result: { ...r.result, rule_description: 'Access key used from a new country' } };
}

const CASES: Array<[Format, string]> = [
  ['elastic-alert', 'elastic-alert/aws-cloudtrail-alerts.json'],
  ['elastic-alert', 'elastic-alert/nested-alerts.ndjson'],
  ['splunk-notable', 'splunk-notable/aws-notables-export.ndjson'],
  ['sentinel', 'sentinel/incident-list.json'],
  ['sentinel', 'sentinel/securityalert-rows.ndjson'],
  ['asff', 'asff/controls-resolved-keys.json'],
  ['ocsf', 'ocsf/prowler-credentials.ocsf.json'],
  ['ocsf', 'ocsf/compliance-and-activity.jsonl'],
  ['cloudtrail', 'cloudtrail/records-risky.json'],
  ['guardduty', 'guardduty/bare-instance-credential-exfiltration.json'],
  ['google-scc', 'google-scc/list-findings-threat-sa.json'],
  ['wiz', 'wiz/issue-webhook.json'],
];

describe('canaries in SIEM and CSPM free text', () => {
  it.each(CASES)('%s (%s): no canary in any finding or rejection, findings still made', (format, file) => {
    const canaries = makeCanaries();
    const planted = recordsOf(readFileSync(join(FIXTURES, file), 'utf8')).map((r) =>
      plantInFreeText(format === 'splunk-notable' ? withRuleDescription(r) : r, canaries.prose),
    );
    const input = planted.map((r) => JSON.stringify(r)).join('\n');
    expect(canariesIn(input, canaries).length).toBe(Object.keys(canaries.values).length);
    const outcomes = outcomesOf(input, { format });
    const findings = outcomes.flatMap((o) => (o.ok ? o.findings : []));
    expect(findings.length).toBeGreaterThan(0);
    expect(canariesIn(JSON.stringify(outcomes), canaries)).toEqual([]);
    // The prose reached the output (redacted), so the check above is not vacuous.
    expect(JSON.stringify(findings)).toContain('[REDACTED]');
  });
});
