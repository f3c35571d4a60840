// GuardDuty adapter: the shared corpus (EventBridge envelopes with a bogus 1970 envelope time and an envelope
// account that is not the finding's) and our fixtures (bare camelCase finding, `get-findings` PascalCase output,
// JSON lines with EKS and root findings).
import { describe, expect, it } from 'vitest';
import { guardDutyKind, guardDutySeverity } from '../../../../schemas/adapters/aws-common.ts';
import { guarddutyAdapter } from '../../../../schemas/adapters/guardduty.ts';
import type { Finding } from '../../../../schemas/finding.ts';
import {
  corpusAvailable,
  corpusFile,
  fixtureFile,
  identifiersOf,
  manifestIds,
} from '../../../support/corpus.ts';
import { findingsOf, outcomesOf } from '../../../support/normalize.ts';

const keys = (f: Finding) => f.identities.map((i) => i.key).sort();

describe.runIf(corpusAvailable())('guardduty corpus', () => {
  it('custodian-iam-duty-event: access key owned by the IAM user, detail account and time, not the envelope', () => {
    const file = 'guardduty/custodian-iam-duty-event.json';
    const outcomes = outcomesOf(corpusFile(file), { format: 'auto' });
    expect(outcomes.map((o) => o.format)).toEqual(['guardduty']);
    const findings = findingsOf(corpusFile(file), { format: 'auto' });
    expect(findings).toHaveLength(1);
    const f = findings[0]!;
    expect(f.kind).toBe('compromise-indicator'); // UnauthorizedAccess:IAMUser/TorIPCaller
    expect(f.severity).toEqual({ label: 'medium', score: 50 });
    expect(f.status).toBe('open');
    // Envelope time is 1970-01-01 (bogus): the finding's updatedAt is used.
    expect(f.time).toBe('2017-12-08T15:32:49.862Z');
    // "GeneratedFindingAccessKeyId" is no key id: a resource and a warning, never an identity (aws-id-check.ts).
    expect(keys(f)).toEqual(['arn:aws:iam::883606788610:user/GeneratedFindingUserName']);
    expect(String(f.evidence.idWarnings)).toContain('malformed access key id GeneratedFindingAccessKe');
    expect(f.identities.every((i) => i.account === '883606788610')).toBe(true);
    expect(f.cloud).toEqual({ provider: 'aws', account: '883606788610', region: 'us-east-1' });
    expect(f.evidence).toMatchObject({
      api: 'GeneratedFindingAPIName',
      remoteIp: '198.51.100.0',
      sample: true,
      eventBridgeAccount: '101010101111',
    });
    expect(f.resources.map((r) => r.uid).sort()).toEqual([
      'GeneratedFindingAccessKeyId',
      'GeneratedFindingTrailName',
      'i-99999999',
    ]);
    expect(f.references).toEqual([{ kind: 'rule', id: 'UnauthorizedAccess:IAMUser/TorIPCaller' }]);
    expect(f.source.nativeId).toBe(
      'arn:aws:guardduty:us-east-1:883606788610:detector/883606788610/finding/36b01b60fc22bb4edb19d62d9899e953',
    );
    const ids = [...identifiersOf(findings)];
    for (const id of manifestIds(file)) expect(ids).toContain(id);
    for (const id of ['GeneratedFindingAccessKeyId', 'GeneratedFindingUserName'])
      expect(ids.join('\n')).toContain(id);
    // The envelope's account is evidence only, never an identity's or the cloud's account.
    expect(ids).not.toContain('101010101111');
  });

  it('custodian-ec2-duty-event: no identity, the instance is a resource; "&" and "!" in the type', () => {
    const file = 'guardduty/custodian-ec2-duty-event.json';
    const findings = findingsOf(corpusFile(file), { format: 'auto' });
    expect(findings).toHaveLength(1);
    const f = findings[0]!;
    expect(f.kind).toBe('compromise-indicator'); // Backdoor:EC2/C&CActivity.B!DNS
    expect(f.severity).toEqual({ label: 'medium', score: 50 });
    expect(f.time).toBe('2017-12-08T15:32:49.865Z');
    expect(f.identities).toEqual([]);
    expect(f.resources).toEqual([
      {
        uid: 'arn:aws:ec2:us-east-1:883606788610:instance/i-99999999',
        type: 'AwsEc2Instance',
        name: 'i-99999999',
        region: 'us-east-1',
        account: '883606788610',
      },
    ]);
    expect(f.evidence).toMatchObject({ actionType: 'DNS_REQUEST', domain: 'example.com' });
    const ids = [...identifiersOf(findings)];
    for (const id of manifestIds(file)) expect(ids).toContain(id);
  });
});

describe('guardduty fixtures', () => {
  it('bare finding: AssumedRole key → the role (session and AROA as aliases); instance and profile as resources', () => {
    const findings = findingsOf(fixtureFile('guardduty/bare-instance-credential-exfiltration.json'), {
      format: 'auto',
    });
    expect(findings).toHaveLength(1);
    const f = findings[0]!;
    expect(f).toMatchObject({
      kind: 'compromise-indicator',
      severity: { label: 'high', score: 80 },
      status: 'open',
    });
    expect(f.time).toBe('2024-06-18T14:21:00.000Z');
    expect(keys(f)).toEqual([
      'arn:aws:iam::345678901234:role/app-server-role',
      'aws:access-key:ASIAEXAMPLEEXFIL0001',
    ]);
    const role = f.identities.find((i) => i.type === 'aws-role')!;
    expect(role.aliases).toEqual([
      'arn:aws:sts::345678901234:assumed-role/app-server-role/i-0abc123def4567890',
      'AROAEXAMPLEAPPSERVER',
    ]);
    expect(f.resources.map((r) => r.type)).toEqual(['AwsEc2Instance', 'AwsIamInstanceProfile']);
    expect(f.evidence).toMatchObject({
      remoteIp: '203.0.113.99',
      asn: '64500',
      country: 'Netherlands',
      count: 3,
    });
  });

  it('get-findings PascalCase output: archived → suppressed, 9.2 → critical, affected secret as a resource', () => {
    const outcomes = outcomesOf(fixtureFile('guardduty/get-findings-cli.json'), { format: 'auto' });
    expect(outcomes.map((o) => o.format)).toEqual(['guardduty']);
    const [f] = findingsOf(fixtureFile('guardduty/get-findings-cli.json'));
    expect(f).toMatchObject({
      kind: 'compromise-indicator',
      status: 'suppressed',
      severity: { label: 'critical', score: 92 },
    });
    expect(f!.time).toBe('2024-07-01T10:00:00.000Z');
    expect(keys(f!)).toEqual([
      'arn:aws:iam::345678901234:user/batch-job',
      'aws:access-key:AKIAEXAMPLEBATCHJOB1',
    ]);
    expect(f!.identities.find((i) => i.type === 'aws-user')!.aliases).toEqual(['AIDAEXAMPLEBATCHJOB1']);
    expect(f!.resources.map((r) => r.uid)).toEqual([
      'arn:aws:secretsmanager:eu-central-1:345678901234:secret:prod/db-AbCdEf',
    ]);
    expect(f!.evidence).toMatchObject({
      api: 'GetSecretValue',
      remoteIp: '198.51.100.66',
      asnOrg: 'BAD-NET',
    });
  });

  it('JSON lines: EKS service account → k8s identity; root credential usage → root + key', () => {
    const findings = findingsOf(fixtureFile('guardduty/eks-serviceaccount.jsonl'), { format: 'auto' });
    expect(findings).toHaveLength(2);
    const [eks, root] = findings;
    expect(eks).toMatchObject({ kind: 'anomalous-use', severity: { label: 'low', score: 20 } });
    expect(keys(eks!)).toEqual(['k8s:serviceaccount:prod-eks/payments/payments-api']);
    expect(eks!.evidence).toMatchObject({ k8sVerb: 'list', remoteIp: '10.0.12.34' });
    expect(root).toMatchObject({ kind: 'anomalous-use' });
    expect(keys(root!)).toEqual(['arn:aws:iam::345678901234:root', 'aws:access-key:ASIAEXAMPLEROOTSESS1']);
  });
});

describe('guardduty mapping tables', () => {
  it('severity: value × 10 on GuardDuty bands (<4 low, 4–6.9 medium, 7–8.9 high, ≥9 critical)', () => {
    expect(guardDutySeverity(2)).toEqual({ label: 'low', score: 20 });
    expect(guardDutySeverity(3.9)).toEqual({ label: 'low', score: 39 });
    expect(guardDutySeverity(4)).toEqual({ label: 'medium', score: 40 });
    expect(guardDutySeverity(6.9)).toEqual({ label: 'medium', score: 69 });
    expect(guardDutySeverity(7)).toEqual({ label: 'high', score: 70 });
    expect(guardDutySeverity(8.9)).toEqual({ label: 'high', score: 89 });
    expect(guardDutySeverity(9)).toEqual({ label: 'critical', score: 90 });
    expect(guardDutySeverity('HIGH')).toEqual({ label: 'high', score: 75 });
  });

  it('kinds by threat purpose', () => {
    expect(guardDutyKind('CredentialAccess:IAMUser/AnomalousBehavior')).toBe('compromise-indicator');
    expect(guardDutyKind('UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.InsideAWS')).toBe(
      'compromise-indicator',
    );
    expect(guardDutyKind('UnauthorizedAccess:IAMUser/MaliciousIPCaller.Custom')).toBe('compromise-indicator');
    expect(guardDutyKind('UnauthorizedAccess:IAMUser/ConsoleLoginSuccess.B')).toBe('anomalous-use');
    expect(guardDutyKind('PrivilegeEscalation:IAMUser/AnomalousBehavior')).toBe('anomalous-use');
    expect(guardDutyKind('Persistence:IAMUser/AnomalousBehavior')).toBe('anomalous-use');
    expect(guardDutyKind('Policy:IAMUser/RootCredentialUsage')).toBe('anomalous-use');
    expect(guardDutyKind('Policy:S3/BucketBlockPublicAccessDisabled')).toBe('misconfiguration');
    expect(guardDutyKind('Recon:EC2/PortProbeUnprotectedPort')).toBe('misconfiguration');
    expect(guardDutyKind('CryptoCurrency:EC2/BitcoinTool.B!DNS')).toBe('compromise-indicator');
    expect(guardDutyKind('UnauthorizedAccess:EC2/SSHBruteForce')).toBe('compromise-indicator');
  });
});

describe('guardduty: shapes and edge cases', () => {
  it('an envelope (one Kafka message) maps to itself and is detected; ASFF and CloudTrail are not claimed', () => {
    const detail = JSON.parse(
      fixtureFile('guardduty/bare-instance-credential-exfiltration.json').toString('utf8'),
    );
    const envelope = {
      version: '0',
      'detail-type': 'GuardDuty Finding',
      source: 'aws.guardduty',
      time: '1970-01-01T00:00:00Z',
      detail,
    };
    expect(guarddutyAdapter.detect(envelope)).toBe(true);
    expect(guarddutyAdapter.records(envelope)).toEqual([envelope]);
    expect(guarddutyAdapter.detect(detail)).toBe(true);
    expect(guarddutyAdapter.records(detail)).toEqual([detail]);
    // Same finding whether it came bare or in its envelope.
    const [viaEnvelope] = findingsOf(JSON.stringify(envelope));
    const [bare] = findingsOf(JSON.stringify(detail));
    expect(viaEnvelope!.source.variant).toBe('guardduty/eventbridge');
    expect(bare!.source.variant).toBe('guardduty/finding');
    expect({ ...viaEnvelope, source: { ...viaEnvelope!.source, variant: 'x' } }).toEqual({
      ...bare,
      source: { ...bare!.source, variant: 'x' },
    });
    expect(
      guarddutyAdapter.detect({
        SchemaVersion: '2018-10-08',
        Id: 'x',
        ProductArn: 'arn:aws:securityhub:::product/aws/guardduty',
        Types: [],
      }),
    ).toBe(false);
    expect(
      guarddutyAdapter.detect({
        eventSource: 'iam.amazonaws.com',
        eventName: 'ListUsers',
        eventVersion: '1.08',
      }),
    ).toBe(false);
  });

  it('wrong types are a typed rejection with a readable reason', () => {
    const record = JSON.parse(
      fixtureFile('guardduty/bare-instance-credential-exfiltration.json').toString('utf8'),
    );
    const [o] = outcomesOf(JSON.stringify({ ...record, severity: { value: 8 } }), { format: 'guardduty' });
    expect(o!.ok).toBe(false);
    if (!o!.ok) expect(o!.reason).toMatch(/^not a valid GuardDuty finding record: severity: /);
    const [auto] = outcomesOf(
      JSON.stringify({ ...record, resource: { accessKeyDetails: { accessKeyId: 42 } } }),
      { format: 'auto' },
    );
    expect(auto).toMatchObject({
      ok: false,
      format: 'guardduty',
      reason: expect.stringContaining('resource.accessKeyDetails.accessKeyId'),
    });
  });

  it('unknown extra fields and nulls are tolerated', () => {
    const record = JSON.parse(
      fixtureFile('guardduty/bare-instance-credential-exfiltration.json').toString('utf8'),
    );
    const extended = {
      ...record,
      newTopLevel: { a: 1 },
      description: null,
      service: { ...record.service, runtimeDetails: { x: [1] } },
    };
    const [f] = findingsOf(JSON.stringify(extended), { format: 'auto' });
    expect(keys(f!)).toEqual([
      'arn:aws:iam::345678901234:role/app-server-role',
      'aws:access-key:ASIAEXAMPLEEXFIL0001',
    ]);
  });
});
