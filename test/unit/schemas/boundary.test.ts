// The normaliser boundary's own rules, independent of any one format.
import { describe, expect, it } from 'vitest';
import type { Adapter } from '../../../schemas/adapters/adapter.ts';
import { buildFinding } from '../../../schemas/adapters/build.ts';
import { normalizeWith } from '../../../schemas/normalize.ts';
import { fingerprint, maskSecret, REDACTED } from '../../../schemas/redaction.ts';
import { outcomesOf } from '../../support/normalize.ts';

/** An adapter that copies its "secret" everywhere it should not — the boundary must still keep it out. */
const careless: Adapter = {
  format: 'sarif',
  signature: 'test',
  detect: () => true,
  records: (doc) => [doc],
  variant: () => 'test',
  normalize(record, ctx) {
    const secret = (record as { secret: string }).secret;
    ctx.secrets.add(secret);
    return [
      buildFinding({
        id: 'f_0123456789abcdef0123456789abcdef',
        source: { format: 'sarif', product: 'test', vendor: 'test' },
        kind: 'exposed-secret',
        title: `found ${secret} in config`,
        severity: { label: 'high', score: 75 },
        time: '2026-11-01T00:00:00.000Z',
        evidence: { line: `password=${secret}` },
        secret: {
          detector: 'test',
          fingerprint: fingerprint(secret, ctx.fingerprintKey),
          hint: maskSecret(secret),
        },
      }),
    ];
  },
};

describe('normaliser boundary', () => {
  it('scrubs a secret the adapter copied into text fields', () => {
    const outcome = normalizeWith(
      careless,
      { secret: 'hunter2-very-secret' },
      { fingerprintKey: 'k' },
      { line: 1, record: 0 },
    );
    expect(outcome.ok).toBe(true);
    const text = JSON.stringify(outcome);
    expect(text).not.toContain('hunter2-very-secret');
    expect(text).toContain(`found ${REDACTED} in config`);
  });

  it('never scrubs its own ids, times and fingerprints, even when a secret looks like part of them', () => {
    const outcome = normalizeWith(
      careless,
      { secret: '0123456789abcdef' },
      { fingerprintKey: 'k' },
      { line: 1, record: 0 },
    );
    expect(outcome).toMatchObject({
      ok: true,
      findings: [{ id: 'f_0123456789abcdef0123456789abcdef', time: '2026-11-01T00:00:00.000Z' }],
    });
    const outcome2 = normalizeWith(
      careless,
      { secret: '2026-11-01' },
      { fingerprintKey: 'k' },
      { line: 1, record: 0 },
    );
    expect(outcome2).toMatchObject({ ok: true, findings: [{ time: '2026-11-01T00:00:00.000Z' }] });
  });

  it('an empty array is an empty report, not an error', () => {
    expect(outcomesOf('[]')).toEqual([]);
    expect(outcomesOf('[]', { format: 'gitleaks' })).toEqual([]);
  });

  it('an unknown shape names what was looked for', () => {
    const [outcome] = outcomesOf('{"hello":"world"}');
    expect(outcome).toMatchObject({ ok: false });
    expect(outcome?.ok === false && outcome.reason).toMatch(
      /unknown input shape; looked for: .*asff.*gitleaks/,
    );
  });
});
