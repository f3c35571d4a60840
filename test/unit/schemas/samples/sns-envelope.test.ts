// An EventBridge event delivered through an SNS topic (the routing GuardDuty's guide describes) arrives as an SNS
// notification whose Message is the event as a JSON string: read as the event it carries, the variant says so,
// and `nhi ingest` publishes the event's records (sources: test/fixtures/guardduty/README.md).
import { describe, expect, it } from 'vitest';
import { splitRecords } from '../../../../consumers/split-records.ts';
import { shapesOf } from '../../../../schemas/normalize.ts';
import { canariesIn, makeCanaries, plantInFreeText } from '../../../support/canaries.ts';
import { fixtureFile } from '../../../support/corpus.ts';
import { findingsOf, outcomesOf, TEST_FINGERPRINT_KEY } from '../../../support/normalize.ts';

const file = fixtureFile('guardduty/eventbridge-via-sns.json');
const notification = JSON.parse(file.toString('utf8')) as Record<string, unknown>;
const event = JSON.parse(notification.Message as string) as Record<string, unknown>;

describe('an SNS notification around a GuardDuty EventBridge event', () => {
  const findings = findingsOf(file, { format: 'auto' });

  it('auto names guardduty/eventbridge-via-sns; the findings are the event’s own', () => {
    expect(outcomesOf(file, { format: 'auto' }).map((o) => o.variant)).toEqual([
      'guardduty/eventbridge-via-sns',
    ]);
    expect(findings.map((f) => f.source.variant)).toEqual(['guardduty/eventbridge-via-sns']);
    expect(shapesOf(file)).toEqual(['guardduty/eventbridge-via-sns']);
    const bare = findingsOf(JSON.stringify(event), { format: 'auto' });
    expect(findings.map((f) => f.id)).toEqual(bare.map((f) => f.id));
    expect(findings.map((f) => f.identities.map((i) => i.key))).toEqual([
      ['arn:aws:iam::883606788610:user/GeneratedFindingUserName'],
    ]);
    expect(findings.map((f) => [f.kind, f.severity.label, f.status])).toEqual([
      ['compromise-indicator', 'medium', 'open'],
    ]);
  });

  it('an explicit --format guardduty reads it too', () => {
    expect(findingsOf(file, { format: 'guardduty' }).map((f) => f.id)).toEqual(findings.map((f) => f.id));
  });

  it('a Message that is not JSON is one rejection that says so', () => {
    const broken = JSON.stringify({ ...notification, Message: 'Hello world!' });
    expect(outcomesOf(broken, { format: 'auto' })).toEqual([
      expect.objectContaining({ ok: false, reason: 'SNS notification whose Message is not JSON' }),
    ]);
  });

  it('no secret planted in the event’s free text comes out', () => {
    const canaries = makeCanaries();
    const planted = JSON.stringify({
      ...notification,
      Message: JSON.stringify({ ...plantInFreeText(event, canaries.prose), source: event.source }),
    });
    const out = JSON.stringify(findingsOf(planted, { format: 'auto' }));
    expect(canariesIn(out, canaries)).toEqual([]);
  });

  it('nhi ingest publishes the event’s record, keyed by its identity', () => {
    const out = splitRecords(file, 'auto', TEST_FINGERPRINT_KEY);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ format: 'guardduty', problem: undefined });
    expect(out[0]!.key).toBe('arn:aws:iam::883606788610:user/GeneratedFindingUserName');
    expect(JSON.parse(String(out[0]!.value))).toEqual(event);
  });
});
