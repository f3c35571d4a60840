// CloudTrail adapter: the shared corpus (bare, TAB-indented, "" instead of null, EventBridge envelope) and our
// fixtures (Records[] wrapper with risky events, lookup-events output).
import { describe, expect, it } from 'vitest';
import { cloudtrailAdapter } from '../../../../schemas/adapters/cloudtrail.ts';
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
const corpus = (file: string) => findingsOf(corpusFile(file), { format: 'auto' });

describe.runIf(corpusAvailable())('cloudtrail corpus', () => {
  it('ocsf-examples-consolelogin: bare TAB-indented ConsoleLogin with MFA is plain activity', () => {
    const file = 'cloudtrail/ocsf-examples-consolelogin.json';
    const outcomes = outcomesOf(corpusFile(file), { format: 'auto' });
    expect(outcomes.map((o) => o.format)).toEqual(['cloudtrail']);
    const [f, ...rest] = corpus(file);
    expect(rest).toHaveLength(0);
    expect(f!.kind).toBe('activity');
    expect(f!.severity).toEqual({ label: 'info', score: 10 });
    expect(f!.status).toBe('open');
    expect(f!.time).toBe('2023-11-10T16:24:34.000Z');
    expect(keys(f!)).toEqual(['arn:aws:iam::111122223333:user/anaya']);
    expect(f!.identities[0]).toMatchObject({
      type: 'aws-user',
      account: '111122223333',
      aliases: ['AIDACKCEVSQ6C2EXAMPLE'],
    });
    expect(f!.evidence).toMatchObject({
      eventName: 'ConsoleLogin',
      mfaUsed: 'Yes',
      consoleLogin: 'Success',
      sourceIPAddress: '192.0.2.0',
    });
    // The MFA device is named as a resource, not an identity.
    expect(f!.resources.map((r) => r.uid)).toEqual([
      'arn:aws:iam::111122223333:u2f/user/anaya/default-AAAAAAAABBBBBBBBCCCCCCCCDD',
    ]);
    for (const id of manifestIds(file)) expect([...identifiersOf([f!])]).toContain(id);
  });

  it('ocsf-examples-assumedrole: "" for responseElements/resources is tolerated; session → issuer role + ASIA key', () => {
    const file = 'cloudtrail/ocsf-examples-assumedrole-describetargethealth.json';
    const [f, ...rest] = corpus(file);
    expect(rest).toHaveLength(0);
    expect(f!.kind).toBe('activity');
    expect(f!.time).toBe('2025-07-18T15:02:39.000Z');
    // ASIA2W7SOKHEXAMPLE has 18 characters: malformed, kept as a resource with a warning, never an identity.
    expect(keys(f!)).toEqual(['arn:aws:iam::112233445566:role/aws-service-role/Admin']);
    expect(f!.resources).toContainEqual({ uid: 'ASIA2W7SOKHEXAMPLE', type: 'aws-malformed-id' });
    expect(String(f!.evidence.idWarnings)).toContain('malformed access key id ASIA2W7SOKHEXAMPLE');
    const role = f!.identities.find((i) => i.type === 'aws-role')!;
    expect(role.aliases).toEqual([
      'arn:aws:sts::112233445566:assumed-role/AWSServiceRole/scheduler',
      'AROA2W7SOKHEXAMPLE',
    ]);
    expect(f!.evidence).toMatchObject({ invokedBy: 'ecs.amazonaws.com', readOnly: true });
    for (const id of manifestIds(file)) expect([...identifiersOf([f!])]).toContain(id);
  });

  it('custodian EventBridge "AWS API Call via CloudTrail": record under detail; root activity is anomalous-use', () => {
    const file = 'cloudtrail/custodian-eventbridge-create-bucket.json';
    const outcomes = outcomesOf(corpusFile(file), { format: 'auto' });
    expect(outcomes.map((o) => o.format)).toEqual(['cloudtrail']);
    const [f, ...rest] = corpus(file);
    expect(rest).toHaveLength(0);
    expect(f!.kind).toBe('anomalous-use');
    expect(f!.severity).toEqual({ label: 'medium', score: 50 });
    expect(f!.time).toBe('2016-06-04T12:19:03.000Z');
    expect(keys(f!)).toEqual(['arn:aws:iam::619193117841:root']);
    expect(f!.resources).toEqual([
      { uid: 'arn:aws:s3:::custodian-create-bucket-v4', type: 'AwsS3Bucket', account: '619193117841' },
    ]);
    expect(f!.cloud).toEqual({ provider: 'aws', account: '619193117841', region: 'us-west-2' });
    for (const id of manifestIds(file)) expect([...identifiersOf([f!])]).toContain(id);
  });

  it('the envelope and its bare detail give the same finding', () => {
    const envelope = JSON.parse(
      corpusFile('cloudtrail/custodian-eventbridge-create-bucket.json').toString('utf8'),
    );
    const bare = findingsOf(JSON.stringify(envelope.detail), { format: 'auto' });
    const enveloped = corpus('cloudtrail/custodian-eventbridge-create-bucket.json');
    expect(bare.map((f) => f.source.variant)).toEqual(['cloudtrail/event']);
    expect(enveloped.map((f) => f.source.variant)).toEqual(['cloudtrail/eventbridge']);
    const unnamed = (f: Finding) => ({ ...f, source: { ...f.source, variant: undefined } });
    expect(bare.map(unnamed)).toEqual(enveloped.map(unnamed));
  });
});

describe('cloudtrail fixtures: Records[] with risky events', () => {
  const findings = findingsOf(fixtureFile('cloudtrail/records-risky.json'), { format: 'auto' });
  const byEvent = (id: string) => findings.find((f) => f.source.nativeId?.endsWith(id))!;

  it('one finding per record, auto-detected', () => {
    expect(
      outcomesOf(fixtureFile('cloudtrail/records-risky.json')).every((o) => o.format === 'cloudtrail'),
    ).toBe(true);
    expect(findings).toHaveLength(7);
    expect(new Set(findings.map((f) => f.id)).size).toBe(7);
  });

  it('ConsoleLogin without MFA: medium for a user, high for root', () => {
    expect(byEvent('01')).toMatchObject({ kind: 'anomalous-use', severity: { label: 'medium' } });
    expect(keys(byEvent('01'))).toEqual(['arn:aws:iam::210987654321:user/ops/jenkins']);
    expect(byEvent('02')).toMatchObject({ kind: 'anomalous-use', severity: { label: 'high', score: 75 } });
    expect(keys(byEvent('02'))).toEqual(['arn:aws:iam::210987654321:root']);
  });

  it('role chaining: an assumed-role session calling sts:AssumeRole; the target role and new key are resources', () => {
    const f = byEvent('03');
    expect(f).toMatchObject({
      kind: 'anomalous-use',
      severity: { label: 'low' },
      evidence: { reason: 'role chaining' },
    });
    expect(keys(f)).toEqual([
      'arn:aws:iam::210987654321:role/ci/gha-deployer',
      'aws:access-key:ASIAEXAMPLECHAIN0001',
    ]);
    expect(f.resources.map((r) => r.uid)).toEqual([
      'arn:aws:iam::210987654321:role/prod-admin',
      'aws:access-key:ASIAEXAMPLECHAIN0002',
    ]);
  });

  it('the session token in responseElements never reaches the output', () => {
    expect(JSON.stringify(findings)).not.toContain('IQoJb3JpZ2luX2Vj');
  });

  it('CreateAccessKey by a non-human role is anomalous-use; the same kind of call by an SSO human is activity', () => {
    const ci = byEvent('04');
    expect(ci).toMatchObject({ kind: 'anomalous-use', severity: { label: 'medium' } });
    expect(ci.resources.map((r) => r.uid)).toEqual([
      'arn:aws:iam::210987654321:user/svc-backup',
      'aws:access-key:AKIAEXAMPLENEWKEY001',
    ]);
    // The target user did not act: it is a resource, not an identity of this record.
    expect(keys(ci)).not.toContain('arn:aws:iam::210987654321:user/svc-backup');
    expect(byEvent('07').kind).toBe('activity');
  });

  it('AccessDenied stays activity, with the error as evidence; the AKIA key is owned by the user', () => {
    const f = byEvent('05');
    expect(f).toMatchObject({
      kind: 'activity',
      time: '2024-03-04T12:00:00.123Z',
      evidence: { errorCode: 'AccessDenied' },
    });
    expect(f.title).toContain('(AccessDenied)');
    const key = f.identities.find((i) => i.type === 'aws-access-key')!;
    expect(key).toMatchObject({
      key: 'aws:access-key:AKIAEXAMPLEREPORTER1',
      owner: 'arn:aws:iam::210987654321:user/reporter',
    });
  });

  it('an AWS service principal is an aws-service identity', () => {
    expect(byEvent('06').identities).toEqual([
      expect.objectContaining({ key: 'aws:service:scheduler.amazonaws.com', type: 'aws-service' }),
    ]);
  });
});

describe('cloudtrail: other shapes and edge cases', () => {
  it('lookup-events output: each CloudTrailEvent JSON string is a record', () => {
    const findings = findingsOf(fixtureFile('cloudtrail/lookup-events.json'), { format: 'auto' });
    expect(findings).toHaveLength(1);
    expect(keys(findings[0]!)).toEqual([
      'arn:aws:iam::210987654321:user/auditor',
      'aws:access-key:AKIAEXAMPLELOOKUP001',
    ]);
  });

  it('one record (a Kafka message) maps to itself and is detected', () => {
    const record = JSON.parse(fixtureFile('cloudtrail/records-risky.json').toString('utf8')).Records[0];
    expect(cloudtrailAdapter.detect(record)).toBe(true);
    expect(cloudtrailAdapter.records(record)).toEqual([record]);
  });

  it('does not claim S3 event notifications (Records[] with eventSource "aws:s3")', () => {
    const s3 = {
      Records: [
        {
          eventVersion: '2.1',
          eventSource: 'aws:s3',
          eventName: 'ObjectCreated:Put',
          eventTime: '2024-01-01T00:00:00Z',
        },
      ],
    };
    expect(cloudtrailAdapter.detect(s3)).toBe(false);
  });

  it('wrong types are a typed rejection with a readable reason', () => {
    const bad = {
      eventVersion: '1.08',
      eventSource: 's3.amazonaws.com',
      eventName: 'GetObject',
      eventTime: { when: 'now' },
      userIdentity: {},
    };
    const [o] = outcomesOf(JSON.stringify(bad), { format: 'cloudtrail' });
    expect(o!.ok).toBe(false);
    if (!o!.ok) expect(o!.reason).toMatch(/^not a valid CloudTrail record: eventTime: /);
    const [noTime] = outcomesOf(JSON.stringify({ ...bad, eventTime: 'yesterday' }), { format: 'cloudtrail' });
    expect(noTime).toMatchObject({ ok: false, reason: expect.stringContaining('no usable timestamp') });
  });

  it('unknown extra fields and null optional fields are tolerated', () => {
    const record = JSON.parse(fixtureFile('cloudtrail/records-risky.json').toString('utf8')).Records[4];
    const extended = {
      ...record,
      brandNewField: { nested: [1, 2] },
      userAgent: null,
      userIdentity: { ...record.userIdentity, extra: true },
    };
    const [f] = findingsOf(JSON.stringify(extended), { format: 'auto' });
    expect(keys(f!)).toEqual([
      'arn:aws:iam::210987654321:user/reporter',
      'aws:access-key:AKIAEXAMPLEREPORTER1',
    ]);
  });

  it('same input, same id', () => {
    const a = findingsOf(fixtureFile('cloudtrail/records-risky.json'));
    const b = findingsOf(fixtureFile('cloudtrail/records-risky.json'));
    expect(a.map((f) => f.id)).toEqual(b.map((f) => f.id));
  });
});
