import { describe, expect, it } from 'vitest';
import { scoutsuiteAdapter, scoutsuiteKind } from '../../../../schemas/adapters/scoutsuite.ts';
import { fixtureFile } from '../../../support/corpus.ts';
import { findingsOf, outcomesOf } from '../../../support/normalize.ts';

describe('scoutsuite fixture: AWS results (scoutsuite_results = {...})', () => {
  const input = fixtureFile('scoutsuite/aws-results.js.txt');
  const outcomes = outcomesOf(input, { format: 'auto' });
  const findings = findingsOf(input, { format: 'auto' });
  const byRule = new Map(findings.map((f) => [String(f.evidence.rule), f]));

  it('auto-detects scoutsuite after the JS prefix is stripped; one finding per flagged rule', () => {
    expect(new Set(outcomes.map((o) => o.format))).toEqual(new Set(['scoutsuite']));
    expect([...byRule.keys()].sort()).toEqual([
      'ec2-instance-with-user-data-secrets',
      'iam-assume-role-policy-allows-all',
      'iam-managed-policy-allows-full-privileges',
      'iam-password-policy-minimum-length',
      'iam-user-no-Active-key-rotation',
      's3-bucket-no-default-encryption',
    ]); // iam-user-without-mfa flagged nothing: compliant, not a finding
  });

  it('resolves iam.users.<id>.AccessKeys.<n> to the user ARN and its access key', () => {
    const f = byRule.get('iam-user-no-Active-key-rotation')!;
    // The access key id is AWS's documentation placeholder: a resource, never an identity (aws-id-check.ts).
    expect(f.resources).toContainEqual({ uid: 'AKIAI44QH8DHBEXAMPLE', type: 'aws-sample-id' });
    expect(f.identities).toEqual([
      {
        key: 'arn:aws:iam::123456789012:user/ci/ci-deploy',
        type: 'aws-user',
        provider: 'aws',
        account: '123456789012',
        name: 'ci-deploy',
        aliases: ['AIDAXXXXXXXXBBBBBBBBB'],
      },
    ]);
    expect(f.kind).toBe('stale-credential');
    expect(f.severity).toEqual({ label: 'high', score: 75 }); // danger
    expect(f.time).toBe('2024-06-14T22:51:27.000Z');
    expect(f.cloud).toEqual({ provider: 'aws', account: '123456789012' });
    expect(f.references).toEqual([
      { kind: 'rule', id: 'iam-user-no-Active-key-rotation' },
      { kind: 'control', id: 'CIS Amazon Web Services Foundations 1.2.0 1.4' },
      {
        kind: 'url',
        id: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#rotate-credentials',
      },
    ]);
  });

  it('roles are identities, policies and other objects are resources', () => {
    expect(byRule.get('iam-assume-role-policy-allows-all')!.identities.map((i) => i.key)).toEqual([
      'arn:aws:iam::123456789012:role/legacy-admin',
    ]);
    expect(byRule.get('iam-managed-policy-allows-full-privileges')).toMatchObject({
      kind: 'excess-privilege',
      identities: [],
      resources: [
        {
          uid: 'arn:aws:iam::123456789012:policy/everything',
          type: 'iam.policies',
          name: 'everything',
          account: '123456789012',
        },
      ],
    });
    expect(byRule.get('iam-password-policy-minimum-length')).toMatchObject({
      kind: 'misconfiguration',
      severity: { label: 'medium', score: 50 }, // warning
      resources: [
        { uid: 'aws:123456789012:iam.password_policy', type: 'iam.password_policy', account: '123456789012' },
      ],
    });
    expect(byRule.get('ec2-instance-with-user-data-secrets')!.resources).toEqual([
      {
        uid: 'arn:aws:ec2:us-east-1:123456789012:instance/i-0123456789abcdef0',
        type: 'ec2.instances',
        name: 'build-runner',
        region: 'us-east-1',
        account: '123456789012',
      },
    ]);
  });

  it('secrets in user data are never copied', () => {
    expect(byRule.get('ec2-instance-with-user-data-secrets')!.kind).toBe('exposed-secret');
    expect(JSON.stringify(findings)).not.toContain('wJalrXUtnFEMI');
  });

  it('all findings are open posture observations with stable, distinct ids', () => {
    expect(findings.every((f) => f.status === 'open')).toBe(true);
    expect(new Set(findings.map((f) => f.id)).size).toBe(findings.length);
    expect(findingsOf(input).map((f) => f.id)).toEqual(findings.map((f) => f.id));
  });
});

describe('scoutsuite mappings and edge cases', () => {
  const results = (finding: unknown) => ({
    account_id: '111111111111',
    provider_code: 'aws',
    last_run: { time: '2024-01-02 03:04:05+0000' },
    services: { iam: { users: {}, findings: { 'iam-root-account-used-recently': finding } } },
  });

  it('maps rule ids to kinds', () => {
    expect(scoutsuiteKind('iam-unused-credentials-not-disabled')).toBe('unused-credential');
    expect(scoutsuiteKind('iam-user-unused-access-key-initial-setup')).toBe('unused-credential');
    expect(scoutsuiteKind('ec2-unused-security-group')).toBe('misconfiguration');
    expect(scoutsuiteKind('iam-root-account-used-recently')).toBe('anomalous-use');
    expect(scoutsuiteKind('iam-root-account-with-active-keys')).toBe('excess-privilege');
    expect(scoutsuiteKind('iam-inline-role-policy-allows-NotActions')).toBe('excess-privilege');
    expect(scoutsuiteKind('iam-managed-policy-allows-iam-PassRole')).toBe('excess-privilege');
  });

  it('wrong types are a typed rejection with a readable reason', () => {
    const [o] = outcomesOf(JSON.stringify(results({ items: 'iam.root', level: 'danger' })), {
      format: 'auto',
    });
    expect(o).toMatchObject({ ok: false, format: 'scoutsuite' });
    expect(o!.ok ? '' : o!.reason).toBe(
      'not a valid scoutsuite rule record: finding.items: Invalid input: expected array, received string',
    );
  });

  it('tolerates unknown extra fields and unresolvable item paths', () => {
    const [f] = findingsOf(
      JSON.stringify(
        results({ items: ['iam.credential_reports.<root_account>'], level: 'danger', new_field: 1 }),
      ),
    );
    expect(f!.kind).toBe('anomalous-use');
    expect(f!.resources[0]!.uid).toBe('aws:111111111111:iam');
    expect(f!.time).toBe('2024-01-02T03:04:05.000Z');
  });

  it('does not claim other formats', () => {
    expect(scoutsuiteAdapter.detect({ services: {} })).toBe(false);
    expect(scoutsuiteAdapter.detect({ Controls: [] })).toBe(false);
  });
});
