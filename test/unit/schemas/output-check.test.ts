// The normaliser's output check: cheap invariants on every finding, the full schema on a sample (every finding
// while a format warms up, then one in OUTPUT_CHECK_EVERY), everything once a format produced a bad one; and the
// property the sample relies on, checked here in full: every adapter's output over the corpus passes the schema.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Finding } from '../../../schemas/finding.ts';
import { normalizeInput } from '../../../schemas/normalize.ts';
import {
  invariantProblem,
  OUTPUT_CHECK_EVERY,
  OUTPUT_CHECK_WARMUP,
  OutputChecker,
} from '../../../schemas/output-check.ts';
import { corpusAvailable, corpusDir } from '../../support/corpus.ts';

const good = (n = 0): Finding => ({
  schemaVersion: 1,
  id: `f_${n.toString(16).padStart(32, '0')}`,
  source: { format: 'splunk-notable', product: 'Splunk ES', vendor: 'Splunk' },
  kind: 'anomalous-use',
  status: 'open',
  title: 't',
  severity: { label: 'low', score: 30 },
  time: '2026-01-01T00:00:00.000Z',
  identities: [{ key: 'aws:iam::123456789012:user/x', type: 'principal', provider: 'aws', aliases: [] }],
  resources: [],
  references: [],
  evidence: {},
});

describe('output check', () => {
  it('invariants: what the pipeline reads from every finding', () => {
    expect(Finding.safeParse(good()).success).toBe(true);
    expect(invariantProblem(good())).toBeUndefined();
    expect(invariantProblem({ ...good(), id: 'x' })).toBe('id');
    expect(invariantProblem({ ...good(), identities: [{}] })).toBe('identities');
    expect(invariantProblem({ ...good(), kind: 'other' })).toBe('kind');
    expect(invariantProblem({ ...good(), severity: { label: 'low', score: 101 } })).toBe('severity');
    expect(invariantProblem({ ...good(), time: 'yesterday' })).toBe('time');
    expect(invariantProblem({ ...good(), secret: { fingerprint: 'raw-secret' } })).toBe('secret');
  });

  it('a finding failing the invariants is refused whatever the sample', () => {
    const checker = new OutputChecker('sample');
    for (let i = 0; i < OUTPUT_CHECK_WARMUP + 10; i++) checker.problem('splunk-notable', [good(i)]);
    expect(checker.problem('splunk-notable', [{ ...good(), identities: 'x' }])).toMatch(/invalid finding/);
  });

  it('samples the full schema after the warm-up; a refusal makes the format checked in full', () => {
    const checker = new OutputChecker('sample');
    // Passes the invariants, fails the schema (an empty resource uid): caught while the format warms up.
    const subtle = { ...good(), resources: [{ uid: '' }] };
    expect(checker.problem('asff', [subtle])).toMatch(/resources\.0\.uid/);
    for (let i = 0; i < 3 * OUTPUT_CHECK_EVERY; i++)
      expect(checker.problem('asff', [good(i)])).toBeUndefined();
    expect(checker.fullChecks).toBe(1 + 3 * OUTPUT_CHECK_EVERY);

    const sampled = new OutputChecker('sample');
    for (let i = 0; i < OUTPUT_CHECK_WARMUP; i++) sampled.problem('wiz', [good(i)]);
    const before = sampled.fullChecks;
    for (let i = 0; i < 10 * OUTPUT_CHECK_EVERY; i++) sampled.problem('wiz', [good(i)]);
    expect(sampled.fullChecks - before).toBe(10);
    expect(new OutputChecker('all').problem('wiz', [subtle])).toMatch(/resources\.0\.uid/);
    // A finding the boundary rewrote (the slow path) is checked in full even where the sample would skip it.
    const warm = new OutputChecker('sample');
    for (let i = 0; i < OUTPUT_CHECK_WARMUP + 1; i++) warm.problem('sentinel', [good(i)]);
    expect(warm.problem('sentinel', [subtle], [false])).toBeUndefined();
    expect(warm.problem('sentinel', [subtle], [true])).toMatch(/resources\.0\.uid/);
  });

  it.skipIf(!corpusAvailable())('every adapter output over the corpus passes the full schema', () => {
    const files = (dir: string): string[] =>
      readdirSync(dir).flatMap((name) => {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) return files(path);
        return /\.(json|jsonl|ndjson|sarif)$/.test(name) ? [path] : [];
      });
    let findings = 0;
    for (const file of files(corpusDir)) {
      for (const o of normalizeInput(readFileSync(file), { format: 'auto', fingerprintKey: 'k' })) {
        if (!o.ok) continue;
        for (const f of o.findings) {
          expect(Finding.safeParse(f).error?.issues ?? [], file).toEqual([]);
          findings++;
        }
      }
    }
    expect(findings).toBeGreaterThan(0);
  });
});
