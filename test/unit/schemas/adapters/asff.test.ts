// ASFF adapter: the shared corpus (bare findings, {"Findings"}, {"findings"}, arrays, EventBridge custom action,
// Trivy's repeating Ids and nanosecond times, GuardDuty-sourced findings) and our fixture (consolidated controls,
// Access Analyzer, CIS 1.4.0, resolved/archived states).
import { describe, expect, it } from 'vitest';
import { asffAdapter } from '../../../../schemas/adapters/asff.ts';
import { controlKind } from '../../../../schemas/adapters/aws-common.ts';
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

interface Expected {
  count: number;
  keys: string[][];
  kinds: string[];
  severities: Array<[string, number]>;
  times: string[];
  status: string[];
  refs?: string[][];
}

const CORPUS: Record<string, Expected> = {
  'asff/asr-afsbp-iam.3.json': {
    count: 1,
    keys: [['arn:aws:iam::111111111111:user/test-admin2']],
    kinds: ['stale-credential'],
    severities: [['medium', 40]],
    times: ['2022-01-24T14:16:38.468Z'],
    status: ['open'],
    refs: [['control:IAM.3', 'url:https://docs.aws.amazon.com/console/securityhub/IAM.3/remediation']],
  },
  'asff/asr-afsbp-iam.8.json': {
    count: 1,
    keys: [['arn:aws:iam::111111111111:user/sharrtest']],
    kinds: ['unused-credential'],
    severities: [['medium', 40]],
    times: ['2021-07-21T10:22:17.088Z'],
    status: ['open'],
  },
  'asff/asr-cis14.json': {
    count: 1,
    keys: [['arn:aws:iam::111122223333:user/foobarbaz']],
    kinds: ['stale-credential'], // CIS 1.2.0 rule 1.4 = access key rotation
    severities: [['medium', 40]],
    times: ['2021-11-01T09:49:02.720Z'],
    status: ['open'],
    refs: [
      [
        'control:CIS 1.4',
        'url:https://docs.aws.amazon.com/console/securityhub/standards-cis-1.4/remediation',
      ],
    ],
  },
  'asff/custodian-eventbridge-securityhub-iamkey.json': {
    count: 1,
    keys: [['arn:aws:iam::644160558196:user/kapil']], // AwsIamAccessKey "…:null" with UserName: the owner only
    kinds: ['anomalous-use'], // UnauthorizedAccess:IAMUser/ConsoleLogin
    severities: [['medium', 50]],
    times: ['2019-06-12T15:12:40.000Z'],
    status: ['open'],
  },
  'asff/trivy-secrets.asff.json': {
    count: 2,
    keys: [
      ['secret:aws-access-key-id:e6e8cf92df942fd1'],
      ['secret:github-personal-access-token:a8cccb32bb67193c'],
    ],
    kinds: ['exposed-secret', 'exposed-secret'],
    severities: [
      ['critical', 95],
      ['critical', 95],
    ],
    // CreatedAt has nanoseconds: "2021-08-25T12:20:30.000000005Z"
    times: ['2021-08-25T12:20:30.000Z', '2021-08-25T12:20:30.000Z'],
    status: ['open', 'open'],
  },
  'asff/ocsf-examples-sechub-guardduty.raw.json': {
    count: 1,
    // ASIATMJPC7EXAMPLE has 17 characters: malformed, so a resource and a warning, not an identity (aws-id-check.ts)
    keys: [['arn:aws:iam::111111111111:role/Admin']],
    kinds: ['anomalous-use'], // Stealth:IAMUser/CloudTrailLoggingDisabled
    severities: [['low', 30]], // Label LOW wins over Normalized 40 (outside LOW's band)
    times: ['2023-09-19T14:55:09.000Z'],
    status: ['open'],
    refs: [['rule:Stealth:IAMUser/CloudTrailLoggingDisabled']],
  },
  'asff/defectdojo-config-one-finding.json': {
    count: 1,
    keys: [[]],
    kinds: ['misconfiguration'],
    severities: [['info', 0]],
    times: ['2020-06-14T21:02:53.940Z'],
    status: ['passed'], // Compliance.Status PASSED
  },
  'asff/defectdojo-asff-guardduty-networkpermissions.json': {
    count: 1,
    // GuardDuty's sample key id is no key id: a resource and a warning, not an identity (aws-id-check.ts)
    keys: [['arn:aws:iam::123456789012:user/GeneratedFindingUserName']],
    kinds: ['anomalous-use'],
    severities: [['medium', 50]],
    times: ['2020-11-28T23:11:30.811Z'],
    status: ['open'],
  },
};

describe.runIf(corpusAvailable())('asff corpus', () => {
  for (const [file, want] of Object.entries(CORPUS)) {
    it(file, () => {
      const outcomes = outcomesOf(corpusFile(file), { format: 'auto' });
      expect(new Set(outcomes.map((o) => o.format))).toEqual(new Set(['asff']));
      const findings = findingsOf(corpusFile(file), { format: 'auto' });
      expect(findings).toHaveLength(want.count);
      expect(findings.map(keys)).toEqual(want.keys);
      expect(findings.map((f) => f.kind)).toEqual(want.kinds);
      expect(findings.map((f) => [f.severity.label, f.severity.score])).toEqual(want.severities);
      expect(findings.map((f) => f.time)).toEqual(want.times);
      expect(findings.map((f) => f.status)).toEqual(want.status);
      if (want.refs)
        expect(findings.map((f) => f.references.map((r) => `${r.kind}:${r.id}`))).toEqual(want.refs);
      const ids = [...identifiersOf(findings)];
      for (const id of manifestIds(file)) expect(ids).toContain(id);
      expect(new Set(findings.map((f) => f.id)).size).toBe(findings.length);
    });
  }

  it('unique ids are kept as aliases (AIDA… of an IAM user, AROA… of a role session)', () => {
    const [iam3] = findingsOf(corpusFile('asff/asr-afsbp-iam.3.json'));
    expect(iam3!.identities[0]!.aliases).toEqual(['AIDACKCEVSQ6C2EXAMPLE']);
    const [gd] = findingsOf(corpusFile('asff/ocsf-examples-sechub-guardduty.raw.json'));
    const role = gd!.identities.find((i) => i.type === 'aws-role')!;
    expect(role.aliases).toEqual([
      'arn:aws:sts::111111111111:assumed-role/Admin/example',
      'AROATMJPC7YEXAMPLE',
    ]);
    // The 17-character ASIATMJPC7EXAMPLE is malformed: a resource, not an identity (aws-id-check.ts).
    expect(gd!.identities.find((i) => i.type === 'aws-access-key')).toBeUndefined();
    // GuardDuty's affected trail from ProductFields, and its API call as evidence.
    expect(gd!.resources.map((r) => r.uid)).toEqual([
      'arn:aws:cloudtrail:us-east-2:111111111111:trail/delete-me',
      'ASIATMJPC7EXAMPLE',
    ]);
    expect(gd!.evidence).toMatchObject({ api: 'DeleteTrail', remoteIp: '52.94.133.131', asn: '16509' });
  });

  it('Trivy: repeating Ids still give distinct finding ids; the secret is fingerprinted by detector + file', () => {
    const findings = findingsOf(corpusFile('asff/trivy-secrets.asff.json'));
    expect(findings.map((f) => f.source.nativeId)).toEqual(['deploy.sh', 'deploy.sh']);
    expect(findings[0]!.id).not.toBe(findings[1]!.id);
    expect(findings[0]!.secret).toMatchObject({
      detector: 'AWS Access Key ID',
      hint: '(value not reported)',
    });
    expect(findings[0]!.secret!.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(findings[0]!.location).toEqual({ file: 'deploy.sh' });
    expect(findings[0]!.resources).toEqual([
      { uid: 'deploy.sh', type: 'Other', region: 'test-region', account: '123456789012' },
    ]);
    expect(findings[0]!.source).toMatchObject({ product: 'Trivy', vendor: 'aquasecurity' });
  });

  it('EventBridge envelope: the findings, not the envelope account/time', () => {
    const [f] = findingsOf(corpusFile('asff/custodian-eventbridge-securityhub-iamkey.json'));
    expect(f!.cloud).toEqual({ provider: 'aws', account: '644160558196', region: 'us-east-1' });
    expect(f!.evidence).toMatchObject({ api: 'ConsoleLogin', remoteIp: '208.115.85.104' });
  });
});

describe('asff fixture: consolidated controls, Access Analyzer, CIS 1.4.0', () => {
  const findings = findingsOf(fixtureFile('asff/controls-resolved-keys.json'), { format: 'auto' });

  it('three findings, auto-detected', () => {
    expect(
      outcomesOf(fixtureFile('asff/controls-resolved-keys.json')).every((o) => o.format === 'asff'),
    ).toBe(true);
    expect(findings).toHaveLength(3);
  });

  it('IAM.3 on an AwsIamAccessKey resource: key owned by the user; Workflow RESOLVED → resolved', () => {
    const f = findings[0]!;
    expect(f).toMatchObject({
      kind: 'stale-credential',
      status: 'resolved',
      severity: { label: 'medium', score: 40 },
    });
    expect(keys(f)).toEqual(['arn:aws:iam::456789012345:user/ci-bot', 'aws:access-key:AKIAEXAMPLEROTATE001']);
    expect(f.identities.find((i) => i.type === 'aws-access-key')!.owner).toBe(
      'arn:aws:iam::456789012345:user/ci-bot',
    );
    expect(f.references.map((r) => r.id)).toEqual(['IAM.3', 'CIS AWS Foundations Benchmark v1.4.0/1.14']);
    expect(f.time).toBe('2024-04-10T06:30:00.000Z');
  });

  it('Access Analyzer external access on a role: excess-privilege; RecordState ARCHIVED → resolved', () => {
    const f = findings[1]!;
    expect(f).toMatchObject({
      kind: 'excess-privilege',
      status: 'resolved',
      severity: { label: 'low', score: 1 },
    });
    expect(f.identities).toEqual([
      expect.objectContaining({
        key: 'arn:aws:iam::456789012345:role/partner-sync',
        type: 'aws-role',
        aliases: ['AROAEXAMPLEPARTNER01'],
      }),
    ]);
  });

  it('CIS 1.4.0 rule 1.4 (root access key) is not 1.2.0 rule 1.4 (rotation); unknown fields tolerated', () => {
    const f = findings[2]!;
    expect(f).toMatchObject({
      kind: 'excess-privilege',
      status: 'open',
      severity: { label: 'critical', score: 90 },
    });
    expect(f.references).toEqual([{ kind: 'control', id: 'CIS 1.4' }]);
    expect(f.identities).toEqual([]);
    expect(f.resources).toEqual([
      {
        uid: 'AWS::::Account:456789012345',
        type: 'AwsAccount',
        region: 'eu-west-1',
        account: '456789012345',
      },
    ]);
  });
});

describe('asff: mapping and edge cases', () => {
  it('control table', () => {
    expect(controlKind('IAM.3')).toBe('stale-credential');
    expect(controlKind('IAM.8')).toBe('unused-credential');
    expect(controlKind('IAM.22')).toBe('unused-credential');
    expect(controlKind('IAM.1')).toBe('excess-privilege');
    expect(controlKind('1.4', '1.2.0')).toBe('stale-credential');
    expect(controlKind('1.14', '1.4.0')).toBe('stale-credential');
    expect(controlKind('IAM.5')).toBeUndefined();
  });

  it('one finding (a Kafka message) maps to itself and is detected', () => {
    const doc = JSON.parse(fixtureFile('asff/controls-resolved-keys.json').toString('utf8'));
    const one = doc.Findings[0];
    expect(asffAdapter.detect(one)).toBe(true);
    expect(asffAdapter.records(one)).toEqual([one]);
    expect(asffAdapter.records(doc)).toHaveLength(3);
    expect(asffAdapter.records({ findings: doc.Findings })).toHaveLength(3);
    expect(asffAdapter.records(doc.Findings)).toHaveLength(3);
  });

  it('wrong types are a typed rejection with a readable reason', () => {
    const doc = JSON.parse(fixtureFile('asff/controls-resolved-keys.json').toString('utf8'));
    const bad = { ...doc.Findings[0], Resources: [{ Type: 'AwsIamUser', Id: 12 }] };
    const [o] = outcomesOf(JSON.stringify(bad), { format: 'auto' });
    expect(o).toMatchObject({ ok: false, format: 'asff' });
    if (!o!.ok) expect(o!.reason).toMatch(/^not a valid ASFF record: Resources\.0\.Id: /);
    const [noTime] = outcomesOf(
      JSON.stringify({
        SchemaVersion: '2018-10-08',
        Id: 'x',
        ProductArn: 'arn:aws:securityhub:::product/x/y',
      }),
      { format: 'asff' },
    );
    expect(noTime).toMatchObject({ ok: false, reason: expect.stringContaining('no usable timestamp') });
  });

  it('PASSED compliance marks the same finding passed (same id as its FAILED version)', () => {
    const file = JSON.parse(fixtureFile('asff/controls-resolved-keys.json').toString('utf8'));
    const failed = { ...file.Findings[2] };
    const passed = { ...failed, Compliance: { Status: 'PASSED' } };
    const [a] = findingsOf(JSON.stringify(failed));
    const [b] = findingsOf(JSON.stringify(passed));
    expect(a!.status).toBe('open');
    expect(b!.status).toBe('passed');
    expect(a!.id).toBe(b!.id);
  });
});
