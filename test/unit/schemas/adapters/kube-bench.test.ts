import { describe, expect, it } from 'vitest';
import { kubeBenchAdapter } from '../../../../schemas/adapters/kube-bench.ts';
import { corpusAvailable, corpusFile, fixtureFile, readManifest } from '../../../support/corpus.ts';
import { findingsOf, outcomesOf } from '../../../support/normalize.ts';

const CORPUS = 'cspm-other/kube-bench-result.json';

/** The tool writes no timestamp: the epoch marks it unknown unless the boundary says when the input arrived. */
const UNKNOWN_TIME = '1970-01-01T00:00:00.000Z';

describe.runIf(corpusAvailable())('kube-bench corpus: cmd/testdata/result.json', () => {
  const input = corpusFile(CORPUS);
  const outcomes = outcomesOf(input, { format: 'auto' });
  const findings = findingsOf(input, { format: 'auto' });

  it('auto-detects kube-bench, one record per Controls object', () => {
    expect(outcomes.map((o) => o.format)).toEqual(['kube-bench', 'kube-bench', 'kube-bench']);
  });

  it('PASS results are skipped; the manual WARN is an info finding', () => {
    expect(findings).toHaveLength(1);
    const [f] = findings;
    expect(f!.title).toBe('Client certificate authentication should not be used for users (Not Scored)');
    expect(f!.kind).toBe('misconfiguration');
    expect(f!.severity).toEqual({ label: 'info', score: 10 });
    expect(f!.status).toBe('open');
    expect(f!.time).toBe(UNKNOWN_TIME);
    expect(f!.identities).toEqual([]);
    expect(f!.resources).toEqual([
      { uid: 'kubernetes/controlplane', type: 'k8s-node-type', name: 'controlplane' },
    ]);
    expect(f!.references).toEqual([{ kind: 'control', id: 'CIS Kubernetes 1.5 3.1.1' }]);
    expect(f!.evidence).toMatchObject({ result: 'WARN', scored: false, checkType: 'manual' });
  });

  it('names no identities, as the manifest says', () => {
    expect(readManifest().find((r) => r.file === CORPUS)!.identities).toMatch(/^none/);
    expect(findings.flatMap((f) => f.identities)).toEqual([]);
  });

  it('never copies audit commands or actual values', () => {
    const all = JSON.stringify(findings);
    expect(all).not.toContain('/bin/ps');
    expect(all).not.toContain('--cert-file');
  });
});

describe('kube-bench fixture: CIS 1.8 node and policies', () => {
  const findings = findingsOf(fixtureFile('kube-bench/cis-1.8-results.json'), { format: 'auto' });
  const byTest = new Map(findings.map((f) => [f.source.nativeId, f]));

  it('FAIL and WARN are findings; PASS and INFO are not', () => {
    expect([...byTest.keys()]).toEqual(['4.2.1', '5.1.1', '5.1.6', '5.1.8']);
  });

  it('FAIL → medium whether scored or not; WARN → info', () => {
    expect(byTest.get('4.2.1')!.severity).toEqual({ label: 'medium', score: 50 });
    expect(byTest.get('5.1.8')!.severity).toEqual({ label: 'medium', score: 50 });
    expect(byTest.get('5.1.8')!.evidence.scored).toBe(false);
    expect(byTest.get('5.1.6')!.severity).toEqual({ label: 'info', score: 10 });
  });

  it('RBAC privilege checks are excess-privilege, the rest misconfiguration', () => {
    expect(byTest.get('4.2.1')!.kind).toBe('misconfiguration');
    expect(byTest.get('5.1.1')!.kind).toBe('excess-privilege');
    expect(byTest.get('5.1.8')!.kind).toBe('excess-privilege');
    expect(byTest.get('5.1.6')!.kind).toBe('misconfiguration');
  });

  it('never copies actual_value (a kubelet command line with a token)', () => {
    expect(JSON.stringify(findings)).not.toContain('0123456789abcdef0123456789abcdef');
  });
});

describe('kube-bench edge cases', () => {
  const control = {
    id: '1',
    version: 'cis-1.8',
    text: 'Control Plane',
    node_type: 'master',
    tests: [
      {
        section: '1.1',
        desc: 'Files',
        results: [{ test_number: '1.1.1', test_desc: 'perm', status: 'FAIL', scored: true }],
      },
    ],
  };

  it('a single Controls object is a record of its own', () => {
    expect(outcomesOf(JSON.stringify(control), { format: 'auto' }).map((o) => o.format)).toEqual([
      'kube-bench',
    ]);
  });

  it('wrong types are a typed rejection with a readable reason', () => {
    const bad = {
      Controls: [{ ...control, tests: [{ results: [{ test_number: 111, status: 'FAIL' }] }] }],
      Totals: {},
    };
    const [o] = outcomesOf(JSON.stringify(bad), { format: 'auto' });
    expect(o).toMatchObject({ ok: false, format: 'kube-bench' });
    expect(o!.ok ? '' : o!.reason).toBe(
      'not a valid kube-bench control record: tests.0.results.0.test_number: Invalid input: expected string, received number',
    );
  });

  it('tolerates unknown extra fields; ids are stable and distinct per node type', () => {
    const a = findingsOf(JSON.stringify({ ...control, extra: 1 }))[0]!;
    const b = findingsOf(JSON.stringify({ ...control, node_type: 'node' }))[0]!;
    expect(findingsOf(JSON.stringify(control))[0]!.id).toBe(a.id);
    expect(a.id).not.toBe(b.id);
  });

  it('does not claim checkov reports', () => {
    expect(kubeBenchAdapter.detect({ check_type: 'terraform', results: { failed_checks: [] } })).toBe(false);
    expect(kubeBenchAdapter.detect({ id: 'x', tests: [] })).toBe(false);
  });
});

describe.runIf(corpusAvailable())('kube-bench without timestamps', () => {
  it('takes the time the input arrived when the boundary knows it', () => {
    const receivedAt = '2026-11-02T03:04:05.000Z';
    const findings = findingsOf(corpusFile(CORPUS), { format: 'kube-bench', receivedAt });
    expect(findings.map((f) => f.time)).toEqual(findings.map(() => receivedAt));
  });
});
