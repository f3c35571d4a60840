import { describe, expect, it } from 'vitest';
import { UNKNOWN_TIME } from '../../../../schemas/adapters/secret-common.ts';
import { trivyAdapter } from '../../../../schemas/adapters/trivy.ts';
import { corpusAvailable, corpusFile, fixtureFile, identifiersOf } from '../../../support/corpus.ts';
import { findingsOf, formatsOf, keysOf, namedIdsPresent, outcomesOf } from '../../../support/normalize.ts';

describe.runIf(corpusAvailable())('trivy corpus: secrets golden file', () => {
  const file = 'trivy/trivy-secrets.json';
  const input = corpusFile(file);
  const findings = findingsOf(input, { format: 'auto' });
  const [aws, custom] = findings;

  it('auto-detects trivy; one finding per secret', () => {
    expect(formatsOf(input)).toEqual(new Set(['trivy']));
    expect(findings).toHaveLength(2);
    expect(findings.every((f) => f.kind === 'exposed-secret' && f.status === 'open')).toBe(true);
  });

  it("trivy's own severity; CreatedAt with a 9-digit fraction", () => {
    expect(aws!.severity).toEqual({ label: 'critical', score: 95 });
    expect(custom!.severity).toEqual({ label: 'high', score: 75 });
    expect(findings.every((f) => f.time === '2021-08-25T12:20:30.000Z')).toBe(true);
  });

  it('the value is masked by trivy: location fingerprint, hint from the mask length', () => {
    expect(aws!.secret).toMatchObject({ detector: 'aws-access-key-id', hint: '…(20)' });
    expect(custom!.secret).toMatchObject({ detector: 'mysecret', hint: '…(8)' });
    expect(keysOf(aws!)).toEqual([expect.stringMatching(/^secret:aws:[0-9a-f]{16}$/)]);
    expect(keysOf(custom!)).toEqual([expect.stringMatching(/^secret:generic:[0-9a-f]{16}$/)]);
  });

  it('unmasked context lines (a token on a neighbouring line) and Match are never copied', () => {
    const out = JSON.stringify(findings);
    expect(out).not.toContain('ghp_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ');
    expect(out).not.toContain('AWS_ACCESS_KEY_ID=');
    expect(out).not.toContain('****');
  });

  it('location, resources and manifest ids', () => {
    expect(aws!.location).toEqual({ repo: 'testdata/fixtures/repo/secrets', file: 'deploy.sh', line: 3 });
    expect(aws!.resources).toEqual([
      { uid: 'deploy.sh', type: 'file', name: 'deploy.sh' },
      { uid: 'testdata/fixtures/repo/secrets', type: 'repository', name: 'testdata/fixtures/repo/secrets' },
    ]);
    namedIdsPresent(file, ['deploy.sh', 'aws-access-key-id', 'mysecret'], identifiersOf(findings));
  });
});

describe.runIf(corpusAvailable())('trivy corpus: DefectDojo misconfigurations and secrets', () => {
  const file = 'trivy/defectdojo-misconfigurations-and-secrets.json';
  const input = corpusFile(file);
  const findings = findingsOf(input, { format: 'auto' });

  it('vulnerabilities are not read; the misconfiguration and both secrets are', () => {
    expect(formatsOf(input)).toEqual(new Set(['trivy']));
    expect(findings.map((f) => [f.kind, f.title, f.severity.label])).toEqual([
      ['misconfiguration', "Image user should not be 'root'", 'high'],
      ['exposed-secret', 'GitHub Personal Access Token exposed in Dockerfile', 'critical'],
      ['exposed-secret', 'GitHub Personal Access Token exposed in secret.txt', 'critical'],
    ]);
    expect(JSON.stringify(findings)).not.toContain('CVE-2021-33503');
  });

  it('no CreatedAt and a zero-time image config: time unknown', () => {
    expect(findings.every((f) => f.time === UNKNOWN_TIME && f.evidence.timeUnknown === true)).toBe(true);
  });

  it('the misconfiguration keeps its check id, url and resolution', () => {
    const m = findings[0]!;
    expect(m.identities).toEqual([]);
    expect(m.references).toEqual([
      { kind: 'control', id: 'DS002' },
      { kind: 'url', id: 'https://avd.aquasec.com/misconfig/ds002' },
    ]);
    expect(m.evidence).toMatchObject({ check: 'DS002', status: 'FAIL', location: 'Dockerfile' });
  });

  it('two github-pat secrets in two files are two identities', () => {
    const [, a, b] = findings;
    expect(keysOf(a!)[0]).toMatch(/^secret:github:/);
    expect(keysOf(a!)).not.toEqual(keysOf(b!));
    expect(a!.identities[0]!.provider).toBe('github');
    namedIdsPresent(file, ['Dockerfile', 'secret.txt', 'github-pat'], identifiersOf(findings));
  });
});

describe('trivy fixture: terraform config scan', () => {
  const findings = findingsOf(fixtureFile('trivy/config-terraform.json'), { format: 'auto' });

  it('PASS → passed; wildcards → excess-privilege; EXCEPTION → suppressed stale-credential', () => {
    expect(findings.map((f) => [f.source.nativeId, f.kind, f.status, f.severity.label])).toEqual([
      ['AVD-AWS-0057', 'excess-privilege', 'open', 'high'],
      ['AVD-AWS-0143', 'excess-privilege', 'passed', 'low'],
      ['AVD-AWS-0146', 'stale-credential', 'suppressed', 'low'],
    ]);
  });

  it('CreatedAt with a zone offset and nanoseconds', () => {
    expect(findings[0]!.time).toBe('2024-06-03T07:41:12.482Z');
  });

  it('the IaC resource and line', () => {
    expect(findings[0]!.resources).toContainEqual({
      uid: 'aws_iam_policy.ci_deployer',
      type: 'iam',
      name: 'aws_iam_policy.ci_deployer',
    });
    expect(findings[0]!.location).toEqual({ file: 'iam.tf', line: 12 });
    expect(findings[0]!.description).toBe("IAM policy document uses wildcarded action 's3:*'");
  });
});

describe('trivy fixture: k8s cluster report', () => {
  const findings = findingsOf(fixtureFile('trivy/k8s-cluster.json'), { format: 'auto' });
  const [role, secret] = findings;

  it('an RBAC Role is an identity: k8s:role:<cluster>/<namespace>/<name>', () => {
    expect(role!.kind).toBe('excess-privilege');
    expect(keysOf(role!)).toEqual(['k8s:role:prod-eu-1/payments/secret-reader']);
    expect(role!.references).toContainEqual({ kind: 'control', id: 'AVD-KSV-0041' });
  });

  it('a secret in a Deployment image layer: the workload is a resource, the layer is evidence', () => {
    expect(secret!.kind).toBe('exposed-secret');
    expect(secret!.resources.map((r) => r.uid)).toEqual([
      '/app/.env',
      'prod-eu-1',
      'payments/Deployment/billing-api',
    ]);
    expect(secret!.evidence.layer).toMatch(/^sha256:/);
    expect(secret!.secret!.hint).toBe('…(46)');
  });
});

describe('trivy edge cases', () => {
  const item = {
    Target: 'app/.env',
    Class: 'secret',
    ArtifactName: 'repo',
    ArtifactType: 'repository',
    CreatedAt: '2024-01-01T00:00:00Z',
    Secret: {
      RuleID: 'generic-token',
      Severity: 'MEDIUM',
      Title: 'Token',
      StartLine: 2,
      EndLine: 2,
      Match: 'TOKEN=********',
    },
  };

  it('one item (a Kafka message) maps to itself; a bare Result is unwrapped', () => {
    expect(trivyAdapter.records(item)).toEqual([item]);
    const result = { Target: 'a.env', Class: 'secret', Secrets: [item.Secret, item.Secret] };
    expect(trivyAdapter.records(result)).toHaveLength(2);
    expect(findingsOf(JSON.stringify(item), { format: 'auto' })[0]!.source.format).toBe('trivy');
  });

  it('wrong types are a typed rejection with a readable reason; extra fields are tolerated', () => {
    const [bad] = outcomesOf(JSON.stringify({ ...item, Secret: { ...item.Secret, StartLine: '2' } }), {
      format: 'trivy',
    });
    expect(bad!.ok).toBe(false);
    expect(bad!.ok ? '' : bad!.reason).toMatch(/^not a valid trivy record: Secret\.StartLine: /);
    expect(
      findingsOf(JSON.stringify({ ...item, Fresh: 1, Secret: { ...item.Secret, Fresh: 2 } }), {
        format: 'auto',
      }),
    ).toHaveLength(1);
  });

  it('a clean report (trivy omits Results) or an empty one has no records and no rejection', () => {
    const clean = {
      SchemaVersion: 2,
      CreatedAt: '2024-01-01T00:00:00Z',
      ArtifactName: '.',
      ArtifactType: 'filesystem',
      Metadata: {},
    };
    expect(outcomesOf(JSON.stringify(clean), { format: 'auto' })).toEqual([]);
    expect(
      outcomesOf(JSON.stringify({ SchemaVersion: 2, ArtifactName: '.', Results: [] }), { format: 'auto' }),
    ).toEqual([]);
  });

  it('SchemaVersion 1 (a bare array of Results) is read too', () => {
    const v1 = [
      {
        Target: 'Dockerfile',
        Class: 'config',
        Type: 'dockerfile',
        Misconfigurations: [{ ID: 'DS002', Title: 'root user', Severity: 'HIGH', Status: 'FAIL' }],
      },
    ];
    const [f, ...rest] = findingsOf(JSON.stringify(v1), { format: 'auto' });
    expect(rest).toEqual([]);
    expect(f!.source.format).toBe('trivy');
    expect(f!.kind).toBe('misconfiguration');
  });

  it('does not claim other formats', () => {
    expect(trivyAdapter.detect({ Findings: [{ SchemaVersion: '2018-10-08' }] })).toBe(false);
    expect(trivyAdapter.detect([{ RuleID: 'x', Secret: 'y', File: 'z', StartLine: 1 }])).toBe(false);
  });
});
