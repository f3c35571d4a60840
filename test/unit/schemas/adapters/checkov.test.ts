import { describe, expect, it } from 'vitest';
import { checkovAdapter } from '../../../../schemas/adapters/checkov.ts';
import { fingerprint } from '../../../../schemas/redaction.ts';
import {
  corpusAvailable,
  corpusFile,
  fixtureFile,
  identifiersOf,
  readManifest,
} from '../../../support/corpus.ts';
import { findingsOf, formatsOf, outcomesOf, TEST_FINGERPRINT_KEY } from '../../../support/normalize.ts';

const CORPUS = 'cspm-other/defectdojo-checkov-many.json';

/** The tool writes no timestamp: the epoch marks it unknown unless the boundary says when the input arrived. */
const UNKNOWN_TIME = '1970-01-01T00:00:00.000Z';

describe.runIf(corpusAvailable())('checkov corpus: defectdojo single-framework report', () => {
  const input = corpusFile(CORPUS);
  const findings = findingsOf(input, { format: 'auto' });

  it('auto-detects checkov', () => {
    expect(formatsOf(input)).toEqual(new Set(['checkov']));
  });

  it('emits all 3 failed_checks although summary.failed says 2', () => {
    expect(findings).toHaveLength(3);
    expect(findings.map((f) => f.source.nativeId)).toEqual(['CKV_AZURE_41', 'CKV_AZURE_42', 'CKV_AZURE_43']);
    expect(new Set(findings.map((f) => f.id)).size).toBe(3);
  });

  it('maps kind, severity (none in 1.0.467 → medium), status, time, resource and location', () => {
    for (const f of findings) {
      expect(f.kind).toBe('misconfiguration');
      expect(f.severity).toEqual({ label: 'medium', score: 50 });
      expect(f.status).toBe('open');
      expect(f.time).toBe(UNKNOWN_TIME);
      expect(f.identities).toEqual([]);
      expect(f.resources).toEqual([{ uid: 'azurerm_key_vault.main', type: 'azurerm_key_vault' }]);
      expect(f.location).toEqual({ file: 'file_path', line: 1 });
      expect(f.references[0]).toEqual({ kind: 'rule', id: f.source.nativeId });
    }
  });

  it('extracts every id the manifest names', () => {
    const row = readManifest().find((r) => r.file === CORPUS)!;
    expect(row.identities).toContain('azurerm_key_vault.main');
    expect(identifiersOf(findings)).toContain('azurerm_key_vault.main');
  });
});

describe('checkov fixture: multi-framework array (terraform, kubernetes, secrets)', () => {
  const input = fixtureFile('checkov/multi-framework.json');
  const findings = findingsOf(input, { format: 'auto' });
  const byCheck = new Map(findings.map((f) => [f.source.nativeId, f]));

  it('auto-detects; passed and skipped checks are not findings', () => {
    expect(formatsOf(input)).toEqual(new Set(['checkov']));
    expect([...byCheck.keys()]).toEqual([
      'CKV_AWS_1',
      'CKV_AWS_41',
      'CKV_K8S_49',
      'CKV_K8S_38',
      'CKV_SECRET_2',
      'CKV_SECRET_6',
    ]);
  });

  it('maps kinds and severities (tool severity when present)', () => {
    expect(byCheck.get('CKV_AWS_1')).toMatchObject({
      kind: 'excess-privilege',
      severity: { label: 'medium', score: 50 },
    });
    expect(byCheck.get('CKV_AWS_41')).toMatchObject({
      kind: 'exposed-secret',
      severity: { label: 'high', score: 75 },
    });
    expect(byCheck.get('CKV_K8S_49')).toMatchObject({ kind: 'excess-privilege' });
    expect(byCheck.get('CKV_K8S_38')).toMatchObject({
      kind: 'misconfiguration',
      severity: { label: 'low', score: 30 },
    });
    expect(byCheck.get('CKV_SECRET_2')).toMatchObject({
      kind: 'exposed-secret',
      severity: { label: 'high', score: 75 },
    });
  });

  it('Kubernetes ServiceAccount/ClusterRole resources are identities', () => {
    expect(byCheck.get('CKV_K8S_49')!.identities.map((i) => [i.key, i.type])).toEqual([
      ['k8s:clusterrole:ci-deployer', 'k8s-role'],
    ]);
    expect(byCheck.get('CKV_K8S_38')!.identities.map((i) => [i.key, i.type])).toEqual([
      ['k8s:serviceaccount:build/ci-deployer', 'k8s-service-account'],
    ]);
  });

  it('secret checks: fingerprint of checkov’s own secret hash, masked hint, never the code line', () => {
    const aws = byCheck.get('CKV_SECRET_2')!;
    const fp = fingerprint('25910f981e85ca04baf359199dd0bd4a3ae738b6', TEST_FINGERPRINT_KEY);
    expect(aws.secret).toEqual({ detector: 'AWS Access Key', fingerprint: fp, hint: 'AKIA…' });
    expect(aws.identities.map((i) => i.key)).toEqual([`secret:aws-access-key:${fp.slice(0, 16)}`]);
    expect(aws.location).toEqual({ file: '/scripts/deploy.sh', line: 3 });
    // "<commit>:<hash>" resources: only the hash is fingerprinted.
    const b64 = byCheck.get('CKV_SECRET_6')!;
    expect(b64.secret!.fingerprint).toBe(
      fingerprint('5f3a1c0b9e8d7f6a5b4c3d2e1f0a9b8c7d6e5f4a', TEST_FINGERPRINT_KEY),
    );
  });

  it('IaC credential checks: access key ids are read (a sample id as a resource), secret values never leave', () => {
    const provider = byCheck.get('CKV_AWS_41')!;
    // The fixture's key id is AWS's documentation placeholder: a resource, never an identity (aws-id-check.ts).
    expect(provider.identities.map((i) => i.type)).toEqual(['secret']);
    expect(provider.resources).toContainEqual({ uid: 'AKIAIOSFODNN7EXAMPLE', type: 'aws-sample-id' });
    expect(provider.secret?.detector).toBe('CKV_AWS_41');
    expect(provider.location).toEqual({ file: '/providers.tf', line: 1 });
    const all = JSON.stringify(findings);
    for (const leaked of ['wJalrXUtnFEMI', 'c2VjcmV0LXRva2Vu', 'AKIAIO*', 'code_block', '[REDACTED]'])
      expect(all).not.toContain(leaked);
  });
});

describe('checkov edge cases', () => {
  const check = {
    check_id: 'CKV_AWS_20',
    check_name: 'S3 Bucket has an ACL defined which allows public READ access.',
    check_result: { result: 'FAILED' },
    file_path: '/s3.tf',
    file_line_range: [1, 8],
    resource: 'aws_s3_bucket.public',
  };

  it('a bare failed check is one record; an empty report gives no findings', () => {
    expect(findingsOf(JSON.stringify(check), { format: 'auto' })).toHaveLength(1);
    expect(checkovAdapter.detect(JSON.parse(fixtureFile('checkov/empty-report.json').toString('utf8')))).toBe(
      true,
    );
    expect(outcomesOf(fixtureFile('checkov/empty-report.json'), { format: 'auto' })).toEqual([]);
  });

  it('checkov 2 benchmarks become control references; "parsingerrors"-style empty reports are claimed', () => {
    const [f] = findingsOf(
      JSON.stringify({
        ...check,
        severity: 'HIGH',
        bc_category: 'Public',
        benchmarks: { 'CIS GCP V1.1': [{ name: '5.1', description: 'x' }], ISO27001: [{ name: 'A.8.2.3' }] },
      }),
    );
    expect(f!.references).toEqual([
      { kind: 'rule', id: 'CKV_AWS_20' },
      { kind: 'control', id: 'CIS GCP V1.1 5.1' },
      { kind: 'control', id: 'ISO27001 A.8.2.3' },
    ]);
    expect(f!.severity).toEqual({ label: 'high', score: 75 });
    expect(f!.evidence.category).toBe('Public');
    const empty = {
      passed: 0,
      failed: 0,
      skipped: 0,
      parsingerrors: 0,
      resourcecount: 0,
      checkov_version: '2.1.269',
    };
    expect(outcomesOf(JSON.stringify(empty), { format: 'auto' })).toEqual([]);
  });

  it('wrong types are a typed rejection with a readable reason', () => {
    const report = {
      check_type: 'terraform',
      results: { failed_checks: [{ ...check, file_line_range: 'one' }] },
    };
    const [o] = outcomesOf(JSON.stringify(report), { format: 'auto' });
    expect(o).toMatchObject({ ok: false, format: 'checkov' });
    expect(o!.ok ? '' : o!.reason).toBe(
      'not a valid checkov failed check record: file_line_range: Invalid input: expected array, received string',
    );
  });

  it('tolerates unknown extra fields and null severities', () => {
    const [f] = findingsOf(
      JSON.stringify({ ...check, severity: null, brand_new: { x: [1] }, code_block: [[1, 'x', 'extra']] }),
    );
    expect(f!.severity.label).toBe('medium');
  });

  it('same check in two files gives two ids; same input the same id', () => {
    const a = findingsOf(JSON.stringify(check))[0]!;
    const b = findingsOf(JSON.stringify({ ...check, file_path: '/other.tf' }))[0]!;
    expect(a.id).not.toBe(b.id);
    expect(findingsOf(JSON.stringify(check))[0]!.id).toBe(a.id);
  });

  it('does not claim kube-bench or SARIF documents', () => {
    expect(checkovAdapter.detect({ Controls: [], Totals: {} })).toBe(false);
    expect(checkovAdapter.detect({ version: '2.1.0', runs: [] })).toBe(false);
  });
});
