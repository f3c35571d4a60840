// CloudTrail delivered to CloudWatch Logs and sent on by a subscription filter: the DATA_MESSAGE payload (as
// Kinesis and Firehose carry it, decoded) and Lambda's gzip+base64 {awslogs: {data}} (source:
// test/fixtures/cloudtrail/README.md). Each log event's message is one CloudTrail record.
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { splitRecords } from '../../../../consumers/split-records.ts';
import { shapesOf } from '../../../../schemas/normalize.ts';
import { canariesIn, makeCanaries, plantInFreeText } from '../../../support/canaries.ts';
import { fixtureFile } from '../../../support/corpus.ts';
import { findingsOf, outcomesOf, TEST_FINGERPRINT_KEY } from '../../../support/normalize.ts';

const payload = JSON.parse(fixtureFile('cloudtrail/cloudwatch-logs-subscription.json').toString('utf8'));
const awslogs = (doc: unknown) =>
  JSON.stringify({ awslogs: { data: gzipSync(JSON.stringify(doc)).toString('base64') } });

describe('CloudTrail through a CloudWatch Logs subscription', () => {
  const direct = findingsOf(fixtureFile('cloudtrail/console-sign-in.jsonl'), { format: 'auto' });

  it.each([
    ['decoded (Kinesis, Firehose)', JSON.stringify(payload), 'cloudtrail/cloudwatch-logs'],
    ['as Lambda receives it, gzip+base64', awslogs(payload), 'cloudtrail/cloudwatch-logs-awslogs'],
  ])('%s: named, and the same findings as the records read directly', (_, input, shape) => {
    const findings = findingsOf(input, { format: 'auto' });
    expect(shapesOf(input)).toEqual([shape]);
    expect(findings.map((f) => f.source.variant)).toEqual([shape, shape, shape]);
    expect(findings.map((f) => f.id)).toEqual(direct.map((f) => f.id));
    expect(findings.map((f) => f.kind)).toEqual(['anomalous-use', 'activity', 'activity']);
    expect(findings.map((f) => f.severity.label)).toEqual(['medium', 'info', 'info']);
    expect([...new Set(findings.flatMap((f) => f.identities.map((i) => i.key)))]).toEqual([
      'arn:aws:iam::111122223333:user/anaya',
    ]);
  });

  it('a log line that is not a record is rejected on its own; the records beside it go on', () => {
    const mixed = {
      ...payload,
      logEvents: [...payload.logEvents, { id: '1', timestamp: 1, message: 'hello' }],
    };
    const outcomes = outcomesOf(JSON.stringify(mixed), { format: 'auto' });
    expect(outcomes.map((o) => o.ok)).toEqual([true, true, true, false]);
    expect(outcomes[3]).toMatchObject({ record: 3, format: 'cloudtrail' });
  });

  it('awslogs data that is not gzipped JSON is not taken for CloudTrail', () => {
    const bad = JSON.stringify({ awslogs: { data: Buffer.from('not gzip').toString('base64') } });
    const [outcome] = outcomesOf(bad, { format: 'auto' });
    expect(outcome?.ok).toBe(false);
    expect(shapesOf(bad)).toEqual([]);
  });

  it('no secret planted in the records free text comes out, decoded or gzipped', () => {
    const canaries = makeCanaries();
    const planted = {
      ...payload,
      logEvents: payload.logEvents.map((e: { message: string }) => ({
        ...e,
        message: JSON.stringify(plantInFreeText(JSON.parse(e.message), canaries.prose)),
      })),
    };
    for (const input of [JSON.stringify(planted), awslogs(planted)]) {
      const findings = findingsOf(input, { format: 'auto' });
      expect(findings).toHaveLength(3);
      expect(canariesIn(JSON.stringify(findings), canaries)).toEqual([]);
    }
  });

  it('nhi ingest publishes each log event as its CloudTrail record, keyed by its identity', () => {
    const records = payload.logEvents.map((e: { message: string }) => JSON.parse(e.message));
    for (const input of [JSON.stringify(payload), awslogs(payload)]) {
      const out = splitRecords(Buffer.from(input), 'auto', TEST_FINGERPRINT_KEY);
      expect(out.map((o) => o.format)).toEqual(['cloudtrail', 'cloudtrail', 'cloudtrail']);
      expect(out.map((o) => o.problem)).toEqual([undefined, undefined, undefined]);
      expect(out.map((o) => JSON.parse(String(o.value)))).toEqual(records);
    }
  });
});
